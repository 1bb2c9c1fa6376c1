"""The one error a board file can cause."""

from __future__ import annotations


class BoardError(ValueError):
    """A board file that cannot be used; the message names the file, key and problem."""
