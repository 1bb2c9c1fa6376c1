"""Reading one TOML table of a board file with typed getters that name the key on error.

Every getter records the key as known, so `finish()` can reject the keys nobody
asked for (typos such as `lock_pn`) and list the accepted ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hal.board.errors import BoardError

_MISSING: Any = object()


class Table:
    def __init__(self, data: object, where: str, path: Path) -> None:
        if not isinstance(data, dict):
            raise BoardError(f"{path}: [{where}] must be a table, not {type(data).__name__}")
        self.data: dict[str, Any] = data
        self.where = where
        self.path = path
        self._known: set[str] = set()

    def error(self, key: str, problem: str, value: Any = _MISSING) -> BoardError:
        """An error for `key`: "[section] key = value problem" (or "key: problem" without a value)."""
        if value is _MISSING:
            return BoardError(f"{self.path}: [{self.where}] {key}: {problem}")
        return BoardError(f"{self.path}: [{self.where}] {key} = {value!r} {problem}")

    def raw(self, key: str, default: Any) -> Any:
        """The value of `key` unchecked (or `default`), marking the key as known."""
        self._known.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(key, "is missing")
        return default

    def has(self, key: str) -> bool:
        self._known.add(key)
        return key in self.data

    def text(self, key: str, default: Any = _MISSING, choices: tuple[str, ...] = ()) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "is not accepted; use a non-empty string", value)
        if choices and value not in choices:
            raise self.error(key, f"is not accepted; use one of: {', '.join(choices)}", value)
        return value

    def integer(self, key: str, low: int, high: int, default: Any = _MISSING) -> int:
        value = self.raw(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(key, f"is not accepted; use a whole number {low}-{high}", value)
        return value

    def number(self, key: str, low: float, high: float, default: Any = _MISSING) -> float:
        value = self.raw(key, default)
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(key, f"is not accepted; use a number {low}-{high}", value)
        return float(value)

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "is not accepted; use true or false", value)
        return value

    def table(self, key: str) -> Table | None:
        value = self.raw(key, None)
        return None if value is None else Table(value, f"{self.where}.{key}" if self.where else key, self.path)

    def named_tables(self, key: str) -> list[tuple[str, Table]]:
        """Sub-tables keyed by device name: [fxs.fxs1], [fxs.fxs2], ..."""
        outer = self.table(key)
        if outer is None:
            return []
        out = []
        for name in outer.data:
            outer._known.add(name)
            out.append((name, Table(outer.data[name], f"{outer.where}.{name}", self.path)))
        return out

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._known)
        if unknown:
            where = f"[{self.where}]" if self.where else "top level"
            accepted = ", ".join(sorted(self._known))
            keys = ", ".join(unknown)
            raise BoardError(f"{self.path}: {where}: unknown key(s) {keys}; accepted: {accepted}")
