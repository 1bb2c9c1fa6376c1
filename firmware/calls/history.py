"""The steps of a call after it was answered, for its call record.

One record per call: who answered, who transferred it to whom, who picked it up,
where it was parked and who took it back, how long it was on hold. `minipbx cdr`
shows the steps; the `history` column keeps them as text, the `hold_seconds`
column their hold time.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class CallHistory:
    steps: list[str] = field(default_factory=list)
    hold_seconds: float = 0.0
    transferred_by: str = ""
    _held_since: float | None = None

    def add(self, step: str) -> None:
        self.steps.append(f"{datetime.now(UTC).strftime('%H:%M:%S')} {step}")

    def hold_started(self) -> None:
        if self._held_since is None:
            self._held_since = time.monotonic()

    def hold_ended(self) -> None:
        if self._held_since is not None:
            self.hold_seconds += time.monotonic() - self._held_since
            self._held_since = None

    def text(self) -> str:
        return "; ".join(self.steps)
