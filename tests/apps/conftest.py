"""Shared by the call-app tests: a fresh store with extensions 101-104, used directly or through `minipbx`
(folders that need other people or other fixtures override `db`)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.cli.conftest import Cli

NUMBERS = ("101", "102", "103", "104")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(tmp_path / "data")
    for number in NUMBERS:
        add_extension(store, number, f"Person {number}")
    yield store
    store.conn.close()


@pytest.fixture
def cli(db: sqlite_utils.Database, tmp_path: Path) -> Cli:
    # Run from an empty folder: the command must not depend on the repository's working directory.
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(tmp_path / "data", workdir)
