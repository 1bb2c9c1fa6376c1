"""The brain's periodic sync: runs when due, follows the interval setting, stops when asked."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from firmware.directory.config import set_config
from firmware.directory.schedule import directory_sync_rounds, seconds_until_due
from firmware.directory.sync import sync_log
from firmware.store.extensions import get_extension
from tests.directory.conftest import use_openldap
from tests.support.slapd import DirectoryTree, Slapd


def test_off_until_an_interval_is_set(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                                      tree: DirectoryTree) -> None:
    use_openldap(db, slapd, tree)
    assert seconds_until_due(data_dir, datetime.now(UTC)) is None
    set_config(db, {"interval_minutes": "15"})
    assert seconds_until_due(data_dir, datetime.now(UTC)) == 0.0  # never synced on schedule yet


def test_scheduled_sync_runs_and_waits_for_the_interval(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                                                        tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    use_openldap(db, slapd, tree, interval_minutes="15")

    async def run_until_synced() -> None:
        stopping = asyncio.Event()
        task = asyncio.create_task(directory_sync_rounds(data_dir, stopping))
        for _ in range(200):
            if db.execute("SELECT 1 FROM directory_log").fetchone():
                break
            await asyncio.sleep(0.05)
        stopping.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(run_until_synced())

    assert get_extension(db, "201") is not None
    assert [(row.trigger, row.ok) for row in sync_log(db)] == [("schedule", True)]
    wait = seconds_until_due(data_dir, datetime.now(UTC))
    assert wait is not None and timedelta(minutes=14) < timedelta(seconds=wait) <= timedelta(minutes=15)
