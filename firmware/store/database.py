"""Opening the one sqlite file that holds configuration and history.

The file lives in the data directory. It runs in WAL mode with synchronous=FULL:
a committed CDR or extension survives `kill -9` and a power cut. Kamailio opens
the same file for its `subscriber` and `location` tables.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from firmware.store.migrations import MIGRATIONS

DB_NAME = "minipbx.db"
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(RuntimeError):
    """The database cannot be used; the message says why and what to do."""


def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


def connect(path: Path) -> sqlite_utils.Database:
    """Open an existing or new database file with the durability settings."""
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(
            f"database {path} is corrupt or not a minipbx database ({exc}); move it away and restore a backup"
        ) from None
    return sqlite_utils.Database(conn)


def open_store(data_dir: Path, *, create: bool = True) -> sqlite_utils.Database:
    """Open the store, creating or migrating its schema.

    Refuses a database written by a newer minipbx (its schema version is higher
    than this code knows) and one that fails sqlite's integrity check.
    """
    path = db_path(data_dir)
    if not path.exists():
        if not create:
            raise StoreError(
                f"no database at {path}; run `minipbx --data {data_dir} ext add ...` or `run` first"
            )
        data_dir.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise StoreError(f"database {path} is corrupt ({check}); move it away and restore a backup")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"database {path} has schema version {version}, newer than this minipbx understands "
                f"({SCHEMA_VERSION}); install a newer minipbx or restore a backup"
            )
        for number in range(version, SCHEMA_VERSION):
            _apply(db, number)
    except sqlite3.DatabaseError as exc:
        db.conn.close()
        raise StoreError(f"database {path} is corrupt ({exc}); move it away and restore a backup") from None
    except StoreError:
        db.conn.close()
        raise
    return db


def _apply(db: sqlite_utils.Database, index: int) -> None:
    """Run one migration and bump the version in a single transaction."""
    with write_transaction(db):
        MIGRATIONS[index](db)
        db.conn.execute(f"PRAGMA user_version = {index + 1}")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that takes the write lock first (BEGIN IMMEDIATE).

    Kamailio writes the same file. A deferred transaction that reads before it
    writes fails at once with "database is locked" if another process committed
    in between (the busy timeout does not apply then); taking the lock up front
    makes it wait its turn instead. Nested use becomes a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")
