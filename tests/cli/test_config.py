"""`minipbx config` and `minipbx cdr`."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.database import open_store
from tests.cli.conftest import Cli


def test_set_and_get_a_setting(cli: Cli) -> None:
    assert cli.ok("config", "set", "ring_timeout", "5") == "ring_timeout = 5\n"
    assert cli.ok("config", "get", "ring_timeout") == "5\n"
    cli.ok("config", "set", "country", "US")
    listing = cli.ok("config").splitlines()
    assert listing[0].split()[:3] == ["KEY", "VALUE", "MEANING"]
    values = {line.split()[0]: line.split()[1] for line in listing[1:]}
    assert (values["ring_timeout"], values["country"], values["sip_realm"]) == ("5", "US", "minipbx")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["config", "set", "ring_timeout", "2"],
         "minipbx: error: ring_timeout = '2' is not accepted; use a whole number of seconds 5-300"),
        (["config", "set", "ring_timeout", "thirty"],
         "minipbx: error: ring_timeout = 'thirty' is not accepted; use a whole number of seconds 5-300"),
        (["config", "set", "country", "FR"], "minipbx: error: country = 'FR' is not accepted; use EU, US or UK"),
        (["config", "set", "sip_realm", "example.com"],
         "minipbx: error: sip_realm cannot be changed: every SIP password is hashed with it"),
        (["config", "set", "ringtimeout", "30"], "minipbx: error: unknown setting 'ringtimeout'; known settings: "),
        (["config", "get", "colour"], "minipbx: error: unknown setting 'colour'"),
        (["config", "set", "ring_timeout"], "minipbx: error: usage: minipbx config set KEY VALUE"),
    ],
)
def test_refused_setting_says_why_and_changes_nothing(cli: Cli, args: list[str], message: str) -> None:
    cli.ok("config", "set", "ring_timeout", "40")
    before = cli.snapshot()
    said = cli.fails(*args)
    assert said.startswith(message)
    if "unknown setting" in message:
        assert "ring_timeout" in said and "sip_realm" in said
    assert cli.snapshot() == before
    assert cli.ok("config", "get", "ring_timeout") == "40\n"


def test_cdr_shows_the_calls(cli: Cli) -> None:
    assert cli.ok("cdr").split() == ["STARTED", "(UTC)", "DIR", "CALLER", "CALLED", "ANSWERED", "BY", "RESULT",
                                     "TALK", "CAUSE"]
    start = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    db = open_store(cli.data_dir)
    write_cdr(db, CallRecord(call_id="c1", caller="101", called="102", started_at=start,
                             answered_at=start + timedelta(seconds=5), ended_at=start + timedelta(seconds=48),
                             disposition="answered", hangup_cause="the caller hung up", hangup_by="caller",
                             answered_by="102"))
    db.conn.close()
    [row] = cli.ok("cdr").splitlines()[1:]
    assert row.split()[:7] == ["2025-03-14T09:30:00", "internal", "101", "102", "102", "answered", "43s"]
    assert row.endswith("the caller hung up")
    [record] = json.loads(cli.ok("cdr", "--json"))
    assert record["talk_seconds"] == 43.0 and record["caller"] == "101"
    by_person = cli.ok("cdr", "--by", "extension", "--since", "2025-03-14").splitlines()
    assert by_person[0].split() == ["EXTENSION", "CALLS", "MADE", "RECEIVED", "ANSWERED", "MISSED", "TALK", "AVG",
                                    "WAIT"]
    assert cli.ok("cdr", "--by", "direction").splitlines()[1].split() == \
        ["internal", "1", "0", "0", "1", "0", "43s", "5.0s"]
    assert cli.fails("cdr", "--by", "extension", "--since", "last week", code=2) == (
        "minipbx: error: argument --since: 'last week' is not a date or time; use e.g. 2026-03-02 or "
        "2026-03-02T09:00 (see `minipbx cdr --help`)")
