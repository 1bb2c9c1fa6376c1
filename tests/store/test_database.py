"""Opening the store: a new file gets the whole schema; a file we cannot trust is refused clearly."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from firmware.store.database import SCHEMA_VERSION, StoreError, db_path, open_store
from firmware.store.extensions import add_extension, list_extensions


def test_new_database_has_our_tables_and_kamailio_version_rows(db: sqlite_utils.Database) -> None:
    tables = set(db.table_names())
    assert {"extensions", "settings", "cdr", "subscriber", "location", "location_attrs", "version"} <= tables
    versions = dict(db.execute("SELECT table_name, table_version FROM version").fetchall())
    # Kamailio refuses to open a table whose version row is missing or different.
    assert versions["subscriber"] == 7
    assert versions["location"] == 9
    assert versions["location_attrs"] == 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_database_file_is_in_wal_mode(db: sqlite_utils.Database, data_dir: Path) -> None:
    # WAL is a property of the file: a plain connection (as Kamailio's) sees it too.
    with sqlite3.connect(db_path(data_dir)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reopening_keeps_data_and_does_not_migrate_again(data_dir: Path) -> None:
    db = open_store(data_dir)
    add_extension(db, "101", "Reception")
    db.conn.close()
    again = open_store(data_dir, create=False)
    assert [e.number for e in list_extensions(again)] == ["101"]
    assert again.execute("SELECT COUNT(*) FROM version WHERE table_name = 'subscriber'").fetchone()[0] == 1


def test_missing_database_is_not_created_when_asked_not_to(data_dir: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        open_store(data_dir, create=False)
    assert not db_path(data_dir).exists()


def test_database_from_a_newer_minipbx_is_refused_naming_both_versions(data_dir: Path) -> None:
    open_store(data_dir).conn.close()
    newer = SCHEMA_VERSION + 3
    with sqlite3.connect(db_path(data_dir)) as conn:
        conn.execute(f"PRAGMA user_version = {newer}")
    with pytest.raises(StoreError) as info:
        open_store(data_dir)
    message = str(info.value)
    assert f"schema version {newer}" in message
    assert f"({SCHEMA_VERSION})" in message
    assert "newer" in message
    # Refusing does not touch it: the newer minipbx can still use it.
    with sqlite3.connect(db_path(data_dir)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == newer


def test_random_bytes_are_refused_as_corrupt(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    garbage = os.urandom(16384)
    db_path(data_dir).write_bytes(garbage)
    with pytest.raises(StoreError, match="corrupt") as info:
        open_store(data_dir)
    assert str(db_path(data_dir)) in str(info.value)
    assert db_path(data_dir).read_bytes() == garbage  # left as it was, for whoever rescues it


@pytest.mark.parametrize("keep", [100, 4096, 20000, 0.5])
def test_truncated_database_is_refused_as_corrupt(tmp_path: Path, keep: float) -> None:
    good = tmp_path / "good"
    db = open_store(good)
    for number in range(201, 231):
        add_extension(db, str(number), f"Person {number}")
    db.conn.close()
    whole = db_path(good).read_bytes()
    cut = int(len(whole) * keep) if isinstance(keep, float) else keep
    broken = tmp_path / "broken"
    broken.mkdir()
    db_path(broken).write_bytes(whole[:cut])
    with pytest.raises(StoreError, match="corrupt"):
        open_store(broken)


def test_a_copy_of_a_good_database_opens(tmp_path: Path) -> None:
    # The counterpart of the corrupt cases: a backup restored by copying the file works.
    db = open_store(tmp_path / "a")
    add_extension(db, "101", "Reception")
    db.conn.close()
    (tmp_path / "b").mkdir()
    shutil.copy(db_path(tmp_path / "a"), db_path(tmp_path / "b"))
    assert [e.number for e in list_extensions(open_store(tmp_path / "b"))] == ["101"]
