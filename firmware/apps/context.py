"""What call applications may use besides the caller's session."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from firmware.prompts.library import PromptLibrary


@dataclass
class AppContext:
    db: sqlite_utils.Database
    data_dir: Path
    prompts: PromptLibrary
    # A mailbox's messages changed: the brain updates message-waiting lamps and sends e-mail.
    mailbox_changed: Callable[[str], None]
