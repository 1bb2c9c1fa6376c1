"""Call forwarding and do-not-disturb: what is stored, what is refused, what a keyed number means."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from firmware.apps.forwarding.config import (
    Forwarding,
    ForwardingError,
    clear_forwarding,
    get_forwarding,
    parse_phone_target,
    set_dnd,
    set_forwarding,
)
from firmware.apps.ringgroups.config import set_ring_group
from firmware.store.settings import set_setting


def rows(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT COUNT(*) FROM forwarding").fetchone()[0])


def test_nothing_set_without_a_row(db: sqlite_utils.Database) -> None:
    assert get_forwarding(db, "101") == Forwarding("101", False, "", "", "", 15, "")
    assert get_forwarding(db, "101").active() == {}


def test_round_trip(db: sqlite_utils.Database) -> None:
    set_forwarding(db, "101", always="ext:102")
    fwd = set_forwarding(db, "101", busy="voicemail:101", no_answer="number:0301234567", no_answer_seconds=25,
                         unregistered="ext:103")
    assert fwd == Forwarding("101", False, "ext:102", "voicemail:101", "number:0301234567", 25, "ext:103")
    assert get_forwarding(db, "101") == fwd
    assert get_forwarding(db, "102") == Forwarding("102", False, "", "", "", 15, "")


def test_clear_one_or_all_keeps_dnd(db: sqlite_utils.Database) -> None:
    set_forwarding(db, "101", always="ext:102", busy="voicemail:101")
    set_dnd(db, "101", True)
    assert clear_forwarding(db, "101", "always").active() == {"busy": "voicemail:101"}
    fwd = clear_forwarding(db, "101", "all")
    assert fwd.active() == {} and fwd.dnd


def test_dnd_on_and_off_and_no_row_left_behind(db: sqlite_utils.Database) -> None:
    assert set_dnd(db, "101", True).dnd
    assert get_forwarding(db, "101").dnd
    assert rows(db) == 1
    assert not set_dnd(db, "101", False).dnd
    # Back at the defaults: the extension has no row, as if nothing was ever set.
    assert rows(db) == 0


def test_forwarding_to_own_mailbox_is_fine(db: sqlite_utils.Database) -> None:
    assert set_forwarding(db, "101", no_answer="voicemail:101").no_answer == "voicemail:101"


@pytest.mark.parametrize(("changes", "message"), [
    ({"always": "ext:101"}, "forwarding always of 101 to itself (ext:101) is refused; use another extension, an "
                            "outside number or voicemail:101"),
    ({"busy": "ext:999"}, "forwarding busy of 101: destination 'ext:999': extension 999 does not exist"),
    ({"busy": "conf:800"}, "forwarding busy of 101: conf:800 is not accepted; forward to "
                                  "ext:NUMBER, number:DIGITS (an outside number), voicemail:NUMBER, group:NAME or "
                                  "queue:NAME"),
    ({"busy": "group:nosuch"}, "forwarding busy of 101: destination 'group:nosuch': ring group nosuch does not "
                               "exist"),
    ({"always": "ivr:main"}, "forwarding always of 101: ivr:main is not accepted; forward to ext:NUMBER"),
    ({"always": "hangup"}, "forwarding always of 101: hangup is not accepted; forward to ext:NUMBER"),
    ({"always": "102"}, "forwarding always of 101: destination '102' is not accepted; use ext:NUMBER"),
    ({"no_answer": "number:102"}, "forwarding no-answer of 101: number:102 is not an outside number; write it as "
                                  "the desk phone dials it, with the access code 0 first"),
    ({"unregistered": "voicemail:999"}, "forwarding unregistered of 101: destination 'voicemail:999': no mailbox "
                                        "999"),
    ({"no_answer_seconds": 4}, "no-answer time 4 s is not accepted; use a whole number of seconds 5-120"),
    ({"no_answer_seconds": 121}, "no-answer time 121 s is not accepted; use a whole number of seconds 5-120"),
    ({"sideways": "ext:102"}, "forwarding setting(s) sideways not known; use: always, busy, no_answer"),
])
def test_refused_forwarding_names_the_value_and_changes_nothing(db: sqlite_utils.Database,
                                                                changes: dict[str, Any], message: str) -> None:
    set_ring_group(db, "sales", members=["102"])
    set_forwarding(db, "101", busy="ext:104")
    before = get_forwarding(db, "101")
    with pytest.raises(ForwardingError) as refused:
        set_forwarding(db, "101", **changes)
    assert message in str(refused.value)
    assert get_forwarding(db, "101") == before


def test_unknown_extension_and_unknown_kind_are_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(ForwardingError, match="extension 999 does not exist; see `ext list`"):
        set_forwarding(db, "999", always="ext:101")
    with pytest.raises(ForwardingError, match="extension 999 does not exist"):
        set_dnd(db, "999", True)
    with pytest.raises(ForwardingError, match="forwarding 'sideways' is not known; use one of: always, busy, "
                                              "no_answer, unregistered or all"):
        clear_forwarding(db, "101", "sideways")
    assert rows(db) == 0


@pytest.mark.parametrize(("keyed", "destination"), [
    ("102", "ext:102"), ("0030123456", "number:0030123456"), ("00301234567", "number:00301234567"),
    ("0171234567", "number:0171234567"), (" 103 ", "ext:103"),
])
def test_what_the_user_keys_on_the_phone(db: sqlite_utils.Database, keyed: str, destination: str) -> None:
    assert parse_phone_target(db, keyed) == destination


@pytest.mark.parametrize(("keyed", "message"), [
    ("*102", "'*102' is not a number to forward to; key an extension number or the access code and an outside"),
    ("", "'' is not a number to forward to"),
    ("199", "extension 199 does not exist; key an existing extension or the access code 0 and an outside number"),
    ("112", "112 is an emergency number; calls cannot be forwarded there"),
    ("0112", "112 is an emergency number"),
    ("0", "0 is neither an extension nor an outside number"),
    ("950", "950 is neither an extension nor an outside number"),
])
def test_keyed_numbers_that_lead_nowhere_are_refused(db: sqlite_utils.Database, keyed: str, message: str) -> None:
    set_ring_group(db, "sales", number="150", members=["102"])
    with pytest.raises(ForwardingError) as refused:
        parse_phone_target(db, keyed)
    assert message in str(refused.value)


def test_forwarding_reaches_a_ring_group_or_a_queue_and_their_numbers_can_be_keyed(
        db: sqlite_utils.Database) -> None:
    from firmware.queues.config import set_queue

    set_ring_group(db, "sales", number="150", members=["102"])
    set_ring_group(db, "speakers", number="151", members=["102"], strategy="page")
    set_queue(db, "service", number="600", overflow="voicemail:101", agents=["102"])
    assert parse_phone_target(db, "150") == "group:sales"
    assert parse_phone_target(db, "600") == "queue:service"
    with pytest.raises(ForwardingError, match="151 does not exist"):
        parse_phone_target(db, "151")  # a paging group is no place for a forwarded call
    changed = set_forwarding(db, "101", always="queue:service", busy="group:sales")
    assert (changed.always, changed.busy) == ("queue:service", "group:sales")
    with pytest.raises(ForwardingError, match="group:speakers is a paging group"):
        set_forwarding(db, "101", no_answer="group:speakers")


def test_keyed_numbers_follow_the_plan(db: sqlite_utils.Database) -> None:
    set_setting(db, "outside_prefix", "9")
    set_setting(db, "operator_extension", "104")
    set_setting(db, "operator_number", "0")
    assert parse_phone_target(db, "90301234567") == "number:90301234567"
    assert parse_phone_target(db, "0") == "ext:104"
    with pytest.raises(ForwardingError, match="the access code 9"):
        parse_phone_target(db, "0301234567")
    fwd = set_forwarding(db, "101", always=parse_phone_target(db, "90301234567"))
    assert fwd.always == "number:90301234567"
