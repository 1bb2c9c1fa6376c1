"""The factory reset with a real store: configuration back to a new box's, new passwords shown,
recordings and voicemail kept unless wiped, and a reset cut by a power loss finished or forgotten."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils

from firmware.admin.context import Actor, Admin
from firmware.admin.factory_reset import (
    _PENDING,
    CREDENTIALS_FILE,
    factory_reset,
    finish_pending,
    last_reset,
)
from firmware.appliance.firstboot import PIN_REQUEST
from firmware.apps.voicemail.store import counts, recording_path, store_message
from firmware.store.database import open_store
from firmware.store.extensions import add_extension, list_extensions, realm
from firmware.store.passwords import digest_ha1
from firmware.store.settings import get_setting, set_setting
from tests.support.audio import synth_tone, write_wav


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    db = open_store(tmp_path)
    add_extension(db, "205", "Sales")
    set_setting(db, "operator_extension", "205")
    set_setting(db, "ring_timeout", "45")
    recorded = write_wav(recording_path(tmp_path, "205"), synth_tone(700, 2.0, rate=8000), 8000)
    assert store_message(db, tmp_path, "205", "0401234567", "ACME", recorded) is not None
    return Admin(db, tmp_path, Actor("panel", "front panel"))


def ha1(db: sqlite_utils.Database, number: str) -> str:
    return str(db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()[0])


def test_a_reset_brings_the_defaults_and_new_passwords_and_keeps_voicemail(admin: Admin) -> None:
    db = admin.db
    done = factory_reset(admin)
    assert sorted(e.number for e in list_extensions(db)) == ["100", "101"]
    new_box = open_store(admin.data_dir / "new-box")
    assert get_setting(db, "operator_extension") == "" and get_setting(db, "ring_timeout") == get_setting(
        new_box, "ring_timeout") != "45"
    for number, password in done.passwords.items():
        assert ha1(db, number) == digest_ha1(number, realm(db), password)[0]
    shown = (admin.data_dir / CREDENTIALS_FILE).read_text()
    assert all(f"SIP user {n}  password {p}" in shown for n, p in done.passwords.items())
    assert (admin.data_dir / CREDENTIALS_FILE).stat().st_mode & 0o077 == 0
    assert counts(db, "205") == (1, 0) and list((admin.data_dir / "voicemail").rglob("*.wav"))
    assert (admin.data_dir / "run" / PIN_REQUEST).exists()  # the appliance's root service renews the admin PIN
    [audit] = db.execute("SELECT who, detail FROM audit_log WHERE action = 'factory_reset'").fetchall()
    assert audit[0] == "panel" and json.loads(audit[1])["token"] == last_reset(db) != ""


def test_a_wipe_deletes_voicemail_too(admin: Admin) -> None:
    factory_reset(admin, wipe=True)
    assert counts(admin.db, "205") == (0, 0)
    assert not (admin.data_dir / "voicemail").exists()


def test_a_reset_cut_before_its_commit_is_forgotten_and_after_it_shown(admin: Admin) -> None:
    pending = admin.data_dir / _PENDING
    pending.write_text(json.dumps({"token": "not-committed", "text": "stale"}))
    finish_pending(admin.db, admin.data_dir)
    assert not pending.exists() and not (admin.data_dir / CREDENTIALS_FILE).exists()
    factory_reset(admin)
    pending.write_text(json.dumps({"token": last_reset(admin.db), "text": "after the commit"}))
    finish_pending(admin.db, admin.data_dir)
    assert (admin.data_dir / CREDENTIALS_FILE).read_text() == "after the commit" and not pending.exists()


def test_after_a_reset_the_extensions_list_no_change_from_before_it(admin: Admin) -> None:
    from firmware.admin import extensions

    keypad = Admin(admin.db, admin.data_dir, Actor("keypad 205", "phone"))
    extensions.set_sip_password(keypad, "205", keyable=True)
    extensions.add(keypad, extensions.NewExtension(number="101", name="Lab"), keyable=True)
    assert extensions.get(admin, "101").changed_by == "keypad 205"
    factory_reset(admin)
    assert [(e.number, e.changed_by) for e in extensions.list_all(admin)] == [("100", ""), ("101", "")]
    extensions.set_sip_password(keypad, "101")
    assert extensions.get(admin, "101").changed_by == "keypad 205"
