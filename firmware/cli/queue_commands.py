"""`minipbx queue ...`: call queues (firmware/admin/queues.py): settings, agents' login and pause,
and the figures of a period.

The brain reads the queues for each call, so a change applies to the next caller without
telling the running PBX anything; an agent logged in or paused here is so on their phone too."""
from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from firmware.admin import queues
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import ControlError
from firmware.cli.table import print_table
from firmware.queues.config import STRATEGIES, QueueError
from firmware.store.database import open_store

# Named here so a refusal is printed without importing every other command's errors (main.py).
CLI_ERRORS = (QueueError, NotFound)
_ADD_ONE = "add one with `minipbx queue set NAME --overflow voicemail:101 --agents 101,102`"


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _agent_text(agent: queues.AgentView) -> str:
    """An agent as --agents takes it: 101, 102:2, 103~."""
    return queues.spec(agent)


def _state(agent: queues.AgentView) -> str:
    if not agent.logged_in:
        return "logged out"
    if agent.paused:
        return f"paused (reason {agent.pause_reason})" if agent.pause_reason else "paused"
    return "logged in"


def _kind(agent: queues.AgentView) -> str:
    kind = "dynamic" if agent.dynamic else "static"
    if agent.extension.startswith("number:"):
        kind += ", outside number"
    return f"{kind}, via {agent.via}" if agent.via else kind


def _describe(queue: queues.QueueView) -> str:
    number = f" on {queue.number}" if queue.number else ""
    return (f"queue {queue.name}{number}: {queue.strategy}, ring {queue.ring_seconds} s, wrap-up "
            f"{queue.wrapup_seconds} s, overflow {queue.overflow}; agents "
            f"{', '.join(_agent_text(a) for a in queue.agents) or '(none)'}")


def _settings(queue: queues.QueueView) -> list[str]:
    announce = "not announced"
    if queue.announce_position:
        announce = "announced on entry" + (f" and every {queue.announce_seconds} s" if queue.announce_seconds else "")
    leave = f"{queue.leave_key} to {queue.leave_destination}" if queue.leave_key else "none"
    shown = [
        ("strategy", f"{queue.strategy}: each agent rings {queue.ring_seconds} s, {queue.retry_seconds} s before "
                     f"trying again, {queue.wrapup_seconds} s wrap-up after a call"),
        ("music", queue.music or "default"),
        ("waiting", (f"at most {queue.max_callers} callers" if queue.max_callers else "any number of callers")
                    + (f", each at most {queue.max_wait_seconds} s, then the overflow" if queue.max_wait_seconds
                       else ", each as long as it takes")),
        ("position", announce),
        ("announcement", f"{queue.announcement} with every announcement" if queue.announcement else "none"),
        ("agents see", f"{queue.name}{' and the wait' if queue.show_wait else ''} before the caller's name"
                       + (f"; they hear {queue.whisper} on answering" if queue.whisper else "")),
        ("no agents", f"callers may join: {_yes(queue.join_empty)}; sent on when the last logs out: "
                      f"{_yes(queue.leave_empty)}"),
        ("overflow", queue.overflow),
        ("leave key", leave),
        ("service level", f"answered within {queue.service_level_seconds} s"),
        ("callback", f"key {queue.callback_key}: "
                     + (f"in the hours {queue.callback_hours} (not on holidays)" if queue.callback_hours
                        else f"in {', '.join(queue.callback_modes)} mode") + ", dialled as "
                     f"{queue.callback_profile}, {queue.callback_attempts} tries {queue.callback_retry_minutes} min "
                     "apart" if queue.callback_key else "none"),
    ]
    return [f"queue {queue.name}{f' on {queue.number}' if queue.number else ''}",
            *(f"  {label:14} {value}" for label, value in shown)]


def cmd_set(args: argparse.Namespace) -> int:
    queue = queues.set_queue(_admin(args), args.name, queues.QueueChange(
        number=args.number, strategy=args.strategy, music=args.music, ring_seconds=args.ring_seconds,
        retry_seconds=args.retry_seconds, wrapup_seconds=args.wrapup_seconds, max_callers=args.max_callers,
        max_wait_seconds=args.max_wait, announce_position=_yes_no(args.announce_position),
        announce_seconds=args.announce_seconds, join_empty=_yes_no(args.join_empty),
        leave_empty=_yes_no(args.leave_empty), overflow=args.overflow, leave_key=args.leave_key,
        leave_destination=args.leave_destination, service_level_seconds=args.service_level,
        agents=None if args.agents is None else [a.strip() for a in args.agents.split(",") if a.strip()],
        callback_key=args.callback_key, callback_profile=args.callback_profile,
        callback_modes=None if args.callback_modes is None else args.callback_modes.split(","),
        callback_attempts=args.callback_attempts, callback_retry_minutes=args.callback_retry_minutes,
        callback_hours=args.callback_hours, show_wait=_yes_no(args.show_wait), announcement=args.announcement,
        whisper=args.whisper,
    ))
    print(_describe(queue))
    return 0


def _said_all(args: argparse.Namespace, shown: Sequence[BaseModel]) -> bool:
    """With --json, print `shown` as JSON; with no queue, say how to add one. True when that was all."""
    if args.json:
        print(json.dumps([s.model_dump() for s in shown], indent=2))
    elif not shown:
        print(f"no queues; {_ADD_ONE}")
    return bool(args.json or not shown)


def cmd_list(args: argparse.Namespace) -> int:
    listed = queues.list_all(_admin(args))
    if _said_all(args, listed):
        return 0
    print_table([[q.name, q.number or "-", q.strategy, f"{q.max_wait_seconds}s" if q.max_wait_seconds else "no limit",
                  q.overflow, ",".join(_agent_text(a) for a in q.agents) or "-"] for q in listed],
                ["NAME", "NUMBER", "STRATEGY", "MAX WAIT", "OVERFLOW", "AGENTS (in order)"])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    queue = queues.get(_admin(args), args.name)
    if args.json:
        print(json.dumps(queue.model_dump(), indent=2))
        return 0
    print("\n".join(_settings(queue)))
    if not queue.agents:
        print("  no agents; add them with --agents 101,102:1,103~")
        return 0
    print_table([[a.extension, a.penalty, _kind(a), _state(a)] for a in queue.members],
                ["AGENT", "PENALTY", "KIND", "STATE"])
    try:
        live = queues.now(_admin(args), args.name)
    except ControlError:
        print("  the PBX is not running: nobody waits")
        return 0
    if not live.waiting:
        print("  nobody waits now")
    else:
        print_table([[w.position, w.caller + (" (VIP)" if w.vip else ""), f"{w.waited:.0f}s",
                      ", ".join(w.ringing) or "-"] for w in live.waiting], ["POS", "CALLER", "WAITING", "RINGING"])
    for extension, left in live.wrapup.items():
        print(f"  {extension} wraps up for {left:.0f} s more")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    queues.remove(_admin(args), args.name)
    print(f"queue {args.name} removed")
    return 0


def cmd_agent(args: argparse.Namespace) -> int:
    admin = _admin(args)
    if args.queue_command == "pause":
        agent = queues.pause(admin, args.name, args.extension, args.reason)
    else:
        change = {"login": queues.login, "logout": queues.logout, "unpause": queues.unpause}[args.queue_command]
        agent = change(admin, args.name, args.extension)
    print(f"{agent.extension} in queue {args.name}: {_state(agent)}")
    return 0


def _period(stats: queues.QueueStatsView) -> str:
    if stats.from_date and stats.to_date:
        return f"{stats.from_date} to {stats.to_date}"
    if stats.from_date or stats.to_date:
        return f"from {stats.from_date}" if stats.from_date else f"up to {stats.to_date}"
    return "all calls"


def _describe_stats(stats: queues.QueueStatsView) -> list[str]:
    level = (f"{stats.answered_within_level} of {stats.answered} answered within {stats.service_level_seconds} s"
             + (f" ({stats.service_level_percent}%)" if stats.service_level_percent is not None else ""))
    return [
        f"queue {stats.queue}, {_period(stats)}: {stats.offered} offered, {stats.answered} answered, "
        f"{stats.abandoned} abandoned, {stats.overflowed} overflow, {stats.left} left",
        f"  service level  {level}",
        f"  wait           average {stats.average_wait_seconds} s, longest {stats.longest_wait_seconds} s; "
        f"abandoned callers {stats.average_abandoned_wait_seconds} s on average",
        f"  talk           average {stats.average_talk_seconds} s",
        f"  callbacks      {stats.callbacks_requested} requested, {stats.callbacks_completed} completed, "
        f"{stats.callbacks_failed} failed",
    ]


def cmd_stats(args: argparse.Namespace) -> int:
    figures = queues.stats(_admin(args), args.name, args.from_date, args.to_date)
    if _said_all(args, figures):
        return 0
    for number, stats in enumerate(figures):
        if number:
            print()
        print("\n".join(_describe_stats(stats)))
        if stats.agents:
            print_table([[a.extension, a.answered, f"{a.talk_seconds}s", f"{a.average_talk_seconds}s"]
                         for a in stats.agents], ["AGENT", "ANSWERED", "TALK", "AVERAGE TALK"])
    return 0


def cmd_callbacks(args: argparse.Namespace) -> int:
    requests = queues.callbacks(_admin(args), args.name)
    if args.json:
        print(json.dumps([r.model_dump() for r in requests], indent=2))
        return 0
    if not requests:
        print("no callback requests")
        return 0
    print_table([[r.id, r.queue, r.number, r.requested_at[:16].replace("T", " "), r.state, r.attempts,
                  r.agent or "-", r.result] for r in requests],
                ["ID", "QUEUE", "NUMBER", "REQUESTED (UTC)", "STATE", "TRIES", "AGENT", "LAST"])
    return 0


def cmd_callback_request(args: argparse.Namespace) -> int:
    made = queues.request_callback(_admin(args), args.name, queues.CallbackRequest(number=args.number))
    print(f"callback {made.id}: queue {made.queue} calls {made.number} back when it is their turn")
    return 0


def cmd_agent_add(args: argparse.Namespace) -> int:
    print(_describe(queues.add_agent(_admin(args), args.name, args.agent)))
    return 0


def cmd_agent_remove(args: argparse.Namespace) -> int:
    print(_describe(queues.remove_agent(_admin(args), args.name, args.extension)))
    return 0


def add_parsers(sub: Any) -> None:
    queue = sub.add_parser("queue", help="call queues: callers wait their turn for an agent").add_subparsers(
        dest="queue_command", required=True)
    qset = queue.add_parser("set", help="create a queue or change it")
    qset.add_argument("name")
    qset.add_argument("--number", help="an internal number that reaches the queue ('' = none)")
    qset.add_argument("--strategy", choices=STRATEGIES,
                      help="which free agent rings: all at once, the next after the last one's, the one idle "
                           "longest, the one with the fewest calls today, the first in the list, any")
    qset.add_argument("--music", help="music class the waiting callers hear ('' = default)")
    qset.add_argument("--ring-seconds", type=int, help="how long each agent rings (5-120)")
    qset.add_argument("--retry-seconds", type=int, help="pause before trying the agents again (1-60)")
    qset.add_argument("--wrapup-seconds", type=int, help="an agent's rest after each call (0-600)")
    qset.add_argument("--max-callers", type=int, help="callers who may wait at once (0 = no limit)")
    qset.add_argument("--max-wait", type=int, help="seconds a caller waits before the overflow (0 = no limit)")
    qset.add_argument("--announce-position", choices=("yes", "no"), help="tell callers their place in the queue")
    qset.add_argument("--announce-seconds", type=int, help="how often the place is told again (0 = on entry only)")
    qset.add_argument("--join-empty", choices=("yes", "no"), help="callers may join while no agent is logged in")
    qset.add_argument("--leave-empty", choices=("yes", "no"),
                      help="waiting callers go to the overflow when the last agent logs out")
    qset.add_argument("--overflow", help="where a caller goes who cannot join or wait longer, e.g. voicemail:101")
    qset.add_argument("--leave-key", help="a key (0-9, *, #) a waiting caller presses to leave ('' = none)")
    qset.add_argument("--leave-destination", help="where the leave key sends the caller")
    qset.add_argument("--service-level", type=int, help="answered within this many seconds counts as on time")
    qset.add_argument("--agents", help="in order: 101,102:1 (penalty 1),103~ (dynamic: logs in with *45), "
                                       "number:00401234567 (an outside number), group:support (a ring group's "
                                       "members)")
    qset.add_argument("--show-wait", choices=("yes", "no"),
                      help="the agent's phone shows how long the caller waited ('sales 2:05: ACME')")
    qset.add_argument("--announcement", help="a custom prompt played with every announcement ('' = none)")
    qset.add_argument("--whisper", help="a custom prompt the agent hears on answering, before the caller "
                                        "('' = none)")
    qset.add_argument("--callback-hours", help="hours of their own for callbacks, e.g. 'mon-fri 08:00-17:00, "
                                               "sat 09:00-12:00' ('' = the callback modes); never on holidays")
    qset.add_argument("--callback-key", help="a key a waiting caller presses to be called back ('' = none)")
    qset.add_argument("--callback-profile", help="class of service the callback dials with (default national)")
    qset.add_argument("--callback-modes", help="modes in which callbacks are made, e.g. day,lunch (default day)")
    qset.add_argument("--callback-attempts", type=int, help="tries to reach the caller (1-5, default 3)")
    qset.add_argument("--callback-retry-minutes", type=int, help="between the tries (1-120, default 10)")
    qset.set_defaults(func=cmd_set)
    for word, func, helptext in (("list", cmd_list, "every queue"),
                                 ("show", cmd_show, "a queue's settings and each agent's state")):
        shown = queue.add_parser(word, help=helptext)
        if word == "show":
            shown.add_argument("name")
        shown.add_argument("--json", action="store_true")
        shown.set_defaults(func=func)
    qrm = queue.add_parser("remove", help="delete a queue nothing sends calls to")
    qrm.add_argument("name")
    qrm.set_defaults(func=cmd_remove)
    for word, helptext in (("login", "a dynamic agent takes the queue's calls"),
                           ("logout", "a dynamic agent stops taking them"),
                           ("pause", "an agent takes no calls for a while"), ("unpause", "an agent is back")):
        agent = queue.add_parser(word, help=helptext)
        agent.add_argument("name")
        agent.add_argument("extension")
        if word == "pause":
            agent.add_argument("--reason", default="", help="a code of up to two digits, e.g. 1 for lunch")
        agent.set_defaults(func=cmd_agent)
    agents = queue.add_parser("agent", help="add or remove one agent").add_subparsers(dest="agent_command",
                                                                                   required=True)
    add = agents.add_parser("add", help="an agent at the end of the list, or one changed in place")
    add.add_argument("name")
    add.add_argument("agent", help="101, 101:2 (penalty 2), 101~ (dynamic), number:00401234567, group:support")
    add.set_defaults(func=cmd_agent_add)
    drop = agents.add_parser("remove", help="an agent out of the queue")
    drop.add_argument("name")
    drop.add_argument("extension")
    drop.set_defaults(func=cmd_agent_remove)
    qstats = queue.add_parser("stats", help="callers offered, answered, abandoned, waits, agents' calls")
    qstats.add_argument("name", nargs="?", help="one queue (default: every queue)")
    qstats.add_argument("--from", dest="from_date", help="first day, YYYY-MM-DD")
    qstats.add_argument("--to", dest="to_date", help="last day, YYYY-MM-DD (included)")
    qstats.add_argument("--json", action="store_true")
    qstats.set_defaults(func=cmd_stats)
    qcallbacks = queue.add_parser("callbacks", help="callback requests: who waits to be called back, what happened")
    qcallbacks.add_argument("name", nargs="?", help="one queue (default: every queue)")
    qcallbacks.add_argument("--json", action="store_true")
    qcallbacks.set_defaults(func=cmd_callbacks)
    qrequest = queue.add_parser("callback", help="ask the queue to call a number back (as a caller's callback key)")
    qrequest.add_argument("name")
    qrequest.add_argument("number", help="as the caller gives it, without the outside-line code")
    qrequest.set_defaults(func=cmd_callback_request)
