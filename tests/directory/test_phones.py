"""End to end: a synced person's real phone registers; once they leave, it no longer can."""
from __future__ import annotations

import re
import time

from firmware.store.database import open_store
from tests.directory.conftest import use_openldap
from tests.support.pbx import RunningPbx
from tests.support.slapd import DirectoryTree, Slapd


def _sync(pbx: RunningPbx) -> str:
    result = pbx.minipbx("ldap", "sync", timeout=60)
    assert result.returncode == 0, result.stderr
    assert "not dropped" not in result.stderr, result.stderr
    return result.stdout


def test_synced_phone_registers_and_a_leaver_cannot(pbx: RunningPbx, slapd: Slapd, tree: DirectoryTree) -> None:
    jane = tree.add_person("jdoe", "Jane Doe", number="201")
    tree.add_person("bsmith", "Bob Smith", number="202")
    db = open_store(pbx.data_dir)
    try:
        use_openldap(db, slapd, tree)
    finally:
        db.conn.close()

    out = _sync(pbx)
    passwords = dict(re.findall(r"SIP user (\d+), password (\S+)", out))
    assert sorted(passwords) == ["201", "202"]
    pbx.passwords.update(passwords)
    pbx.phone("201")  # registers with the synced account (asserts 200)
    pbx.phone("202")

    tree.server.delete(jane)
    assert "disable 201 Jane Doe" in _sync(pbx)

    # The edge forgets 201's phone (status may lag a moment on a busy machine).
    deadline = time.monotonic() + 10
    while True:
        status = pbx.status()
        assert status is not None
        registered = sorted(r["extension"] for r in status["registrations"])
        if registered == ["202"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert registered == ["202"]
    assert status["directory_sync"]["ok"] and status["directory_sync"]["counts"]["disabled"] == 1
    again = pbx.phone("201", register=False)
    assert again.register() != 200
