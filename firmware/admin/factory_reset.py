"""Factory reset: the configuration back to a new box's, with new generated secrets.

One operation for the front panel's reset button (held 10 s; 20 s: `wipe`) and `minipbx
factory-reset`. Every table goes back to what a freshly made store holds (the same
migrations make both), except, unless `wipe`, the voicemail messages, the call recordings,
the call records they belong to and the audit log. The first extensions (those first boot
makes) come back with new SIP passwords, shown on the console and kept in CREDENTIALS_FILE
until the installer hides them; on the appliance a new admin PIN follows (PIN_REQUEST,
firmware/appliance/firstboot.py `--renew-pin`).

Power loss: the new passwords are written (durably) to a pending file first, then the whole
reset is one sqlite transaction whose audit row carries the pending file's token, then the
file is renamed to be shown. A cut before the commit leaves the old configuration and a
pending file that `finish_pending` deletes at the next start; a cut after it leaves the reset
done and a pending file that `finish_pending` shows.
"""
from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from firmware.admin.context import Admin
from firmware.appliance.credentials import write_durably
from firmware.appliance.firstboot import DEFAULT_EXTENSIONS, PIN_REQUEST, credentials_text
from firmware.apps.voicemail.store import VOICEMAIL_DIR
from firmware.recording.index import RECORDINGS_DIR
from firmware.store.database import open_store, write_transaction
from firmware.store.extensions import add_extension

log = logging.getLogger("minipbx.admin.factory_reset")

# Kept by a reset that is not a wipe: recorded speech and the history it belongs to.
KEPT_TABLES = ("vm_messages", "recordings", "cdr", "audit_log")
CREDENTIALS_FILE = "factory-reset-credentials.txt"
_PENDING = ".factory-reset-credentials.pending"
ACTION = "factory_reset"


@dataclass(frozen=True)
class ResetDone:
    wiped: bool  # recordings and voicemail deleted too
    passwords: dict[str, str]  # the first extensions' new SIP passwords
    credentials: Path  # where they are shown from (the console shows this file)


def factory_reset(admin: Admin, *, wipe: bool = False) -> ResetDone:
    data_dir = admin.data_dir
    passwords = {number: "" for number in DEFAULT_EXTENSIONS}
    token = secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="minipbx-defaults-", dir=data_dir) as fresh_dir:
        fresh = open_store(Path(fresh_dir))
        fresh.conn.close()
        # The secrets first, made like first boot's; they are shown only once the reset is in.
        for number in passwords:
            scratch = open_store(Path(fresh_dir))
            passwords[number] = add_extension(scratch, number, f"Phone {number}")
            scratch.conn.close()
        pending = data_dir / _PENDING
        text = credentials_text(None, passwords, ()).replace("credentials for this box",
                                                             "credentials after the factory reset")
        write_durably(pending, json.dumps({"token": token, "text": text}).encode(), mode=0o600)
        _reset_tables(admin, Path(fresh_dir) / "minipbx.db", wipe, token)
    if wipe:
        for folder in (VOICEMAIL_DIR, RECORDINGS_DIR):
            shutil.rmtree(data_dir / folder, ignore_errors=True)
    shown = _show(data_dir, pending)
    _ask_for_a_pin(data_dir)
    log.warning("factory reset by %s%s: new credentials in %s", admin.actor.who,
                " (recordings and voicemail deleted)" if wipe else "", shown)
    return ResetDone(wipe, passwords, shown)


def _reset_tables(admin: Admin, fresh: Path, wipe: bool, token: str) -> None:
    """Every table as in `fresh` (the kept ones aside) and the audit row, in one transaction."""
    db = admin.db
    kept = () if wipe else KEPT_TABLES
    db.execute("ATTACH DATABASE ? AS fresh", [str(fresh)])
    try:
        tables = [str(name) for (name,) in db.execute(
            "SELECT name FROM fresh.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()]
        with write_transaction(db):
            # Rows refer to each other (trunk group members, forwarding): checked at the commit.
            db.execute("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                if table in kept:
                    continue
                db.execute(f'DELETE FROM main."{table}"')
                db.execute(f'INSERT INTO main."{table}" SELECT * FROM fresh."{table}"')
            admin.audit(ACTION, token=token, wipe=wipe, extensions=list(DEFAULT_EXTENSIONS))
    finally:
        db.execute("DETACH DATABASE fresh")


def _show(data_dir: Path, pending: Path) -> Path:
    shown = data_dir / CREDENTIALS_FILE
    text = json.loads(pending.read_text())["text"]
    write_durably(shown, text.encode(), mode=0o600)
    pending.unlink()
    return shown


def _ask_for_a_pin(data_dir: Path) -> None:
    """On the appliance a root service renews the admin PIN when this file appears."""
    run = data_dir / "run"
    run.mkdir(parents=True, exist_ok=True)
    (run / PIN_REQUEST).write_text("a factory reset asks for a new admin PIN\n")


def last_reset(db: sqlite_utils.Database) -> str:
    """The token of the latest factory reset ('' for none): a running PBX tells a new one."""
    row = db.execute("SELECT detail FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT 1", [ACTION]).fetchone()
    return str(json.loads(row[0]).get("token", "")) if row else ""


def finish_pending(db: sqlite_utils.Database, data_dir: Path) -> None:
    """At start: a reset cut short by a power loss is shown if it was committed, else forgotten."""
    pending = data_dir / _PENDING
    try:
        token = json.loads(pending.read_text())["token"]
    except FileNotFoundError:
        return
    except (ValueError, KeyError, OSError):
        pending.unlink(missing_ok=True)
        return
    if token == last_reset(db):
        _show(data_dir, pending)
        _ask_for_a_pin(data_dir)
    else:
        pending.unlink()
