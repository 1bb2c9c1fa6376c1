"""Ring groups as configured: what is stored, what is refused and why, what blocks removal."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from firmware.apps.ringgroups.config import (
    RingGroup,
    RingGroupError,
    get_ring_group,
    list_ring_groups,
    remove_ring_group,
    ring_group_by_number,
    set_ring_group,
)
from firmware.queues.config import set_queue
from firmware.store.settings import SettingError, set_setting
from tests.apps.destination_uses import NAMED, send_calls_elsewhere, send_calls_to


def test_a_new_group_gets_the_defaults(db: sqlite_utils.Database) -> None:
    group = set_ring_group(db, "sales", members=["101", "102"])
    assert group == RingGroup("sales", "", "all", 10, 30, "", "", ("101", "102"))
    assert get_ring_group(db, "sales") == group


def test_round_trip_and_partial_update(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", number="150", strategy="linear", step_seconds=8, timeout=40,
                   no_answer="voicemail:101", pickup_group="front", members=["103", "number:0301234567", "101"])
    set_ring_group(db, "support", members=["104"])
    changed = set_ring_group(db, "sales", strategy="cascade")
    assert changed == RingGroup("sales", "150", "cascade", 8, 40, "voicemail:101", "front",
                                ("103", "number:0301234567", "101"))
    assert ring_group_by_number(db, "150") == changed
    assert ring_group_by_number(db, "151") is None
    assert ring_group_by_number(db, "") is None
    assert [g.name for g in list_ring_groups(db)] == ["sales", "support"]


def test_members_are_replaced_in_the_order_given(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", members=["101", "102", "103"])
    assert set_ring_group(db, "sales", members=["103", "ext:101"]).members == ("103", "101")
    assert set_ring_group(db, "sales", members=[]).members == ()


def test_no_answer_and_number_can_be_cleared(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", number="150", no_answer="hangup")
    group = set_ring_group(db, "sales", number="", no_answer="")
    assert (group.number, group.no_answer) == ("", "")
    assert ring_group_by_number(db, "150") is None


@pytest.mark.parametrize(("name", "changes", "message"), [
    ("bad name", {}, "ring group name 'bad name' is not accepted; use up to 40 letters, digits"),
    ("sales", {"strategy": "random"}, "ring strategy 'random' is not accepted; use one of: all, linear, cascade"),
    ("sales", {"step_seconds": 1}, "step 1 s is not accepted; use a whole number of seconds 2-120"),
    ("sales", {"step_seconds": 121}, "step 121 s is not accepted; use a whole number of seconds 2-120"),
    ("sales", {"timeout": 4}, "timeout 4 s is not accepted; use a whole number of seconds 5-600"),
    ("sales", {"timeout": 601}, "timeout 601 s is not accepted; use a whole number of seconds 5-600"),
    ("sales", {"members": ["101", "999"]}, "member '999' is not accepted; use an existing extension number"),
    ("sales", {"members": ["sales"]}, "member 'sales' is not accepted; use an existing extension number (see `ext "
                                      "list`) or number:DIGITS"),
    ("sales", {"members": ["101", "ext:101"]}, "member 101 is listed twice; list each member once"),
    ("sales", {"members": ["number:12a"]}, "member destination 'number:12a': '12a' is not accepted after number:; "
                                           "use digits"),
    ("sales", {"members": ["number:301234567"]}, "member number:301234567 is not an outside number; write it as a "
                                                 "desk phone dials it, with the access code 0 first"),
    ("sales", {"no_answer": "ext:999"}, "ring group sales, no-answer destination 'ext:999': extension 999 does not "
                                        "exist"),
    ("sales", {"no_answer": "somewhere"}, "destination 'somewhere' is not accepted; use ext:NUMBER, group:NAME"),
    ("sales", {"no_answer": "group:sales"}, "ring group sales: no-answer destination group:sales is the group "
                                            "itself"),
    ("sales", {"pickup_group": "a b"}, "pickup group 'a b' is not accepted; use up to 40 letters"),
])
def test_refused_settings_name_the_value_and_change_nothing(db: sqlite_utils.Database, name: str,
                                                            changes: dict[str, Any], message: str) -> None:
    if name == "sales" and "no_answer" in changes and changes["no_answer"] == "group:sales":
        set_ring_group(db, "sales", members=["101"])
    before = get_ring_group(db, name)
    with pytest.raises(RingGroupError) as refused:
        set_ring_group(db, name, **changes)
    assert message in str(refused.value)
    assert get_ring_group(db, name) == before


@pytest.mark.parametrize(("number", "message"), [
    ("950", "ring group number 950 is not accepted: 950 is outside the extension ranges 100-899"),
    ("112", "ring group number 112 is an emergency number, reserved; pick a free number in 100-899"),
    ("101", "ring group number 101 is already extension 101; pick a free number in 100-899"),
    ("160", "ring group number 160 is already the number of ring group support; pick a free number in 100-899"),
    ("170", "ring group number 170 is already the number of queue service; pick a free number in 100-899"),
    ("100", "ring group number 100 is the operator number; pick a free number in 100-899"),
    ("*5", "ring group number '*5' is not accepted; use digits in the extension ranges 100-899, or '' for none"),
])
def test_group_number_must_fit_the_numbering_plan(db: sqlite_utils.Database, number: str, message: str) -> None:
    set_setting(db, "operator_extension", "101")
    set_setting(db, "operator_number", "100")
    set_ring_group(db, "support", number="160")
    set_queue(db, "service", number="170", overflow="hangup")
    with pytest.raises(RingGroupError) as refused:
        set_ring_group(db, "sales", number=number)
    assert str(refused.value) == message
    assert get_ring_group(db, "sales") is None


def test_a_group_keeps_its_own_number(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", number="150")
    assert set_ring_group(db, "sales", number="150", timeout=20).number == "150"


def test_plan_changes_that_would_strand_a_group_number_are_refused(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", number="250")
    with pytest.raises(SettingError, match="ring group sales has number 250: 250 is outside the extension ranges "
                                           "100-199"):
        set_setting(db, "extension_ranges", "100-199")
    set_setting(db, "operator_extension", "101")
    with pytest.raises(SettingError, match="operator number 250 is ring group sales's number"):
        set_setting(db, "operator_number", "250")


def test_removal_is_refused_while_anything_sends_calls_to_the_group(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", members=["101", "102"])
    set_ring_group(db, "support", members=["103"], no_answer="group:sales")
    send_calls_to(db, "group:sales")
    with pytest.raises(RingGroupError) as refused:
        remove_ring_group(db, "sales")
    assert str(refused.value) == (
        f"ring group sales cannot be removed: group:sales is still used by {NAMED}, ring group support no-answer; "
        "change those first")
    assert get_ring_group(db, "sales") is not None

    send_calls_elsewhere(db)
    set_ring_group(db, "support", no_answer="")
    remove_ring_group(db, "sales")
    assert get_ring_group(db, "sales") is None
    assert db.execute("SELECT COUNT(*) FROM ring_group_members WHERE group_name = 'sales'").fetchone()[0] == 0


def test_removing_a_missing_group_says_so(db: sqlite_utils.Database) -> None:
    with pytest.raises(RingGroupError, match="ring group nope does not exist; see `ringgroup list`"):
        remove_ring_group(db, "nope")
