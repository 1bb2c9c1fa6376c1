"""Cutting a byte stream into text lines, surviving garbage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BadLine:
    """Input that could not be a line: why, and the bytes (for the log)."""

    reason: str
    data: bytes


class LineSplitter:
    """Splits on LF or CR (a CR LF pair makes one break); drops empty lines.

    An overlong line is reported once and skipped up to the next terminator, so a
    stream of garbage cannot grow memory or hide the next good line.
    """

    def __init__(self, max_length: int = 256) -> None:
        self.max_length = max_length
        self._buffer = bytearray()
        self._skipping = False

    def feed(self, data: bytes) -> list[str | BadLine]:
        out: list[str | BadLine] = []
        for byte in data:
            if byte in (0x0A, 0x0D):
                if self._skipping:
                    self._skipping = False
                elif self._buffer:
                    out.append(self._finish(bytes(self._buffer)))
                self._buffer.clear()
                continue
            if self._skipping:
                continue
            self._buffer.append(byte)
            if len(self._buffer) > self.max_length:
                out.append(BadLine(f"line longer than {self.max_length} bytes", bytes(self._buffer[:40])))
                self._buffer.clear()
                self._skipping = True
        return out

    def reset(self) -> None:
        self._buffer.clear()
        self._skipping = False

    @staticmethod
    def _finish(raw: bytes) -> str | BadLine:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            return BadLine("non-ASCII bytes in line", raw)
        if not text.isprintable():
            return BadLine("control characters in line", raw)
        return text
