"""PIN failures and locks (firmware/pins/guard.py) for the administrator: see who is locked out
of which mailbox, menu or room, and lift a lock (a legitimate caller locked out by a guesser on
the same trunk, or a room locked for everyone)."""
from __future__ import annotations

from pydantic import BaseModel, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.pins.guard import all_failures, clear_failures


class PinFailuresView(BaseModel):
    target: str = Field(description="voicemail:101, disa:MENU, conf:800, web-login, admin-pin")
    level: str = Field(description="number:N (presented number), trunk:NAME, ext:N, address:IP, or * (the "
                                   "target over all sources)")
    failures: int
    locked_seconds: float = Field(description="still locked for this long; 0 = may try")
    last_failure_at: str


def failures(admin: Admin) -> list[PinFailuresView]:
    return [PinFailuresView(target=f.target, level=f.level, failures=f.failures, locked_seconds=f.locked_seconds,
                            last_failure_at=f.last_failure_at) for f in all_failures(admin.db)]


def unlock(admin: Admin, target: str, level: str | None = None) -> int:
    """Forget the target's failures (every level, or `level` only); NotFound when there are none."""
    removed = clear_failures(admin.db, target, level)
    if not removed:
        counted = sorted({f"{f.target} {f.level}" for f in all_failures(admin.db) if f.target == target})
        raise NotFound(f"no PIN failures are counted for {target}" + (f" at level {level}" if level else "")
                       + (f"; counted: {', '.join(counted)}" if counted else "; see `minipbx pin failures`"))
    admin.audit("pin.unlock", target=target, level=level or "all")
    return removed
