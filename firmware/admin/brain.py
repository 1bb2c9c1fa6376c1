"""Talking to the running PBX (the brain's control socket) for admin operations.

Most configuration is read by the brain per call, so a change applies to the next
call by itself; what the edge caches (trunks) needs `reload`. Live calls come from
the brain's memory (`calls`).
"""
from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from firmware.brain.control import ControlError, ask


def control_socket(data_dir: Path) -> Path:
    return data_dir.resolve() / "run" / "control.sock"


def tell_brain(data_dir: Path) -> None:
    """A running PBX picks the change up at once; a stopped one reads it at start."""
    try:
        ask(control_socket(data_dir), "reload")
    except ControlError as exc:
        if exc.kind != "not_running":
            raise
    except OSError:
        pass


class LiveCall(BaseModel):
    id: str
    caller: str
    called: str
    state: str
    worker: int
    started_at: str
    answered_by: str | None = None
    trunk: str | None = None
    mode: str | None = None
    route: str | None = None


def live_calls(data_dir: Path) -> list[LiveCall]:
    """Calls in progress; ControlError when the PBX is not running."""
    answer = ask(control_socket(data_dir), "calls")
    calls = answer.get("calls", [])
    assert isinstance(calls, list)
    return [LiveCall.model_validate(c) for c in calls]
