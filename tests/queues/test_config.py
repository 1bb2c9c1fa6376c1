"""Call queues as configured: what is stored, what is refused and why, agents' login and pause,
what blocks removal."""
from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from firmware.apps.ringgroups.config import set_ring_group
from firmware.conference.rooms import set_room
from firmware.queues.config import (
    Agent,
    Queue,
    QueueError,
    get_queue,
    list_queues,
    queue_by_number,
    queues_of,
    remove_queue,
    set_login,
    set_pause,
    set_queue,
)
from firmware.store.settings import SettingError, set_setting
from tests.apps.destination_uses import NAMED, send_calls_elsewhere, send_calls_to


def _queue(db: sqlite_utils.Database, name: str = "sales", **changes: Any) -> Queue:
    """A queue with the one setting every queue needs, and whatever else is given."""
    return set_queue(db, name, **{"overflow": "voicemail:101", **changes})


def test_a_new_queue_gets_the_defaults(db: sqlite_utils.Database) -> None:
    queue = _queue(db, agents=["101", "102"])
    assert queue == Queue(
        name="sales", number="", strategy="ringall", music="", ring_seconds=15, retry_seconds=5, wrapup_seconds=10,
        max_callers=0, max_wait_seconds=0, announce_position=True, announce_seconds=60, join_empty=False,
        leave_empty=True, overflow="voicemail:101", leave_key="", leave_destination="", service_level_seconds=20,
        agents=(Agent("101", 0, False, True, False, ""), Agent("102", 0, False, True, False, "")),
        members=(Agent("101", 0, False, True, False, ""), Agent("102", 0, False, True, False, "")))
    assert get_queue(db, "sales") == queue
    assert get_queue(db, "nope") is None


def test_round_trip_and_partial_update(db: sqlite_utils.Database) -> None:
    everything = {"number": "600", "strategy": "roundrobin", "music": "default", "ring_seconds": 20,
                  "retry_seconds": 3, "wrapup_seconds": 30, "max_callers": 8, "max_wait_seconds": 300,
                  "announce_position": False, "announce_seconds": 0, "join_empty": True, "leave_empty": False,
                  "overflow": "ext:104", "leave_key": "#", "leave_destination": "voicemail:102",
                  "service_level_seconds": 30}
    set_queue(db, "sales", **everything, agents=["103", "101"])
    _queue(db, "support", agents=["104"])
    changed = set_queue(db, "sales", strategy="linear")
    assert {k: getattr(changed, k) for k in everything} == {**everything, "strategy": "linear"}
    assert [a.extension for a in changed.agents] == ["103", "101"]
    assert queue_by_number(db, "600") == changed
    assert queue_by_number(db, "601") is None
    assert queue_by_number(db, "") is None
    assert [q.name for q in list_queues(db)] == ["sales", "support"]


def test_number_leave_key_and_music_can_be_cleared(db: sqlite_utils.Database) -> None:
    _queue(db, number="600", music="default", leave_key="0", leave_destination="ext:102")
    queue = set_queue(db, "sales", number="", music="", leave_key="", leave_destination="")
    assert (queue.number, queue.music, queue.leave_key, queue.leave_destination) == ("", "", "", "")
    assert queue_by_number(db, "600") is None


@pytest.mark.parametrize(("name", "changes", "message"), [
    ("bad name", {}, "queue name 'bad name' is not accepted; use up to 40 letters, digits"),
    ("sales ", {}, "queue name 'sales ' is not accepted"),
    ("sales", {"strategy": "fifo"}, "queue strategy 'fifo' is not accepted; use one of: ringall, roundrobin, "
                                    "leastrecent, fewestcalls, linear, random"),
    ("sales", {"ring_seconds": 4}, "ring time 4 s is not accepted; use a whole number of seconds 5-120"),
    ("sales", {"ring_seconds": True}, "ring time True s is not accepted"),
    ("sales", {"retry_seconds": 0}, "retry pause 0 s is not accepted; use a whole number of seconds 1-60"),
    ("sales", {"wrapup_seconds": 601}, "wrap-up time 601 s is not accepted; use a whole number of seconds 0-600"),
    ("sales", {"max_callers": 501}, "most waiting callers 501 is not accepted; use a whole number 0-500 "
                                    "(0 = no limit)"),
    ("sales", {"max_wait_seconds": -1}, "longest wait -1 s is not accepted; use a whole number of seconds 0-7200 "
                                        "(0 = no limit)"),
    ("sales", {"announce_seconds": 601}, "announcement interval 601 s is not accepted; use a whole number of "
                                         "seconds 0-600"),
    ("sales", {"service_level_seconds": 4}, "service level 4 s is not accepted; use a whole number of seconds "
                                            "5-600"),
    ("sales", {"music": "jazz"}, "music class 'jazz' does not exist; upload it with `minipbx moh upload jazz"),
    ("sales", {"overflow": "ext:999"}, "queue sales, overflow destination 'ext:999': extension 999 does not exist"),
    ("sales", {"overflow": "somewhere"}, "queue sales, overflow destination 'somewhere' is not accepted; use "
                                         "ext:NUMBER"),
    ("sales", {"overflow": "queue:sales"}, "queue sales: overflow queue:sales is the queue itself; use another "
                                           "destination"),
    ("sales", {"overflow": ""}, "queue sales needs an overflow destination (--overflow)"),
    ("sales", {"leave_key": "12"}, "leave key '12' is not accepted; use one key 0-9, * or #, or '' for none"),
    ("sales", {"leave_key": "#"}, "queue sales: leave key # needs a leave destination (--leave-destination)"),
    ("sales", {"leave_key": "#", "leave_destination": "queue:sales"}, "queue sales: leave destination queue:sales "
                                                                      "is the queue itself"),
    ("sales", {"agents": ["101", "999"]}, "agent '999' is not accepted; use an existing extension number (see `ext "
                                          "list`), number:DIGITS for an outside number or group:NAME for a ring "
                                          "group's members, optionally :PENALTY (0-9), and a trailing ~ for a "
                                          "dynamic agent"),
    ("sales", {"agents": ["number:101"]}, "agent 'number:101': '101' is not an outside number; write it as a desk "
                                          "phone dials it, with the access code 0 first"),
    ("sales", {"agents": ["group:nosuch"]}, "agent 'group:nosuch': ring group 'nosuch' does not exist"),
    ("sales", {"agents": ["group:speakers"]}, "agent 'group:speakers': ring group speakers is a paging group"),
    ("sales", {"agents": ["group:helpers~"]}, "agent 'group:helpers~': a ring group's members are always logged in"),
    ("sales", {"agents": ["number:00401234567", "number:00401234567:1"]}, "agent number:00401234567 is listed "
                                                                          "twice"),
    ("sales", {"whisper": "nosuch"}, "whisper prompt 'nosuch' does not exist; upload it with `minipbx prompt "
                                     "upload nosuch FILE`"),
    ("sales", {"announcement": "nosuch"}, "announcement prompt 'nosuch' does not exist"),
    ("sales", {"callback_hours": "mon-fri 17:00-08:00"}, "callback hours: interval mon 17:00-08:00 day ends before "
                                                         "it starts"),
    ("sales", {"callback_hours": "weekdays 08:00-17:00"}, "callback hours: weekday 'weekdays' is not accepted"),
    ("sales", {"callback_hours": "mon 08:00"}, "callback hours 'mon 08:00' are not accepted; write days and a time "
                                               "span"),
    ("sales", {"agents": ["sales"]}, "agent 'sales' is not accepted; use an existing extension number"),
    ("sales", {"agents": ["101:10"]}, "agent '101:10': penalty '10' is not accepted; use 0-9 (0 is rung first)"),
    ("sales", {"agents": ["101:x~"]}, "agent '101:x~': penalty 'x' is not accepted; use 0-9"),
    ("sales", {"agents": ["101~:1"]}, "agent '101~:1' is not accepted; use an existing extension number"),
    ("sales", {"agents": ["101", "102:2", "101~"]}, "agent 101 is listed twice; list each agent once"),
])
def test_refused_settings_name_the_value_and_change_nothing(db: sqlite_utils.Database, name: str,
                                                            changes: dict[str, Any], message: str) -> None:
    from firmware.apps.ringgroups.config import set_ring_group

    set_ring_group(db, "speakers", members=["101"], strategy="page")
    set_ring_group(db, "helpers", members=["102"])
    for existing in (False, True):
        if existing and name == "sales":
            _queue(db, agents=["103"])
        before = get_queue(db, name.strip())
        with pytest.raises(QueueError) as refused:
            _queue(db, name, **changes)
        assert message in str(refused.value)
        assert get_queue(db, name.strip()) == before


def test_the_overflow_is_needed_from_the_start(db: sqlite_utils.Database) -> None:
    with pytest.raises(QueueError, match=r"queue sales needs an overflow destination .* e.g. voicemail:100"):
        set_queue(db, "sales", agents=["101"])
    assert get_queue(db, "sales") is None
    assert db.execute("SELECT COUNT(*) FROM queue_members").fetchone()[0] == 0


def test_a_leave_key_keeps_its_destination(db: sqlite_utils.Database) -> None:
    _queue(db, leave_key="*", leave_destination="ext:102")
    with pytest.raises(QueueError, match="leave key \\* needs a leave destination"):
        set_queue(db, "sales", leave_destination="")
    assert set_queue(db, "sales", leave_key="").leave_destination == "ext:102"


@pytest.mark.parametrize(("number", "message"), [
    ("950", "queue number 950 is not accepted: 950 is outside the extension ranges 100-899"),
    ("112", "queue number 112 is an emergency number, reserved; pick a free number in 100-899"),
    ("100", "queue number 100 is the operator number; pick a free number in 100-899"),
    ("101", "queue number 101 is already extension 101; pick a free number in 100-899"),
    ("805", "queue number 805 is already conference room 805; pick a free number in 100-899"),
    ("160", "queue number 160 is already the number of ring group support; pick a free number in 100-899"),
    ("170", "queue number 170 is already the number of queue service; pick a free number in 100-899"),
    ("*5", "queue number '*5' is not accepted; use digits in the extension ranges 100-899, or '' for none"),
])
def test_queue_number_must_be_free_in_the_numbering_plan(db: sqlite_utils.Database, number: str,
                                                         message: str) -> None:
    set_setting(db, "operator_extension", "101")
    set_setting(db, "operator_number", "100")
    set_ring_group(db, "support", number="160")
    set_room(db, "805")
    _queue(db, "service", number="170")
    with pytest.raises(QueueError) as refused:
        _queue(db, number=number)
    assert str(refused.value) == message
    assert get_queue(db, "sales") is None


def test_a_queue_keeps_its_own_number(db: sqlite_utils.Database) -> None:
    _queue(db, number="600")
    assert set_queue(db, "sales", number="600", ring_seconds=20).number == "600"


def test_plan_changes_that_would_strand_a_queue_number_are_refused(db: sqlite_utils.Database) -> None:
    _queue(db, number="250")
    with pytest.raises(SettingError, match="queue sales has number 250: 250 is outside the extension ranges "
                                           "100-199"):
        set_setting(db, "extension_ranges", "100-199")
    set_setting(db, "operator_extension", "101")
    with pytest.raises(SettingError, match="operator number 250 is queue sales's number"):
        set_setting(db, "operator_number", "250")


def test_agents_with_penalties_and_dynamic_ones_in_list_order(db: sqlite_utils.Database) -> None:
    queue = _queue(db, agents=["103~", " 101 ", "102:2", "104:3~", ""])
    assert queue.agents == (Agent("103", 0, True, False, False, ""), Agent("101", 0, False, True, False, ""),
                            Agent("102", 2, False, True, False, ""), Agent("104", 3, True, False, False, ""))
    assert queue.agent("102") == Agent("102", 2, False, True, False, "")
    assert queue.agent("999") is None
    assert set_queue(db, "sales", ring_seconds=30).agents == queue.agents  # not given: kept
    assert set_queue(db, "sales", agents=[]).agents == ()


def test_login_and_pause_are_kept_when_the_agents_are_listed_again(db: sqlite_utils.Database) -> None:
    _queue(db, agents=["101", "102~", "103~"])
    set_login(db, "sales", "102", True)
    set_pause(db, "sales", "101", True, "1")
    set_pause(db, "sales", "102", True, "12")
    again = set_queue(db, "sales", agents=["102:1~", "101:2", "103~", "104~"])
    assert again.agents == (Agent("102", 1, True, True, True, "12"), Agent("101", 2, False, True, True, "1"),
                            Agent("103", 0, True, False, False, ""), Agent("104", 0, True, False, False, ""))
    # Made static, an agent is always in; made dynamic again, it starts logged out.
    assert set_queue(db, "sales", agents=["102"]).agents == (Agent("102", 0, False, True, True, "12"),)
    assert set_queue(db, "sales", agents=["102~"]).agents == (Agent("102", 0, True, False, True, "12"),)
    # Dropped and listed again, an agent starts afresh.
    set_queue(db, "sales", agents=["103"])
    assert set_queue(db, "sales", agents=["102~"]).agents == (Agent("102", 0, True, False, False, ""),)


def test_dynamic_agents_log_in_and_out_and_logging_out_ends_a_pause(db: sqlite_utils.Database) -> None:
    _queue(db, agents=["101", "102~"])
    assert set_login(db, "sales", "102", True) == Agent("102", 0, True, True, False, "")
    assert set_pause(db, "sales", "102", True, "3") == Agent("102", 0, True, True, True, "3")
    assert set_login(db, "sales", "102", False) == Agent("102", 0, True, False, False, "")
    assert set_login(db, "sales", "102", True) == Agent("102", 0, True, True, False, "")


@pytest.mark.parametrize(("call", "message"), [
    (lambda db: set_login(db, "sales", "101", False), "101 is a static agent of queue sales and is always logged "
                                                      "in; make it dynamic (101~ in --agents) to log in and out"),
    (lambda db: set_login(db, "sales", "103", True), "103 is not an agent of queue sales; its agents are 101, 102"),
    (lambda db: set_login(db, "nope", "102", True), "queue nope does not exist; see `queue list`"),
    (lambda db: set_pause(db, "sales", "101", True, "123"), "pause reason '123' is not accepted; use up to two "
                                                            "digits (e.g. 1 for lunch), or none"),
    (lambda db: set_pause(db, "sales", "101", True, "a"), "pause reason 'a' is not accepted; use up to two "
                                                          "digits (e.g. 1 for lunch), or none"),
    (lambda db: set_pause(db, "sales", "104", True), "104 is not an agent of queue sales; its agents are 101, 102"),
    (lambda db: set_pause(db, "nope", "101", True), "queue nope does not exist; see `queue list`"),
])
def test_refused_agent_changes_say_why_and_change_nothing(db: sqlite_utils.Database, call: Any,
                                                          message: str) -> None:
    before = _queue(db, agents=["101", "102~"])
    with pytest.raises(QueueError) as refused:
        call(db)
    assert str(refused.value) == message
    assert get_queue(db, "sales") == before


def test_pause_reasons_and_coming_back(db: sqlite_utils.Database) -> None:
    _queue(db, agents=["101"])
    assert set_pause(db, "sales", "101", True) == Agent("101", 0, False, True, True, "")
    assert set_pause(db, "sales", "101", True, "07") == Agent("101", 0, False, True, True, "07")
    assert set_pause(db, "sales", "101", False, "5") == Agent("101", 0, False, True, False, "")


def test_the_queues_of_an_agent(db: sqlite_utils.Database) -> None:
    _queue(db, "support", agents=["102", "101~"])
    _queue(db, "sales", agents=["101"])
    _queue(db, "billing", agents=["103"])
    assert [q.name for q in queues_of(db, "101")] == ["sales", "support"]
    assert queues_of(db, "104") == []


def test_removal_is_refused_while_anything_sends_calls_to_the_queue(db: sqlite_utils.Database) -> None:
    _queue(db, agents=["101", "102~"])
    _queue(db, "support", overflow="queue:sales", leave_key="9", leave_destination="queue:sales")
    set_ring_group(db, "front", members=["103"], no_answer="queue:sales")
    send_calls_to(db, "queue:sales")
    with pytest.raises(QueueError) as refused:
        remove_queue(db, "sales")
    assert str(refused.value) == (
        f"queue sales cannot be removed: queue:sales is still used by {NAMED}, ring group front no-answer and 2 "
        "more; change those first")
    assert get_queue(db, "sales") is not None

    send_calls_elsewhere(db)
    set_ring_group(db, "front", no_answer="")
    with pytest.raises(QueueError, match="still used by queue support overflow, queue support leave key;"):
        remove_queue(db, "sales")
    set_queue(db, "support", overflow="hangup", leave_key="", leave_destination="")
    remove_queue(db, "sales")
    assert get_queue(db, "sales") is None
    assert db.execute("SELECT COUNT(*) FROM queue_members WHERE queue = 'sales'").fetchone()[0] == 0


def test_removing_a_missing_queue_says_so(db: sqlite_utils.Database) -> None:
    with pytest.raises(QueueError, match="queue nope does not exist; see `queue list`"):
        remove_queue(db, "nope")
