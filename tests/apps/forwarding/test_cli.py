"""`minipbx fwd ...` and `minipbx dnd ...` as a person types them."""
from __future__ import annotations

import sqlite_utils

from firmware.apps.forwarding.config import Forwarding, get_forwarding
from tests.cli.conftest import Cli


def test_set_show_clear_and_dnd(cli: Cli, db: sqlite_utils.Database) -> None:
    # Digits as keyed on a phone are accepted too: an extension, or access code + outside number.
    cli.ok("fwd", "set", "101", "busy", "102")
    cli.ok("fwd", "set", "101", "unregistered", "0301234567")
    out = cli.ok("fwd", "set", "101", "no-answer", "voicemail:101", "--after", "20")
    assert out.splitlines() == [
        "extension 101: do not disturb off",
        "  always        -",
        "  busy          ext:102",
        "  no-answer     voicemail:101 after 20 s",
        "  unregistered  number:0301234567",
    ]
    assert cli.ok("dnd", "101", "on") == "extension 101: do not disturb ON\n"
    assert get_forwarding(db, "101") == Forwarding("101", True, "", "ext:102", "voicemail:101", 20,
                                                   "number:0301234567")
    assert cli.ok("fwd", "show", "101").splitlines()[0] == "extension 101: do not disturb ON"
    cli.ok("fwd", "clear", "101", "no-answer")
    assert get_forwarding(db, "101").active() == {"busy": "ext:102", "unregistered": "number:0301234567"}
    cli.ok("fwd", "clear", "101", "all")
    cli.ok("dnd", "101", "off")
    assert get_forwarding(db, "101") == Forwarding("101", False, "", "", "", 20, "")


def test_refusals_are_one_line_and_change_nothing(cli: Cli) -> None:
    cli.ok("fwd", "set", "101", "busy", "ext:102")
    before = cli.snapshot()
    for args, message in [
        (("fwd", "set", "101", "always", "ext:101"), "forwarding always of 101 to itself (ext:101) is refused"),
        (("fwd", "set", "101", "always", "101"), "forwarding always of 101 to itself (ext:101) is refused"),
        (("fwd", "set", "101", "always", "conf:800"), "conf:800 is not accepted; forward to ext:NUMBER"),
        (("fwd", "set", "101", "always", "199"), "extension 199 does not exist"),
        (("fwd", "set", "101", "busy", "ext:102", "--after", "20"), "--after 20 goes with no-answer forwarding"),
        (("fwd", "set", "101", "no-answer", "ext:102", "--after", "3"), "no-answer time 3 s is not accepted"),
        (("fwd", "set", "999", "always", "ext:101"), "extension 999 does not exist; see `ext list`"),
        (("fwd", "show", "999"), "extension 999 does not exist; see `ext list`"),
        (("dnd", "999", "on"), "extension 999 does not exist"),
    ]:
        assert message in cli.fails(*args)
    assert "invalid choice: 'sideways'" in cli.fails("fwd", "set", "101", "sideways", "ext:102", code=2)
    assert "invalid choice: 'maybe'" in cli.fails("dnd", "101", "maybe", code=2)
    assert cli.snapshot() == before
