"""`minipbx icm ...` as an installer runs it: set, list, lookup, remove, and one-line errors."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from firmware.store.database import open_store
from firmware.store.extensions import add_extension
from tests.apps.icm.conftest import EMPLOYEES, Crm, record_call

PROGRAM = Path(sys.executable).parent / "minipbx"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    db = open_store(data_dir)
    for number, name in EMPLOYEES.items():
        add_extension(db, number, name)
    now = datetime.now(UTC)
    record_call(db, caller="0301234567", called="4930100", answered_by="102", days_ago=3, now=now)
    record_call(db, caller="0301234567", called="4930100", answered_by="101", days_ago=1, now=now)
    db.conn.close()
    return data_dir


def minipbx(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PROGRAM), "--data", str(data), "icm", *args], capture_output=True, text=True,
                          timeout=30)


def ok(data: Path, *args: str) -> str:
    result = minipbx(data, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(data: Path, *args: str, code: int = 1) -> str:
    result = minipbx(data, *args)
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minipbx: error: "), result.stderr
    return lines[0]


def test_set_list_lookup_and_remove(data: Path, crm: Crm) -> None:
    missing = crm.url("missing")
    shown = ok(data, "set", "returning", "--days", "60", "--source", missing, "cdr", "--timeout-ms", "500",
               "--except", "101", "--follow-forwarding", "--area-code", "030", "--fallback", "ext:104",
               "--ring-seconds", "25")
    assert "icm:returning" in shown and "followed" in shown and "ext:104" in shown

    assert json.loads(ok(data, "list", "--json")) == [{
        "name": "returning", "days": 60, "sources": [missing, "cdr"], "timeout_ms": 500, "exceptions": ["101"],
        "follow_forwarding": True, "area_code": "030", "fallback": "ext:104", "ring_seconds": 25,
    }]
    table = ok(data, "list")
    assert "NAME" in table.splitlines()[0] and "returning" in table.splitlines()[1]

    # 101 talked with the customer last but is an exception; the CRM answers 404: 102 from the call records.
    answer = ok(data, "lookup", "returning", "123 45 67")
    assert "number 0301234567 (also matched as 1234567)" in answer
    assert "answered 404 Not Found; trying the next source" in answer
    assert "102 (Anna Sales), from the call records" in answer

    result = minipbx(data, "lookup", "returning", "0309999999")
    assert result.returncode == 3 and "nobody found; the call goes to ext:104" in result.stdout
    result = minipbx(data, "lookup", "returning", "anonymous")
    assert result.returncode == 3 and "'anonymous' is not a phone number" in result.stdout

    ok(data, "set", "returning", "--ignore-forwarding", "--source", crm.url("text"), "--except", "")
    changed = json.loads(ok(data, "list", "--json"))[0]
    assert (changed["follow_forwarding"], changed["sources"], changed["exceptions"], changed["days"]) == (
        False, [crm.url("text")], [], 60)
    assert "104 (Manager), from CRM http://127.0.0.1" in ok(data, "lookup", "returning", "0301234567")

    assert "icm:returning removed" in ok(data, "remove", "returning")
    assert json.loads(ok(data, "list", "--json")) == []


def test_mistakes_get_one_line_and_change_nothing(data: Path) -> None:
    assert "days 0 is not accepted; use a whole number of days 1-3650" in refused(
        data, "set", "returning", "--days", "0")
    assert "source 'ftp://crm/{number}' is not accepted; use cdr or an http:// or https:// URL" in refused(
        data, "set", "returning", "--source", "ftp://crm/{number}")
    assert "exception '999' is not an existing extension" in refused(data, "set", "returning", "--except", "999")
    assert "fallback 'ext:999' is not accepted" in refused(data, "set", "returning", "--fallback", "ext:999")
    assert "name 'bad name' is not accepted" in refused(data, "set", "bad name")
    assert json.loads(ok(data, "list", "--json")) == []
    assert "'nosuch' does not exist; see `icm list`" in refused(data, "remove", "nosuch")
    assert "'nosuch' does not exist; see `icm list`" in refused(data, "lookup", "nosuch", "0301234567")
    # Mistyped commands are argparse's (exit code 2), still one line.
    assert "invalid int value: 'abc'" in refused(data, "set", "returning", "--days", "abc", code=2)
    assert "not allowed with argument" in refused(data, "set", "returning", "--follow-forwarding",
                                                  "--ignore-forwarding", code=2)
