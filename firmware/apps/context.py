"""What call applications may use besides the caller's session."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.conference.service import Rooms
from firmware.prompts.library import PromptLibrary


@dataclass
class AppContext:
    db: sqlite_utils.Database
    data_dir: Path
    prompts: PromptLibrary
    # A mailbox's messages changed: the brain updates message-waiting lamps and sends e-mail.
    mailbox_changed: Callable[[str], None]
    # The conference rooms in use (the brain's); None where there is no brain (a check).
    rooms: Rooms[Any] | None = None
