"""Forgetting an extension's registrations at once: a leaver's phones, a removed DECT handset."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import sqlite_utils

from firmware.edge.rpc import EdgeRpcError, rpc
from firmware.store.database import write_transaction

log = logging.getLogger("minipbx.edge")


def drop_live_registrations(db: sqlite_utils.Database, run_dir: Path, numbers: list[str]) -> None:
    """Forget the numbers' registrations in a running edge (it keeps them in memory, db_mode 2)
    and in the table. Its write-back timer may have put a row back before the edge forgot the
    contact, so the rows are deleted afterwards. Not for a thread running an event loop."""
    running = (run_dir / "kamailio.ctl").exists()
    for number in numbers:
        if running:
            try:
                # "s:" keeps kamcmd from sending the number as an integer (ul.rm wants a string AOR).
                asyncio.run(rpc(run_dir, "ul.rm", "location", f"s:{number}"))
            except EdgeRpcError as exc:
                # "not found" = it had no registration; anything else is worth a line in the log.
                if "not found" not in str(exc).lower() and "404" not in str(exc):
                    log.warning("registrations of extension %s not dropped: %s", number, exc)
            except OSError as exc:
                log.warning("registrations of extension %s not dropped: %s", number, exc)
        with write_transaction(db):
            db.execute("DELETE FROM location WHERE username = ?", [number])
