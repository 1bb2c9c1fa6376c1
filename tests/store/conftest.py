"""A fresh store in a temporary data directory for each test."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from firmware.store.database import open_store


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[sqlite_utils.Database]:
    store = open_store(data_dir)
    yield store
    store.conn.close()
