"""Fixtures shared by the whole suite: test phones, a running PBX, a SIP provider."""
from __future__ import annotations

pytest_plugins = ["tests.support.fixtures", "tests.support.pbx", "tests.support.trunking"]
