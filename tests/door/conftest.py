"""A fresh store with extensions 101-104, used directly or through `minipbx` (as the call-app tests)."""
from __future__ import annotations

from tests.apps.conftest import cli, db

__all__ = ["cli", "db"]
