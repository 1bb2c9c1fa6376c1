"""`minipbx queue ...` as a person types it: what it prints, what it refuses, its exit codes."""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlite_utils

from firmware.queues.config import get_queue, log_caller, log_talk
from tests.cli.conftest import Cli


def test_set_list_show_and_remove(cli: Cli, db: sqlite_utils.Database) -> None:
    out = cli.ok("queue", "set", "sales", "--number", "600", "--strategy", "roundrobin", "--ring-seconds", "20",
                 "--retry-seconds", "3", "--wrapup-seconds", "30", "--max-callers", "8", "--max-wait", "300",
                 "--announce-position", "no", "--announce-seconds", "0", "--join-empty", "yes", "--leave-empty", "no",
                 "--overflow", "voicemail:101", "--leave-key", "#", "--leave-destination", "ext:104",
                 "--service-level", "30", "--music", "default", "--agents", "102, 101:2,103~")
    assert out == "queue sales on 600: roundrobin, ring 20 s, wrap-up 30 s, overflow voicemail:101; agents 102, " \
                  "101:2, 103~\n"
    cli.ok("queue", "set", "support", "--overflow", "hangup")
    assert cli.ok("queue", "set", "sales", "--strategy", "linear", "--number", "") == (
        "queue sales: linear, ring 20 s, wrap-up 30 s, overflow voicemail:101; agents 102, 101:2, 103~\n")
    listed = json.loads(cli.ok("queue", "list", "--json"))
    assert [q["name"] for q in listed] == ["sales", "support"]
    assert {k: listed[0][k] for k in ("number", "strategy", "max_callers", "join_empty", "leave_key",
                                      "service_level_seconds")} == {
        "number": "", "strategy": "linear", "max_callers": 8, "join_empty": True, "leave_key": "#",
        "service_level_seconds": 30}
    assert listed[0]["agents"][1] == {"extension": "101", "penalty": 2, "dynamic": False, "logged_in": True,
                                      "paused": False, "pause_reason": "", "via": ""}
    assert listed[1]["agents"] == []
    table = cli.ok("queue", "list").splitlines()
    assert table[0].split() == ["NAME", "NUMBER", "STRATEGY", "MAX", "WAIT", "OVERFLOW", "AGENTS", "(in", "order)"]
    assert table[1].split() == ["sales", "-", "linear", "300s", "voicemail:101", "102,101:2,103~"]
    assert table[2].split() == ["support", "-", "ringall", "no", "limit", "hangup", "-"]
    assert json.loads(cli.ok("queue", "show", "sales", "--json")) == listed[0]
    # One agent at a time: added at the end, changed in place, removed.
    assert cli.ok("queue", "agent", "add", "sales", "104~").endswith("agents 102, 101:2, 103~, 104~\n")
    assert cli.ok("queue", "agent", "add", "sales", "101").endswith("agents 102, 101, 103~, 104~\n")
    assert cli.ok("queue", "agent", "remove", "sales", "102").endswith("agents 101, 103~, 104~\n")
    assert cli.fails("queue", "agent", "remove", "sales", "102") == (
        "minipbx: error: 102 is not an agent of queue sales; its agents are 101, 103, 104")
    assert cli.fails("queue", "agent", "add", "sales", "999").startswith("minipbx: error: agent '999' is not accepted")
    assert cli.ok("queue", "remove", "support") == "queue support removed\n"
    assert get_queue(db, "support") is None


def test_show_gives_the_settings_and_each_agents_state(cli: Cli) -> None:
    cli.ok("queue", "set", "sales", "--number", "600", "--overflow", "voicemail:101", "--max-wait", "300",
           "--leave-key", "0", "--leave-destination", "ext:104", "--agents", "101,102:1~,103~,104~")
    assert cli.ok("queue", "login", "sales", "102") == "102 in queue sales: logged in\n"
    cli.ok("queue", "login", "sales", "103")
    assert cli.ok("queue", "pause", "sales", "103", "--reason", "1") == "103 in queue sales: paused (reason 1)\n"
    assert cli.ok("queue", "pause", "sales", "101") == "101 in queue sales: paused\n"
    assert cli.ok("queue", "unpause", "sales", "101") == "101 in queue sales: logged in\n"
    assert cli.ok("queue", "show", "sales") == (
        "queue sales on 600\n"
        "  strategy       ringall: each agent rings 15 s, 5 s before trying again, 10 s wrap-up after a call\n"
        "  music          default\n"
        "  waiting        any number of callers, each at most 300 s, then the overflow\n"
        "  position       announced on entry and every 60 s\n"
        "  announcement   none\n"
        "  agents see     sales before the caller's name\n"
        "  no agents      callers may join: no; sent on when the last logs out: yes\n"
        "  overflow       voicemail:101\n"
        "  leave key      0 to ext:104\n"
        "  service level  answered within 20 s\n"
        "  callback       none\n"
        "AGENT  PENALTY  KIND     STATE\n"
        "101    0        static   logged in\n"
        "102    1        dynamic  logged in\n"
        "103    0        dynamic  paused (reason 1)\n"
        "104    0        dynamic  logged out\n"
        "  the PBX is not running: nobody waits\n")  # live: who waits (tests/queues/test_queue_calls.py)
    assert cli.ok("queue", "logout", "sales", "103") == "103 in queue sales: logged out\n"


def test_no_queues_says_how_to_add_one(cli: Cli) -> None:
    assert "minipbx queue set NAME --overflow voicemail:101 --agents 101,102" in cli.ok("queue", "list")
    assert "minipbx queue set NAME" in cli.ok("queue", "stats")


def test_refusals_are_one_line_and_change_nothing(cli: Cli) -> None:
    cli.ok("queue", "set", "sales", "--number", "600", "--overflow", "voicemail:101", "--agents", "101,102~")
    before = cli.snapshot()
    for args, message in [
        (("set", "other", "--agents", "101"), "queue other needs an overflow destination (--overflow)"),
        (("set", "sales", "--agents", "101,999"), "agent '999' is not accepted; use an existing extension number"),
        (("set", "sales", "--agents", "101,101~"), "agent 101 is listed twice"),
        (("set", "sales", "--number", "101"), "queue number 101 is already extension 101"),
        (("set", "sales", "--ring-seconds", "1"), "ring time 1 s is not accepted; use a whole number of seconds 5-120"),
        (("set", "sales", "--overflow", "queue:sales"), "overflow queue:sales is the queue itself"),
        (("set", "sales", "--leave-key", "5"), "queue sales: leave key 5 needs a leave destination"),
        (("show", "nope"), "queue nope does not exist; see `queue list`"),
        (("remove", "nope"), "queue nope does not exist"),
        (("login", "sales", "101"), "101 is a static agent of queue sales and is always logged in"),
        (("logout", "sales", "103"), "103 is not an agent of queue sales; its agents are 101, 102"),
        (("pause", "sales", "101", "--reason", "lunch"), "pause reason 'lunch' is not accepted; use up to two digits"),
        (("unpause", "nope", "101"), "queue nope does not exist"),
        (("stats", "--from", "2025-02-30"), "from date '2025-02-30' is not accepted; use a date as YYYY-MM-DD"),
        (("stats", "sales", "--from", "2025-03-02", "--to", "2025-03-01"), "from date 2025-03-02 is after to date"),
        (("stats", "nope"), "queue nope does not exist"),
    ]:
        assert message in cli.fails("queue", *args), args
    # A mistyped choice or number is a usage error: one line too, exit code 2.
    assert "invalid choice: 'fifo'" in cli.fails("queue", "set", "sales", "--strategy", "fifo", code=2)
    assert "invalid choice: 'maybe'" in cli.fails("queue", "set", "sales", "--join-empty", "maybe", code=2)
    assert "invalid int value: 'ten'" in cli.fails("queue", "set", "sales", "--max-wait", "ten", code=2)
    assert cli.snapshot() == before


def test_removal_refused_while_a_group_sends_its_unanswered_calls_to_the_queue(cli: Cli) -> None:
    cli.ok("queue", "set", "sales", "--overflow", "hangup", "--agents", "101,102")
    cli.ok("ringgroup", "set", "front", "--members", "103", "--no-answer", "queue:sales")
    assert cli.fails("queue", "remove", "sales") == (
        "minipbx: error: queue sales cannot be removed: queue:sales is still used by ring group front no-answer; "
        "change those first")
    cli.ok("ringgroup", "set", "front", "--no-answer", "")
    assert cli.ok("queue", "remove", "sales") == "queue sales removed\n"


def test_stats_per_queue_and_agent(cli: Cli, db: sqlite_utils.Database) -> None:
    cli.ok("queue", "set", "sales", "--overflow", "hangup", "--agents", "101,102")
    cli.ok("queue", "set", "support", "--overflow", "hangup", "--agents", "103")
    for day, outcome, agent, wait, talk in [(1, "answered", "101", 8.0, 120.0), (1, "answered", "102", 25.0, 60.0),
                                            (2, "abandoned", "", 45.0, 0.0), (9, "answered", "101", 4.0, 30.0)]:
        row = log_caller(db, queue="sales", call_id=f"c{day}{agent}", caller="0301234567",
                         joined_at=datetime(2025, 3, day, 10, tzinfo=UTC), outcome=outcome, agent=agent,
                         wait_seconds=wait)
        log_talk(db, row, talk)
    assert cli.ok("queue", "stats", "--from", "2025-03-01", "--to", "2025-03-02") == (
        "queue sales, 2025-03-01 to 2025-03-02: 3 offered, 2 answered, 1 abandoned, 0 overflow, 0 left\n"
        "  service level  1 of 2 answered within 20 s (50.0%)\n"
        "  wait           average 26.0 s, longest 45.0 s; abandoned callers 45.0 s on average\n"
        "  talk           average 90.0 s\n"
        "  callbacks      0 requested, 0 completed, 0 failed\n"
        "AGENT  ANSWERED  TALK    AVERAGE TALK\n"
        "101    1         120.0s  120.0s\n"
        "102    1         60.0s   60.0s\n"
        "\n"
        "queue support, 2025-03-01 to 2025-03-02: 0 offered, 0 answered, 0 abandoned, 0 overflow, 0 left\n"
        "  service level  0 of 0 answered within 20 s\n"
        "  wait           average 0.0 s, longest 0.0 s; abandoned callers 0.0 s on average\n"
        "  talk           average 0.0 s\n"
        "  callbacks      0 requested, 0 completed, 0 failed\n"
        "AGENT  ANSWERED  TALK  AVERAGE TALK\n"
        "103    0         0.0s  0.0s\n")
    [sales] = json.loads(cli.ok("queue", "stats", "sales", "--from", "2025-03-09", "--json"))
    assert (sales["from_date"], sales["offered"], sales["service_level_percent"]) == ("2025-03-09", 1, 100.0)
    assert sales["agents"] == [{"extension": "101", "answered": 1, "talk_seconds": 30.0, "average_talk_seconds": 30.0},
                               {"extension": "102", "answered": 0, "talk_seconds": 0.0, "average_talk_seconds": 0.0}]
    assert cli.ok("queue", "stats", "sales", "--to", "2025-03-01").splitlines()[0] == (
        "queue sales, up to 2025-03-01: 2 offered, 2 answered, 0 abandoned, 0 overflow, 0 left")
