"""`minipbx ringgroup ...` as a person types it: what it prints, what it refuses, its exit codes."""
from __future__ import annotations

import json

import sqlite_utils

from firmware.apps.ringgroups.config import get_ring_group
from tests.cli.conftest import Cli


def test_set_list_and_remove(cli: Cli, db: sqlite_utils.Database) -> None:
    out = cli.ok("ringgroup", "set", "sales", "--number", "150", "--strategy", "linear", "--step", "5",
                 "--timeout", "40", "--no-answer", "voicemail:101", "--pickup-group", "front",
                 "--members", "102, 101,number:0301234567")
    assert out == ("ring group sales on 150: linear, 5 s each, 40 s, then voicemail:101; members 102, 101, "
                   "number:0301234567\n")
    cli.ok("ringgroup", "set", "support", "--members", "103")
    assert cli.ok("ringgroup", "set", "sales", "--strategy", "all", "--no-answer", "") == (
        "ring group sales on 150: all, 40 s, then release; members 102, 101, number:0301234567\n")
    listed = json.loads(cli.ok("ringgroup", "list", "--json"))
    assert listed == [
        {"name": "sales", "number": "150", "strategy": "all", "step_seconds": 5, "timeout": 40, "no_answer": "",
         "pickup_group": "front", "members": ["102", "101", "number:0301234567"], "pagers": [], "park_number": ""},
        {"name": "support", "number": "", "strategy": "all", "step_seconds": 10, "timeout": 30, "no_answer": "",
         "pickup_group": "", "members": ["103"], "pagers": [], "park_number": ""},
    ]
    table = cli.ok("ringgroup", "list").splitlines()
    assert table[0].split() == ["NAME", "NUMBER", "STRATEGY", "STEP", "TIMEOUT", "NO", "ANSWER", "PICKUP",
                                "MEMBERS", "(in", "order)"]
    assert table[1].split() == ["sales", "150", "all", "-", "40s", "release", "front", "102,101,number:0301234567"]
    assert cli.ok("ringgroup", "remove", "support") == "ring group support removed\n"
    assert get_ring_group(db, "support") is None
    assert [g["name"] for g in json.loads(cli.ok("ringgroup", "list", "--json"))] == ["sales"]


def test_no_groups_says_how_to_add_one(cli: Cli) -> None:
    assert "minipbx ringgroup set NAME --members 101,102" in cli.ok("ringgroup", "list")


def test_refusals_are_one_line_and_change_nothing(cli: Cli) -> None:
    cli.ok("ringgroup", "set", "sales", "--number", "150", "--members", "101")
    before = cli.snapshot()
    for args, message in [
        (("--members", "101,999"), "member '999' is not accepted; use an existing extension number"),
        (("--number", "101"), "ring group number 101 is already extension 101"),
        (("--number", "950"), "ring group number 950 is not accepted: 950 is outside the extension ranges"),
        (("--step", "1"), "step 1 s is not accepted; use a whole number of seconds 2-120"),
        (("--no-answer", "group:sales"), "no-answer destination group:sales is the group itself"),
        (("--park-number", "151"), "a page-and-park number (151) needs strategy page"),
    ]:
        assert message in cli.fails("ringgroup", "set", "sales", *args)
    assert "ring group nope does not exist" in cli.fails("ringgroup", "remove", "nope")
    # A mistyped choice or number is a usage error: one line too, exit code 2.
    assert "invalid choice: 'random'" in cli.fails("ringgroup", "set", "sales", "--strategy", "random", code=2)
    assert "invalid int value: 'ten'" in cli.fails("ringgroup", "set", "sales", "--timeout", "ten", code=2)
    assert cli.snapshot() == before


def test_removal_refused_while_a_route_leads_to_the_group(cli: Cli) -> None:
    cli.ok("ringgroup", "set", "sales", "--members", "101,102")
    cli.ok("trunk", "add", "prov", "--host", "192.0.2.1", "--username", "acme", "--password", "Trunk-pass-1234")
    cli.ok("route", "set", "prov", "group:sales", "--did", "4930100")
    assert cli.fails("ringgroup", "remove", "sales") == (
        "minipbx: error: ring group sales cannot be removed: group:sales is still used by inbound route "
        "prov/4930100/*; change those first")
    cli.ok("route", "set", "prov", "ext:101", "--did", "4930100")
    cli.ok("ringgroup", "remove", "sales")


def test_a_paging_group_with_a_page_and_park_number(cli: Cli) -> None:
    out = cli.ok("ringgroup", "set", "office", "--number", "870", "--strategy", "page", "--members", "101,102",
                 "--park-number", "871")
    assert out.startswith("ring group office on 870 (page and park on 871): page")
    assert "already the page-and-park number of paging group office" in cli.fails(
        "ringgroup", "set", "sales", "--number", "871", "--members", "103")
    assert "page_answer_seconds = '0' is not accepted; use a whole number of seconds 10-600" in cli.fails(
        "config", "set", "page_answer_seconds", "0")
