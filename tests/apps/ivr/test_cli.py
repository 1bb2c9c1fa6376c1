"""`minipbx ivr ...` as a person types it, and inbound routes and VIPs leading to menus and groups."""
from __future__ import annotations

import json

import sqlite_utils

from firmware.apps.ivr.config import get_menu
from firmware.pins.guard import pin_matches
from tests.cli.conftest import Cli


def test_set_options_show_list_and_remove(cli: Cli, db: sqlite_utils.Database) -> None:
    cli.ok("ringgroup", "set", "sales", "--members", "101,102")
    out = cli.ok("ivr", "set", "main", "--greeting", "welcome", "--timeout", "7", "--max-invalid", "2",
                 "--default", "group:sales", "--no-direct-dial", "--outside-cos", "national", "--pin", "4821",
                 "--language", "de")
    assert "4821" not in out
    assert cli.ok("ivr", "option", "main", "1", "group:sales") == "voice menu main: key 1 -> group:sales\n"
    cli.ok("ivr", "option", "main", "#", "hangup")
    cli.ok("ivr", "option", "main", "9", "voicemail:101")
    assert cli.ok("ivr", "option", "main", "9", "--remove") == "voice menu main: key 9 removed\n"
    menu = get_menu(db, "main")
    assert menu is not None and pin_matches(menu.pin_hash, "4821")
    assert cli.ok("ivr", "show", "main").splitlines() == [
        "voice menu main",
        "  greeting      welcome",
        "  language      de",
        "  timeout       7 s, 2 wrong keys, then group:sales",
        "  direct dial   no",
        "  dial out      national (PIN)",
        "  PIN           set",
        "  key 1         group:sales",
        "  key #         hangup",
    ]
    listed = cli.ok("ivr", "list", "--json")
    assert "scrypt" not in listed
    assert json.loads(listed) == [{
        "name": "main", "greeting": "welcome", "timeout": 7, "max_invalid": 2, "default_dest": "group:sales",
        "direct_dial": False, "outside_cos": "national", "language": "de", "options": {"1": "group:sales",
                                                                                         "#": "hangup"},
        "pin": True,
    }]
    cli.ok("ivr", "set", "main", "--direct-dial", "--no-pin", "--outside-cos", "")
    menu = get_menu(db, "main")
    assert menu is not None and (menu.direct_dial, menu.pin_hash, menu.outside_cos) == (True, "", "")
    assert cli.ok("ivr", "list").splitlines()[1].split() == ["main", "welcome", "group:sales", "yes", "-",
                                                             "1=group:sales", "#=hangup"]
    assert cli.ok("ivr", "remove", "main") == "voice menu main removed\n"
    assert "voice menu main does not exist; see `ivr list`" in cli.fails("ivr", "show", "main")


def test_refusals_are_one_line_and_change_nothing(cli: Cli) -> None:
    cli.ok("ivr", "set", "main", "--pin", "4821")
    before = cli.snapshot()
    for args, message in [
        (("ivr", "set", "main", "--timeout", "0"), "timeout 0 is not accepted; use a whole number of seconds 1-60"),
        (("ivr", "set", "main", "--pin", "1111"), "PIN 1111 is too easy to guess"),
        (("ivr", "set", "main", "--outside-cos", "everything"), "class of service 'everything' is not known"),
        (("ivr", "set", "main", "--language", "fr"), "language 'fr' is not accepted"),
        (("ivr", "set", "main", "--default", "ivr:main"), "is the menu itself"),
        (("ivr", "option", "main", "A", "ext:101"), "key 'A' is not accepted; use one of 0-9, * or #"),
        (("ivr", "option", "main", "1", "ivr:nope"), "voice menu nope does not exist"),
        (("ivr", "option", "main", "1"), "key 1 of menu main: give a destination (e.g. ext:101) or --remove"),
        (("ivr", "option", "main", "1", "ext:101", "--remove"), "or --remove, not both"),
        (("ivr", "option", "main", "1", "--remove"), "voice menu main has no option for key 1"),
        (("ivr", "remove", "nope"), "voice menu nope does not exist"),
    ]:
        assert message in cli.fails(*args)
    assert "not allowed with argument --pin" in cli.fails("ivr", "set", "main", "--pin", "4821", "--no-pin", code=2)
    assert cli.snapshot() == before


def test_routes_and_vip_callers_lead_to_menus_groups_and_mailboxes(cli: Cli) -> None:
    cli.ok("ivr", "set", "main")
    cli.ok("ringgroup", "set", "sales", "--members", "101")
    cli.ok("trunk", "add", "prov", "--host", "192.0.2.1", "--username", "acme", "--password", "Trunk-pass-1234")
    cli.ok("route", "set", "prov", "ivr:main", "--mode", "day")
    cli.ok("route", "set", "prov", "group:sales", "--mode", "lunch")
    cli.ok("route", "set", "prov", "voicemail:101", "--mode", "night")
    cli.ok("route", "vip", "0301234567", "group:sales")
    assert [line.split()[2:4] for line in cli.ok("route", "list").splitlines()[1:]] == [
        ["day", "ivr:main"], ["lunch", "group:sales"], ["night", "voicemail:101"]]
    assert "ring group nope does not exist" in cli.fails("route", "set", "prov", "group:nope")
    assert cli.fails("ivr", "remove", "main") == (
        "minipbx: error: voice menu main cannot be removed: ivr:main is still used by inbound route prov/any/day; "
        "change those first")
