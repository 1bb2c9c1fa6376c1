"""Voice menus as configured: what is stored, what is refused and why, what blocks removal."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from firmware.apps.forwarding.config import set_forwarding
from firmware.apps.ivr.config import (
    IvrError,
    Menu,
    get_menu,
    list_menus,
    remove_menu,
    remove_option,
    set_menu,
    set_option,
)
from firmware.apps.ringgroups.config import set_ring_group
from firmware.pins.guard import pin_matches
from firmware.trunks.config import add_sip_trunk
from firmware.trunks.inbound import set_route


def test_a_new_menu_gets_the_defaults(db: sqlite_utils.Database) -> None:
    menu = set_menu(db, "main")
    assert menu == Menu("main", "", 5, 3, "hangup", True, "", "", "", {})
    assert get_menu(db, "main") == menu
    assert get_menu(db, "nope") is None


def test_round_trip_and_partial_update(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", members=["102"])
    set_menu(db, "main", greeting="welcome", timeout=8, max_invalid=2, default_dest="ext:101", direct_dial=False,
             outside_cos="national", pin="4821", language="de")
    menu = set_menu(db, "main", timeout=10)
    assert (menu.greeting, menu.timeout, menu.max_invalid, menu.default_dest, menu.direct_dial, menu.outside_cos,
            menu.language) == ("welcome", 10, 2, "ext:101", False, "national", "de")
    assert pin_matches(menu.pin_hash, "4821") and "4821" not in menu.pin_hash
    assert set_menu(db, "main", greeting="").greeting == ""
    assert set_menu(db, "main", language="").language == ""


def test_pin_is_kept_changed_or_removed(db: sqlite_utils.Database) -> None:
    first = set_menu(db, "main", pin="4821").pin_hash
    assert set_menu(db, "main", timeout=7).pin_hash == first
    changed = set_menu(db, "main", pin="7395").pin_hash
    assert pin_matches(changed, "7395") and not pin_matches(changed, "4821")
    assert set_menu(db, "main", pin="").pin_hash == ""


def test_options_lead_anywhere_including_sub_menus_and_back(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", members=["102"])
    set_menu(db, "main")
    set_menu(db, "after-hours")
    set_option(db, "main", "#", "hangup")
    set_option(db, "main", "1", "group:sales")
    set_option(db, "main", "2", "ivr:after-hours")
    set_option(db, "main", "*", "ivr:main")
    set_option(db, "main", "9", "voicemail:101")
    menu = set_option(db, "main", "0", " ext:101 ")
    # Keys come in keypad order, whatever order they were set in.
    assert list(menu.options.items()) == [("0", "ext:101"), ("1", "group:sales"), ("2", "ivr:after-hours"),
                                          ("9", "voicemail:101"), ("*", "ivr:main"), ("#", "hangup")]
    assert remove_option(db, "main", "9").options.get("9") is None
    assert [m.name for m in list_menus(db)] == ["after-hours", "main"]


def test_a_recorded_prompt_counts_as_a_greeting(db: sqlite_utils.Database) -> None:
    db.execute("INSERT INTO custom_prompts (name, file, seconds, source, created_at) VALUES "
               "('Christmas 2026', 'christmas.wav', 4.0, 'upload', '2026-12-01T10:00:00')")
    assert set_menu(db, "main", greeting="Christmas 2026").greeting == "Christmas 2026"
    # A slot recorded from a phone (*58 3) may be named before anyone recorded it.
    assert set_menu(db, "main", greeting="greeting3").greeting == "greeting3"


@pytest.mark.parametrize(("name", "changes", "message"), [
    ("main menu", {}, "voice menu name 'main menu' is not accepted; use up to 40 letters, digits"),
    ("main", {"greeting": "../etc/passwd"}, "greeting '../etc/passwd' is not accepted; use the name of a recorded "
                                            "or system prompt"),
    ("main", {"greeting": "welcom-day"}, "greeting 'welcom-day' is not accepted; use the name of a recorded "
                                         "or system prompt (uploaded ones: `prompt list`"),
    ("main", {"timeout": 0}, "timeout 0 is not accepted; use a whole number of seconds 1-60"),
    ("main", {"timeout": 61}, "timeout 61 is not accepted; use a whole number of seconds 1-60"),
    ("main", {"max_invalid": 0}, "max-invalid 0 is not accepted; use a whole number 1-10"),
    ("main", {"max_invalid": 11}, "max-invalid 11 is not accepted; use a whole number 1-10"),
    ("main", {"default_dest": "ext:999"}, "voice menu main, default destination 'ext:999': extension 999 does not "
                                          "exist"),
    ("main", {"default_dest": ""}, "destination '' is not accepted; use ext:NUMBER, group:NAME"),
    ("main", {"default_dest": "ivr:main"}, "voice menu main: default destination ivr:main is the menu itself"),
    ("main", {"outside_cos": "everything"}, "outside dialling: class of service 'everything' is not known; use one "
                                            "of: internal, international, local, national"),
    ("main", {"pin": "12ab"}, "voice menu main: a PIN is 4 to 10 digits (0-9)"),
    ("main", {"pin": "1234"}, "voice menu main: PIN 1234 is too easy to guess"),
    ("main", {"language": "fr"}, "language 'fr' is not accepted; use en, de, or '' for the system language"),
])
def test_refused_settings_name_the_value_and_change_nothing(db: sqlite_utils.Database, name: str,
                                                            changes: dict[str, Any], message: str) -> None:
    set_menu(db, "main", greeting="welcome", pin="4821")
    before = get_menu(db, name)
    with pytest.raises(IvrError) as refused:
        set_menu(db, name, **changes)
    assert message in str(refused.value)
    assert get_menu(db, name) == before


@pytest.mark.parametrize(("menu", "key", "destination", "message"), [
    ("main", "A", "ext:101", "key 'A' is not accepted; use one of 0-9, * or #"),
    ("main", "12", "ext:101", "key '12' is not accepted"),
    ("main", "1", "group:nope", "voice menu main, key 1: destination 'group:nope': ring group nope does not exist"),
    ("main", "1", "ivr:other", "voice menu main, key 1: destination 'ivr:other': voice menu other does not exist"),
    ("nope", "1", "ext:101", "voice menu nope does not exist; see `ivr list`"),
])
def test_refused_options(db: sqlite_utils.Database, menu: str, key: str, destination: str, message: str) -> None:
    set_menu(db, "main")
    with pytest.raises(IvrError) as refused:
        set_option(db, menu, key, destination)
    assert message in str(refused.value)
    assert get_menu(db, "main") == Menu("main", "", 5, 3, "hangup", True, "", "", "", {})


def test_removing_a_key_that_is_not_set_says_so(db: sqlite_utils.Database) -> None:
    set_menu(db, "main")
    with pytest.raises(IvrError, match="voice menu main has no option for key 5; see `ivr show main`"):
        remove_option(db, "main", "5")


def test_removal_is_refused_while_anything_sends_calls_to_the_menu(db: sqlite_utils.Database) -> None:
    set_menu(db, "main")
    set_menu(db, "sub")
    set_option(db, "sub", "*", "ivr:sub")  # repeats itself: does not hold it
    set_option(db, "sub", "0", "ivr:main")
    set_option(db, "main", "2", "ivr:sub")
    set_ring_group(db, "sales", members=["102"], no_answer="ivr:sub")
    add_sip_trunk(db, "prov", "192.0.2.1", username="acme", password="Trunk-pass-1234")
    set_route(db, "prov", "4930100", "*", "ivr:sub")
    with pytest.raises(IvrError) as refused:
        remove_menu(db, "sub")
    assert str(refused.value) == ("voice menu sub cannot be removed: ivr:sub is still used by inbound route "
                                  "prov/4930100/*, voice menu main key 2, ring group sales no-answer; change those "
                                  "first")
    # The refusal rolled everything back, the menu's own keys included.
    kept = get_menu(db, "sub")
    assert kept is not None and kept.options == {"0": "ivr:main", "*": "ivr:sub"}

    set_route(db, "prov", "4930100", "*", "ivr:main")
    remove_option(db, "main", "2")
    set_ring_group(db, "sales", no_answer="")
    remove_menu(db, "sub")
    assert get_menu(db, "sub") is None
    assert db.execute("SELECT COUNT(*) FROM ivr_options WHERE menu = 'sub'").fetchone()[0] == 0
    with pytest.raises(IvrError, match="voice menu sub does not exist"):
        remove_menu(db, "sub")


def test_forwarding_never_points_at_a_menu(db: sqlite_utils.Database) -> None:
    # Forwarding only takes extensions, outside numbers and mailboxes, so it never holds a menu.
    set_menu(db, "main")
    with pytest.raises(ValueError, match="ivr:main is not accepted"):
        set_forwarding(db, "101", always="ivr:main")
    remove_menu(db, "main")
