"""Loading and validating a board file.

A board file describes hardware only (pins, ports, devices, how many calls the CPU
is sized for); configuration lives in the database.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class BoardError(ValueError):
    """A board file that cannot be used; the message names the file, key and problem."""


@dataclass(frozen=True)
class Board:
    name: str
    path: Path
    # Concurrent bridged calls the board is sized for; the brain starts as many
    # call workers as the pjsua2 build needs to hold this many.
    max_calls: int


_TOP_KEYS = {"board", "capacity"}


def load_board(path: Path) -> Board:
    """Read and validate a board file; raise BoardError naming the bad key."""
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise BoardError(f"board file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"board file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise BoardError(f"{path}: unknown section(s) {', '.join(unknown)}; accepted: {', '.join(sorted(_TOP_KEYS))}")
    board = raw.get("board", {})
    name = board.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BoardError(f"{path}: [board] name must be a non-empty string")
    calls = raw.get("capacity", {}).get("calls", 8)
    if not isinstance(calls, int) or isinstance(calls, bool) or not 1 <= calls <= 1000:
        raise BoardError(f"{path}: [capacity] calls = {calls!r} is not accepted; use a whole number 1-1000")
    return Board(name=name, path=path, max_calls=calls)
