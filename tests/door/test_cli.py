"""`minipbx door ...` as a person types it, and the settings' checks: where a visitor rings per
mode, the open code and times, the refusals naming the bad value, the log."""
from __future__ import annotations

import json

import pytest
import sqlite_utils

from firmware.door.config import DoorError, add_door, destination, get_door, log_opening, set_door
from firmware.store.database import write_transaction
from tests.cli.conftest import Cli


@pytest.fixture(autouse=True)
def door(db: sqlite_utils.Database) -> None:
    """104 is the door station of port door1 (as the line gateway makes it)."""
    with write_transaction(db):
        db.execute("UPDATE extensions SET device = 'door1' WHERE number = '104'")
        add_door(db, "door1")


def test_a_door_rings_per_mode_and_opens_with_its_code(cli: Cli, db: sqlite_utils.Database) -> None:
    assert cli.ok("door", "list") == (
        "DOOR   EXTENSION  RINGS                   OPEN CODE  OPENS  RINGS FOR\n"
        "door1  104        the operator extension  *5         5s     30s\n")
    assert cli.ok("door", "set", "door1", "--dest", "ext:101") == (
        "door door1 (extension 104): rings other modes: ext:101 for 30 s; *5 opens it for 5 s\n")
    out = cli.ok("door", "set", "door1", "--mode", "night", "--dest", "voicemail:102", "--code", "#9",
                 "--open-seconds", "8", "--ring-seconds", "20")
    assert out == ("door door1 (extension 104): rings night: voicemail:102, other modes: ext:101 for 20 s; "
                   "#9 opens it for 8 s\n")
    found = get_door(db, "door1")
    assert found is not None
    assert (destination(found, "night"), destination(found, "day"), destination(found, "lunch")) == (
        "voicemail:102", "ext:101", "ext:101")
    cli.ok("door", "set", "door1", "--mode", "night", "--dest", "")  # the night route is gone
    assert json.loads(cli.ok("door", "show", "door1", "--json"))["routes"] == {"*": "ext:101"}


@pytest.mark.parametrize(("args", "message"), [
    (("door", "set", "door2", "--dest", "ext:101"), "door door2 does not exist; see `door list`"),
    (("door", "set", "door1", "--dest", "ext:999"), "door door1: destination 'ext:999': extension 999 does not"),
    (("door", "set", "door1", "--dest", "ext:104"), "door door1: ext:104 is the door station itself"),
    (("door", "set", "door1", "--mode", "evening", "--dest", "ext:101"), "mode 'evening' is not known; use one "
                                                                          "of: day, lunch, break, night, holiday"),
    (("door", "set", "door1", "--code", "5"), "open code '5' is not accepted; use * or # and one or two digits"),
    (("door", "set", "door1", "--code", "*2"), "open code *2 would clash with the in-call code *2"),
    (("door", "set", "door1", "--open-seconds", "31"), "open time 31 s is not accepted; use a whole number of "
                                                       "seconds 1-30"),
    (("door", "set", "door1", "--ring-seconds", "4"), "ring time 4 s is not accepted"),
    (("door", "open", "door1"), "minipbx is not running for this data directory"),
])
def test_refusals_name_the_value_and_change_nothing(cli: Cli, args: tuple[str, ...], message: str) -> None:
    before = cli.snapshot()
    assert message in cli.fails(*args)
    assert cli.snapshot() == before


def test_the_log_lists_openings_newest_first(cli: Cli, db: sqlite_utils.Database) -> None:
    assert cli.ok("door", "log") == "no door openings yet\n"
    log_opening(db, "door1", "101", "call", 5)
    log_opening(db, "door1", "102", "code", 0, "refused: no door right")
    entries = json.loads(cli.ok("door", "log", "door1", "--json"))
    assert [(e["by"], e["how"], e["seconds"], e["result"]) for e in entries] == [
        ("102", "code", 0, "refused: no door right"), ("101", "call", 5, "")]
    table = cli.ok("door", "log").splitlines()
    assert table[1].split()[2:] == ["door1", "102", "code", "-", "refused:", "no", "door", "right"]


def test_a_door_is_only_a_port_the_gateway_made(db: sqlite_utils.Database) -> None:
    with pytest.raises(DoorError, match="door 'door9' does not exist"):
        set_door(db, "door9", destination="ext:101")
