"""`minipbx cdr --scenarios`: the figures per trunk, number dialled and voice menu, as the API gives them."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from firmware.store.cdr import CallRecord, write_cdr
from firmware.store.database import open_store
from tests.cli.conftest import Cli


def test_figures_per_scenario_and_split_by_menu_key(cli: Cli) -> None:
    db = open_store(cli.data_dir)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    # One caller pressed 1 and talked at 101 for 40 s; the next hung up while the greeting played.
    write_cdr(db, CallRecord(call_id="in1", caller="0301111", called="4930", started_at=start,
                             answered_at=start + timedelta(seconds=10), ended_at=start + timedelta(seconds=50),
                             disposition="answered", hangup_cause="the caller hung up", hangup_by="caller",
                             answered_by="101", trunk="prov", did="4930", route="route prov/4930/day; ivr main: key 1",
                             direction="in"))
    later = start + timedelta(minutes=5)
    write_cdr(db, CallRecord(call_id="in2", caller="0302222", called="4930", started_at=later,
                             ended_at=later + timedelta(seconds=4), disposition="answered",
                             hangup_cause="caller hung up in ivr:main", hangup_by="caller", trunk="prov", did="4930",
                             route="route prov/4930/day", direction="in"))
    db.conn.close()
    listing = cli.ok("cdr", "--scenarios").splitlines()
    assert listing[0].split() == ["KIND", "ENTRY", "CALLS", "COMPLETED", "NO_TALK", "TRANSFERRED", "BY_EMPLOYEE",
                                  "REPEATED", "AVG", "AVG_TALK"]
    assert [line.split() for line in listing[1:]] == [
        ["trunk", "prov", "2", "1", "1", "0", "0", "0", "27s", "40s"],
        ["did", "4930", "2", "1", "1", "0", "0", "0", "27s", "40s"],
        ["menu", "main", "2", "1", "1", "0", "0", "0", "27s", "40s"]]
    keys = json.loads(cli.ok("cdr", "--split", "key", "--json"))
    assert {r["value"] for r in keys if r["kind"] == "menu"} == {"key 1", "hung up"}
    assert cli.ok("cdr", "--scenarios", "--since", "2026-03-02T09:01").splitlines()[1].split()[:4] == \
        ["trunk", "prov", "1", "0"]
    assert cli.fails("cdr", "--split", "weather", code=2) == (
        "minipbx: error: argument --split: invalid choice: 'weather' (choose from 'caller', 'direction', "
        "'disposition', 'hangup_cause', 'key', 'group') (see `minipbx cdr --help`)")
