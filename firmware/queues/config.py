"""Call queues as configured: who answers, in what order callers are served, and where a
caller goes who cannot wait.

A queue is reached as `queue:NAME` (routes, VIP entries, menu keys, ring groups'
no-answer, forwarding) and, when it has a `number`, by dialling that number (it lies in the
extension ranges, like a ring group's). Its agents are extensions, outside numbers
(`number:DIGITS`, dialled through the trunks within the queue's class of service) and ring
groups (`group:NAME`: the group's members as they are at each call). Static agents always
take calls; dynamic ones log in and out from their phone (`*45` + the queue's number,
firmware/queues/codes.py). Any agent may pause (`*46`). Login and pause are stored here, so
they survive a restart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination, parse_destination
from firmware.apps.references import refuse_if_used, where_used
from firmware.dialplan.taken import check_group_number
from firmware.modes.timetable import Interval
from firmware.store.database import write_transaction

# Where queues send calls, and the ring groups they take agents from (firmware/apps/references.py).
DESTINATION_USES = (
    "SELECT 'queue ' || name || ' overflow' FROM queues WHERE overflow = ?",
    "SELECT 'queue ' || name || ' leave key' FROM queues WHERE leave_destination = ?",
    "SELECT 'queue ' || queue || ' agents' FROM queue_members WHERE extension = ?",
)

# ringall: every free agent at once; roundrobin: the next free agent after the one who took
# the last call; leastrecent: the free agent idle longest; fewestcalls: the free agent with the
# fewest answered calls today; linear: the first free agent in the list; random.
STRATEGIES = ("ringall", "roundrobin", "leastrecent", "fewestcalls", "linear", "random")
RING_SECONDS = (5, 120)
RETRY_SECONDS = (1, 60)
WRAPUP_SECONDS = (0, 600)
MAX_CALLERS = (0, 500)  # 0 = no limit
MAX_WAIT_SECONDS = (0, 7200)  # 0 = no limit
ANNOUNCE_SECONDS = (0, 600)  # 0 = only on entry
SERVICE_LEVEL_SECONDS = (5, 600)
CALLBACK_ATTEMPTS = (1, 5)
CALLBACK_RETRY_MINUTES = (1, 120)
PENALTIES = (0, 9)
PAUSE_REASON = re.compile(r"[0-9]{0,2}")
_KEY = re.compile(r"[0-9*#]?")


class QueueError(ValueError):
    """A queue setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Agent:
    # An extension number, 'number:DIGITS' (an outside number, as a desk phone dials it) or, in
    # `Queue.agents` only, 'group:NAME' (that ring group's members).
    extension: str
    penalty: int  # 0 is rung first; agents of a higher penalty only when no lower one is free
    dynamic: bool  # logs in and out with *45 (a static agent is always logged in)
    logged_in: bool
    paused: bool
    pause_reason: str  # the code keyed after *46 ('' = none)
    via: str = ""  # 'group:NAME' for an agent who is one as that group's member

    @property
    def outside(self) -> bool:
        return self.extension.startswith("number:")

    @property
    def group(self) -> bool:
        return self.extension.startswith("group:")


@dataclass(frozen=True)
class Queue:
    name: str
    number: str  # '' = reached only as queue:NAME
    strategy: str
    music: str  # music class the waiting callers hear ('' = the default class)
    ring_seconds: int  # how long each attempt rings an agent
    retry_seconds: int  # pause before agents are tried again when nobody answered
    wrapup_seconds: int  # an agent's rest after each call before the next one rings
    max_callers: int  # callers who may wait at once (0 = no limit)
    max_wait_seconds: int  # then the caller goes to overflow (0 = no limit)
    announce_position: bool  # "you are caller number 3" on entry and every announce_seconds
    announce_seconds: int  # 0 = only on entry
    join_empty: bool  # callers may join while no agent is logged in (and wait for one)
    leave_empty: bool  # waiting callers go to overflow when the last agent logs out (the change, not the state)
    overflow: str  # destination for a caller who cannot join or wait longer
    leave_key: str  # a key a waiting caller presses to leave ('' = none) ...
    leave_destination: str  # ... to this destination
    service_level_seconds: int  # answered within this counts toward the service level
    agents: tuple[Agent, ...]
    callback_key: str = ""  # a key a waiting caller presses to be called back instead ('' = none)
    callback_profile: str = "national"  # the class of service the callback dials the number with
    callback_modes: tuple[str, ...] = ("day",)  # the operating modes in which callbacks are made
    callback_attempts: int = 3  # tries to reach the caller before the request has failed
    callback_retry_minutes: int = 10  # between those tries
    show_wait: bool = False  # the agent's phone shows how long the caller waited: "sales 2:05: ACME"
    announcement: str = ""  # a custom prompt played with every announcement ('' = none)
    whisper: str = ""  # a custom prompt the agent hears on answering, before the caller ('' = none)
    # Hours of their own in which callbacks are made ('mon-fri 08:00-17:00, sat 09:00-12:00';
    # '' = the callback_modes); never on a holiday.
    callback_hours: str = ""
    # Who takes calls, in list order (linear and roundrobin follow it): every agent listed by
    # itself, and each group's members in the group's place (an agent listed by itself too
    # counts once, as listed).
    members: tuple[Agent, ...] = ()

    def agent(self, extension: str) -> Agent | None:
        """The agent `extension` (an extension or 'number:DIGITS'), listed or as a group's member."""
        return next((a for a in self.members if a.extension == extension), None)

    def listed(self, extension: str) -> Agent | None:
        """The entry of `agents` for `extension`, 'number:DIGITS' or 'group:NAME'."""
        return next((a for a in self.agents if a.extension == extension), None)


_COLUMNS = ("name", "number", "strategy", "music", "ring_seconds", "retry_seconds", "wrapup_seconds",
            "max_callers", "max_wait_seconds", "announce_position", "announce_seconds", "join_empty",
            "leave_empty", "overflow", "leave_key", "leave_destination", "service_level_seconds",
            "callback_key", "callback_profile", "callback_modes", "callback_attempts", "callback_retry_minutes",
            "show_wait", "announcement", "whisper", "callback_hours")
_DEFAULTS = Queue(name="", number="", strategy="ringall", music="", ring_seconds=15, retry_seconds=5,
                  wrapup_seconds=10, max_callers=0, max_wait_seconds=0, announce_position=True,
                  announce_seconds=60, join_empty=False, leave_empty=True, overflow="", leave_key="",
                  leave_destination="", service_level_seconds=20, agents=())


def get_queue(db: sqlite_utils.Database, name: str) -> Queue | None:
    row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM queues WHERE name = ?", [name]).fetchone()
    if row is None:
        return None
    values = dict(zip(_COLUMNS, row, strict=True))
    agents = tuple(
        Agent(str(ext), int(penalty), bool(dynamic), bool(logged_in) or not dynamic, bool(paused), str(reason or ""))
        for ext, penalty, dynamic, logged_in, paused, reason in db.execute(
            "SELECT extension, penalty, dynamic, logged_in, paused, pause_reason FROM queue_members "
            "WHERE queue = ? ORDER BY position", [name]).fetchall())
    return Queue(
        members=_members(db, name, agents),
        show_wait=bool(values["show_wait"]), announcement=str(values["announcement"] or ""),
        whisper=str(values["whisper"] or ""), callback_hours=str(values["callback_hours"] or ""),
        name=str(values["name"]), number=str(values["number"] or ""), strategy=str(values["strategy"]),
        music=str(values["music"] or ""), ring_seconds=int(values["ring_seconds"]),
        retry_seconds=int(values["retry_seconds"]), wrapup_seconds=int(values["wrapup_seconds"]),
        max_callers=int(values["max_callers"]), max_wait_seconds=int(values["max_wait_seconds"]),
        announce_position=bool(values["announce_position"]), announce_seconds=int(values["announce_seconds"]),
        join_empty=bool(values["join_empty"]), leave_empty=bool(values["leave_empty"]),
        overflow=str(values["overflow"] or ""), leave_key=str(values["leave_key"] or ""),
        leave_destination=str(values["leave_destination"] or ""),
        service_level_seconds=int(values["service_level_seconds"]), agents=agents,
        callback_key=str(values["callback_key"] or ""), callback_profile=str(values["callback_profile"]),
        callback_modes=tuple(m for m in str(values["callback_modes"]).split(",") if m),
        callback_attempts=int(values["callback_attempts"]),
        callback_retry_minutes=int(values["callback_retry_minutes"]))


def _members(db: sqlite_utils.Database, name: str, agents: tuple[Agent, ...]) -> tuple[Agent, ...]:
    listed = {a.extension for a in agents if not a.group}
    members: list[Agent] = []
    pauses: dict[str, str] | None = None
    for agent in agents:
        if not agent.group:
            members.append(agent)
            continue
        if pauses is None:
            pauses = {str(e): str(r or "") for e, r in db.execute(
                "SELECT extension, reason FROM queue_group_pauses WHERE queue = ?", [name]).fetchall()}
        for (member,) in db.execute("SELECT member FROM ring_group_members WHERE group_name = ? ORDER BY position",
                                    [agent.extension[6:]]).fetchall():
            member = str(member)
            if member in listed or any(m.extension == member for m in members):
                continue
            members.append(Agent(member, agent.penalty, False, True, member in pauses, pauses.get(member, ""),
                                 via=agent.extension))
    return tuple(members)


def queue_by_number(db: sqlite_utils.Database, number: str) -> Queue | None:
    """The queue dialled as `number`, or None ('' is never a queue's number)."""
    if not number:
        return None
    row = db.execute("SELECT name FROM queues WHERE number = ?", [number]).fetchone()
    return get_queue(db, str(row[0])) if row else None


def list_queues(db: sqlite_utils.Database) -> list[Queue]:
    names = [str(n) for (n,) in db.execute("SELECT name FROM queues ORDER BY name").fetchall()]
    return [queue for name in names if (queue := get_queue(db, name)) is not None]


def queues_of(db: sqlite_utils.Database, extension: str) -> list[Queue]:
    """The queues `extension` is an agent of."""
    names = [str(n) for (n,) in db.execute(
        "SELECT queue FROM queue_members WHERE extension = ? ORDER BY queue", [extension]).fetchall()]
    return [queue for name in names if (queue := get_queue(db, name)) is not None]


def set_queue(
    db: sqlite_utils.Database,
    name: str,
    *,
    number: str | None = None,
    strategy: str | None = None,
    music: str | None = None,
    ring_seconds: int | None = None,
    retry_seconds: int | None = None,
    wrapup_seconds: int | None = None,
    max_callers: int | None = None,
    max_wait_seconds: int | None = None,
    announce_position: bool | None = None,
    announce_seconds: int | None = None,
    join_empty: bool | None = None,
    leave_empty: bool | None = None,
    overflow: str | None = None,
    leave_key: str | None = None,
    leave_destination: str | None = None,
    service_level_seconds: int | None = None,
    agents: list[str] | tuple[str, ...] | None = None,
    callback_key: str | None = None,
    callback_profile: str | None = None,
    callback_modes: list[str] | tuple[str, ...] | None = None,
    callback_attempts: int | None = None,
    callback_retry_minutes: int | None = None,
    show_wait: bool | None = None,
    announcement: str | None = None,
    whisper: str | None = None,
    callback_hours: str | None = None,
) -> Queue:
    """Create the queue or change what is given (None keeps the current value); all or nothing.

    `agents`, in list order: extension numbers, outside numbers as a desk phone dials them
    (`number:00401234567`) and ring groups (`group:support`), each optionally with `:PENALTY`,
    extensions and outside numbers also with a trailing `~` for a dynamic agent (`105~`,
    `106:2~`). Agents kept from before keep their login and pause state."""
    _check_name(name)
    with write_transaction(db):
        current = get_queue(db, name) or replace(_DEFAULTS, name=name)
        row = {
            "name": name,
            "number": current.number if number is None else check_group_number(
                db, number.strip(), "queue", name, QueueError),
            "strategy": current.strategy if strategy is None else _check_strategy(strategy),
            "music": current.music if music is None else _check_music(db, music.strip()),
            "ring_seconds": _seconds("ring time", ring_seconds, current.ring_seconds, RING_SECONDS),
            "retry_seconds": _seconds("retry pause", retry_seconds, current.retry_seconds, RETRY_SECONDS),
            "wrapup_seconds": _seconds("wrap-up time", wrapup_seconds, current.wrapup_seconds, WRAPUP_SECONDS),
            "max_callers": _seconds("most waiting callers", max_callers, current.max_callers, MAX_CALLERS, unit=""),
            "max_wait_seconds": _seconds("longest wait", max_wait_seconds, current.max_wait_seconds,
                                         MAX_WAIT_SECONDS),
            "announce_position": int(current.announce_position if announce_position is None else announce_position),
            "announce_seconds": _seconds("announcement interval", announce_seconds, current.announce_seconds,
                                         ANNOUNCE_SECONDS),
            "join_empty": int(current.join_empty if join_empty is None else join_empty),
            "leave_empty": int(current.leave_empty if leave_empty is None else leave_empty),
            "overflow": current.overflow if overflow is None else _check_destination(db, name, "overflow", overflow),
            "leave_key": current.leave_key if leave_key is None else _check_key(leave_key),
            "leave_destination": current.leave_destination if leave_destination is None else _check_destination(
                db, name, "leave destination", leave_destination),
            "service_level_seconds": _seconds("service level", service_level_seconds, current.service_level_seconds,
                                              SERVICE_LEVEL_SECONDS),
        }
        row.update({
            "callback_key": current.callback_key if callback_key is None else _check_key(callback_key, "callback"),
            "callback_profile": current.callback_profile if callback_profile is None else _check_profile(
                db, callback_profile),
            "callback_modes": ",".join(current.callback_modes if callback_modes is None else _check_modes(
                callback_modes)),
            "callback_attempts": _seconds("callback attempts", callback_attempts, current.callback_attempts,
                                          CALLBACK_ATTEMPTS, unit=""),
            "callback_retry_minutes": _seconds("callback retry", callback_retry_minutes,
                                               current.callback_retry_minutes, CALLBACK_RETRY_MINUTES, unit=" min"),
        })
        row.update({
            "show_wait": int(current.show_wait if show_wait is None else show_wait),
            "announcement": current.announcement if announcement is None else _check_prompt(
                db, "announcement", announcement),
            "whisper": current.whisper if whisper is None else _check_prompt(db, "whisper", whisper),
            "callback_hours": current.callback_hours if callback_hours is None else format_hours(
                parse_hours(callback_hours)),
        })
        if row["callback_key"] and row["callback_key"] == row["leave_key"]:
            raise QueueError(f"queue {name}: key {row['callback_key']} cannot both leave the queue and ask for a "
                             "callback; pick two different keys")
        if not row["overflow"]:
            raise QueueError(f"queue {name} needs an overflow destination (--overflow): where a caller goes who "
                             "cannot join or wait any longer, e.g. voicemail:100 or group:reception")
        if row["leave_key"] and not row["leave_destination"]:
            raise QueueError(f"queue {name}: leave key {row['leave_key']} needs a leave destination "
                             "(--leave-destination), e.g. voicemail:100")
        db.table("queues").upsert(row, pk="name")
        if agents is not None:
            wanted = _check_agents(db, agents)
            kept = {a.extension: a for a in current.agents}
            db.execute("DELETE FROM queue_members WHERE queue = ?", [name])
            # A group's member who pauses keeps the pause while the group stays an agent.
            groups = [e for e, _, _ in wanted if e.startswith("group:")]
            db.execute(f"DELETE FROM queue_group_pauses WHERE queue = ? AND extension NOT IN (SELECT member FROM "
                       f"ring_group_members WHERE group_name IN ({','.join('?' * len(groups))}))",
                       [name, *(g[6:] for g in groups)])
            for position, (extension, penalty, dynamic) in enumerate(wanted):
                before = kept.get(extension)
                logged_in = before.logged_in if before is not None and before.dynamic == dynamic else not dynamic
                db.table("queue_members").insert({
                    "queue": name, "extension": extension, "position": position, "penalty": penalty,
                    "dynamic": int(dynamic), "logged_in": int(logged_in),
                    "paused": int(before.paused) if before else 0,
                    "pause_reason": before.pause_reason if before else ""})
    queue = get_queue(db, name)
    assert queue is not None
    return queue


def remove_queue(db: sqlite_utils.Database, name: str) -> None:
    """Delete a queue no route, menu, group or forwarding still sends calls to."""
    with write_transaction(db):
        if get_queue(db, name) is None:
            raise QueueError(f"queue {name} does not exist; see `queue list`")
        refuse_if_used(f"queue:{name}", where_used(db, f"queue:{name}"), f"queue {name}", QueueError)
        db.execute("DELETE FROM queue_members WHERE queue = ?", [name])
        db.execute("DELETE FROM queue_group_pauses WHERE queue = ?", [name])
        db.execute("DELETE FROM queues WHERE name = ?", [name])


def set_login(db: sqlite_utils.Database, name: str, extension: str, logged_in: bool) -> Agent:
    """A dynamic agent logs in or out (a static agent is always in: refused)."""
    with write_transaction(db):
        agent = _agent(db, name, extension)
        if agent.via:
            raise QueueError(f"{extension} is an agent of queue {name} as a member of ring group {agent.via[6:]} "
                             f"and is always logged in; list it by itself as {extension}~ in --agents to log in "
                             "and out")
        if not agent.dynamic:
            raise QueueError(f"{extension} is a static agent of queue {name} and is always logged in; make it "
                             f"dynamic ({extension}~ in --agents) to log in and out")
        # Logging out ends a pause too, its reason with it: a returning agent starts unpaused.
        db.execute("UPDATE queue_members SET logged_in = ?, paused = CASE WHEN ? THEN paused ELSE 0 END, "
                   "pause_reason = CASE WHEN ? THEN pause_reason ELSE '' END WHERE queue = ? AND extension = ?",
                   [int(logged_in), int(logged_in), int(logged_in), name, extension])
    return _agent(db, name, extension)


def set_pause(db: sqlite_utils.Database, name: str, extension: str, paused: bool, reason: str = "") -> Agent:
    """An agent pauses (with an optional reason code of up to two digits) or comes back."""
    if not PAUSE_REASON.fullmatch(reason):
        raise QueueError(f"pause reason {reason!r} is not accepted; use up to two digits (e.g. 1 for lunch), "
                         "or none")
    with write_transaction(db):
        if _agent(db, name, extension).via:
            db.execute("DELETE FROM queue_group_pauses WHERE queue = ? AND extension = ?", [name, extension])
            if paused:
                db.table("queue_group_pauses").insert({"queue": name, "extension": extension, "reason": reason})
        else:
            db.execute("UPDATE queue_members SET paused = ?, pause_reason = ? WHERE queue = ? AND extension = ?",
                       [int(paused), reason if paused else "", name, extension])
    return _agent(db, name, extension)


def _agent(db: sqlite_utils.Database, name: str, extension: str) -> Agent:
    queue = get_queue(db, name)
    if queue is None:
        raise QueueError(f"queue {name} does not exist; see `queue list`")
    agent = queue.agent(extension)
    if agent is None:
        raise QueueError(f"{extension} is not an agent of queue {name}; its agents are "
                         f"{', '.join(a.extension for a in queue.members) or '(none)'}")
    return agent


# ---- what happened in a queue (figures) -------------------------------------------------------
def log_caller(db: sqlite_utils.Database, *, queue: str, call_id: str, caller: str, joined_at: datetime,
               outcome: str, agent: str = "", wait_seconds: float = 0.0, position: int = 0) -> int:
    """One row per caller who reached the queue: answered, abandoned, overflow, left (a key)."""
    with write_transaction(db):
        row = db.table("queue_calls").insert({
            "queue": queue, "call_id": call_id, "caller": caller, "joined_at": joined_at.isoformat(),
            "position": position, "outcome": outcome, "agent": agent, "wait_seconds": round(wait_seconds, 2),
            "ended_at": datetime.now(UTC).isoformat(), "talk_seconds": 0.0})
    return int(row.last_pk or 0)


def log_talk(db: sqlite_utils.Database, row_id: int, talk_seconds: float) -> None:
    with write_transaction(db):
        db.execute("UPDATE queue_calls SET talk_seconds = ? WHERE id = ?", [round(talk_seconds, 2), row_id])


# ---- validation ---------------------------------------------------------------------------
def _check_name(name: str) -> None:
    try:
        # parse_destination strips blanks: "sales " would pass and be stored with its blank.
        if parse_destination(f"queue:{name}").target != name:
            raise DestinationError(name)
    except DestinationError:
        raise QueueError(f"queue name {name!r} is not accepted; use up to 40 letters, digits, '_', '.', '-', "
                         "starting with a letter or digit (e.g. sales)") from None


def _check_strategy(strategy: str) -> str:
    if strategy not in STRATEGIES:
        raise QueueError(f"queue strategy {strategy!r} is not accepted; use one of: {', '.join(STRATEGIES)}")
    return strategy


def _check_music(db: sqlite_utils.Database, music: str) -> str:
    if not music:
        return ""
    from firmware.calls.music import MusicError, check_class

    try:
        return check_class(db, music)
    except MusicError as exc:
        raise QueueError(str(exc)) from None


def _seconds(what: str, value: int | None, current: int, bounds: tuple[int, int], unit: str = " s") -> int:
    if value is None:
        return current
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        whole = "a whole number of seconds" if unit else "a whole number"
        raise QueueError(f"{what} {value!r}{unit} is not accepted; use {whole} {low}-{high}"
                         + (" (0 = no limit)" if low == 0 and what in ("most waiting callers", "longest wait")
                            else ""))
    return value


def _check_key(key: str, what: str = "leave") -> str:
    key = key.strip()
    if not _KEY.fullmatch(key):
        raise QueueError(f"{what} key {key!r} is not accepted; use one key 0-9, * or #, or '' for none")
    return key


def _check_profile(db: sqlite_utils.Database, profile: str) -> str:
    from firmware.dialplan.cos import profiles

    known = profiles(db)
    if profile not in known:
        raise QueueError(f"callback class of service {profile!r} does not exist; use one of: "
                         f"{', '.join(sorted(known))}")
    return profile


def _check_modes(modes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    from firmware.modes.timetable import MODES

    checked = tuple(dict.fromkeys(m.strip() for m in modes if m.strip()))
    for mode in checked:
        if mode not in MODES:
            raise QueueError(f"callback mode {mode!r} is not accepted; use some of: {', '.join(MODES)}")
    if not checked:
        raise QueueError(f"callbacks need at least one operating mode to be made in; use some of: {', '.join(MODES)}")
    return checked


def _check_destination(db: sqlite_utils.Database, name: str, what: str, destination: str) -> str:
    if not destination.strip():
        return ""
    try:
        # The queue itself first: a queue being created does not exist yet, and "does not exist"
        # would hide the real mistake.
        if str(parse_destination(destination)) == f"queue:{name}":
            raise QueueError(f"queue {name}: {what} queue:{name} is the queue itself; use another destination")
        return check_destination(db, destination)
    except DestinationError as exc:
        raise QueueError(f"queue {name}, {what} {exc}") from None


_AGENT_FORMS = ("use an existing extension number (see `ext list`), number:DIGITS for an outside number or "
                "group:NAME for a ring group's members, optionally :PENALTY (0-9), and a trailing ~ for a dynamic "
                "agent, e.g. 101, 102:1, 103~, number:00401234567, group:support:1")


def _check_agents(db: sqlite_utils.Database, agents: list[str] | tuple[str, ...]) -> list[tuple[str, int, bool]]:
    checked: list[tuple[str, int, bool]] = []
    for text in (a.strip() for a in agents if a.strip()):
        dynamic = text.endswith("~")
        kind, colon, rest = text.rstrip("~").partition(":")
        if colon and kind in ("number", "group"):
            target, _, penalty_text = rest.partition(":")
            extension = _check_agent_target(db, text, kind, target, dynamic)
        else:
            extension, penalty_text = kind, rest
            if not extension.isdigit() or not db.execute("SELECT 1 FROM extensions WHERE number = ?",
                                                         [extension]).fetchone():
                raise QueueError(f"agent {text!r} is not accepted; {_AGENT_FORMS}")
        penalty = 0
        if penalty_text:
            if not penalty_text.isdigit() or not PENALTIES[0] <= int(penalty_text) <= PENALTIES[1]:
                raise QueueError(f"agent {text!r}: penalty {penalty_text!r} is not accepted; use 0-9 "
                                 "(0 is rung first)")
            penalty = int(penalty_text)
        if any(extension == e for e, _, _ in checked):
            raise QueueError(f"agent {extension} is listed twice; list each agent once")
        checked.append((extension, penalty, dynamic))
    return checked


def _check_agent_target(db: sqlite_utils.Database, text: str, kind: str, target: str, dynamic: bool) -> str:
    if kind == "group":
        group = db.execute("SELECT strategy FROM ring_groups WHERE name = ?", [target]).fetchone()
        if group is None:
            raise QueueError(f"agent {text!r}: ring group {target!r} does not exist (see `ringgroup list`); "
                             f"{_AGENT_FORMS}")
        if group[0] == "page":
            raise QueueError(f"agent {text!r}: ring group {target} is a paging group; its phones answer by "
                             "themselves, so it cannot take queue calls; use a ringing group")
        if dynamic:
            raise QueueError(f"agent {text!r}: a ring group's members are always logged in; list an extension "
                             "by itself with ~ to make it a dynamic agent")
        return f"group:{target}"
    from firmware.dialplan.numbering import Kind
    from firmware.dialplan.plan import load_plan

    plan = load_plan(db)
    if not target.isdigit() or plan.classify(target).kind is not Kind.OUTSIDE:
        raise QueueError(f"agent {text!r}: {target!r} is not an outside number; write it as a desk phone dials "
                         f"it, with the access code {plan.outside_prefix} first (e.g. "
                         f"number:{plan.outside_prefix}401234567)")
    return f"number:{target}"


def _check_prompt(db: sqlite_utils.Database, what: str, name: str) -> str:
    name = name.strip()
    if name and not db.execute("SELECT 1 FROM custom_prompts WHERE name = ?", [name]).fetchone():
        known = [str(n) for (n,) in db.execute("SELECT name FROM custom_prompts ORDER BY name").fetchall()]
        raise QueueError(f"{what} prompt {name!r} does not exist; upload it with `minipbx prompt upload {name} "
                         f"FILE`, or use one of: {', '.join(known) or '(none uploaded yet)'}, or '' for none")
    return name


# ---- callback hours: a weekly timetable of their own ------------------------------------------
def parse_hours(text: str) -> tuple[Interval, ...]:
    """'mon-fri 08:00-17:00, sat 09:00-12:00' -> intervals ('' = none: the callback modes apply)."""
    from firmware.modes.timetable import TimetableError, parse_weekdays, validate

    hours: list[Interval] = []
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            days, _, span = part.partition(" ")
            start, dash, end = span.strip().partition("-")
            if not dash:
                raise TimetableError(f"callback hours {part!r} are not accepted; write days and a time span, "
                                     "e.g. 'mon-fri 08:00-17:00, sat 09:00-12:00'")
            hours += [Interval(day, start.strip(), end.strip(), "day") for day in parse_weekdays(days)]
        return tuple(validate(hours))
    except TimetableError as exc:
        raise QueueError(f"callback hours: {exc}") from None


def format_hours(hours: tuple[Interval, ...]) -> str:
    from firmware.modes.timetable import WEEKDAYS

    return ", ".join(f"{WEEKDAYS[i.weekday]} {i.start}-{i.end}" for i in hours)


def in_callback_hours(db: sqlite_utils.Database, queue: Queue, mode: str, now: datetime | None = None) -> bool:
    """Callbacks may be made now: within the queue's own hours (not on a holiday), or in one of its
    callback modes when it has no hours of its own."""
    if not queue.callback_hours:
        return mode in queue.callback_modes
    from firmware.modes.state import holidays, local_now
    from firmware.modes.timetable import scheduled_mode

    local = local_now(db, now)
    return local.date() not in holidays(db) and scheduled_mode(list(parse_hours(queue.callback_hours)),
                                                                local) == "day"


# ---- callback requests ("we call you back"): stored, so they survive a restart ----------------
CALLBACK_STATES = ("waiting", "calling", "done", "failed", "cancelled")


@dataclass(frozen=True)
class Callback:
    id: int
    queue: str
    number: str  # as a desk phone dials it (with the outside-line code)
    requested_at: str  # ISO, UTC
    place: str  # ISO, UTC: when the caller joined the queue (their place in the order)
    state: str  # waiting, calling, done, failed, cancelled
    attempts: int  # tries that did not reach the caller
    next_at: str  # ISO, UTC: not before ('' = at once)
    agent: str  # who took (or is taking) it
    result: str  # what happened last, in words


# Requests from outside the phone system (a website's "call me back" form): how many one address
# may make, and one number may have, before further ones are refused.
REQUESTS_PER_ADDRESS = (5, 3600)  # at most 5 in an hour
REQUESTS_PER_NUMBER = (3, 86400)  # at most 3 in a day, and never a second one still open


class TooManyRequests(QueueError):
    """A callback request refused by the limits per number or per address."""


def request_callback(db: sqlite_utils.Database, queue: str, number: str, place: datetime,
                     source: str = "phone", address: str = "", by: str = "") -> Callback:
    """A caller (source 'phone') or a web form (source 'api', `by` the key or user) asks to be
    called back at `number`, keeping `place`."""
    now = datetime.now(UTC).isoformat()
    with write_transaction(db):
        row = db.table("queue_callbacks").insert({
            "queue": queue, "number": number, "requested_at": now, "place": place.isoformat(), "state": "waiting",
            "attempts": 0, "next_at": "", "agent": "", "result": f"requested by {by or source}", "source": source,
            "address": address})
    found = get_callback(db, int(row.last_pk or 0))
    assert found is not None
    return found


def check_request_limits(db: sqlite_utils.Database, queue: str, number: str, address: str,
                         now: datetime | None = None) -> None:
    """TooManyRequests when `number` already waits to be called back by `queue`, or it or `address`
    made the most requests allowed lately (a form on a website is open to anyone)."""
    at = now or datetime.now(UTC)
    if db.execute("SELECT 1 FROM queue_callbacks WHERE queue = ? AND number = ? AND state IN ('waiting', 'calling')",
                  [queue, number]).fetchone():
        raise TooManyRequests(f"{number} already waits to be called back by queue {queue}; one request is enough")
    for column, value, (most, seconds), what in (("number", number, REQUESTS_PER_NUMBER, f"number {number}"),
                                                  ("address", address, REQUESTS_PER_ADDRESS, f"address {address}")):
        if not value:
            continue
        since = datetime.fromtimestamp(at.timestamp() - seconds, UTC).isoformat()
        (count,) = db.execute(f"SELECT COUNT(*) FROM queue_callbacks WHERE {column} = ? AND requested_at > ? "
                              "AND source != 'phone'", [value, since]).fetchone()
        if int(count) >= most:
            raise TooManyRequests(f"{what} made {count} callback requests in the last {seconds // 3600} h, the most "
                                  "accepted; try again later")


def get_callback(db: sqlite_utils.Database, callback_id: int) -> Callback | None:
    row = db.execute("SELECT id, queue, number, requested_at, place, state, attempts, next_at, agent, result "
                     "FROM queue_callbacks WHERE id = ?", [callback_id]).fetchone()
    if row is None:
        return None
    return Callback(id=int(row[0]), queue=str(row[1]), number=str(row[2]), requested_at=str(row[3]),
                    place=str(row[4]), state=str(row[5]), attempts=int(row[6]), next_at=str(row[7] or ""),
                    agent=str(row[8] or ""), result=str(row[9] or ""))


def list_callbacks(db: sqlite_utils.Database, queue: str | None = None,
                   states: tuple[str, ...] = CALLBACK_STATES) -> list[Callback]:
    ids = db.execute(
        f"SELECT id FROM queue_callbacks WHERE (? IS NULL OR queue = ?) AND state IN "
        f"({','.join('?' * len(states))}) ORDER BY place, id", [queue, queue, *states]).fetchall()
    return [cb for (i,) in ids if (cb := get_callback(db, int(i))) is not None]


def due_callbacks(db: sqlite_utils.Database, queue: str, now: datetime) -> list[Callback]:
    """Waiting requests whose next try is due, in the order their callers joined."""
    return [cb for cb in list_callbacks(db, queue, ("waiting",)) if not cb.next_at or cb.next_at <= now.isoformat()]


def update_callback(db: sqlite_utils.Database, callback_id: int, **changes: object) -> None:
    unknown = set(changes) - {"state", "attempts", "next_at", "agent", "result"}
    if unknown:
        raise ValueError(f"callback fields {sorted(unknown)} cannot be changed")
    with write_transaction(db):
        db.table("queue_callbacks").update(callback_id, changes)


def callbacks_interrupted(db: sqlite_utils.Database) -> int:
    """At start: a callback the last run was making died with it; it waits again."""
    with write_transaction(db):
        cursor = db.execute("UPDATE queue_callbacks SET state = 'waiting', result = 'interrupted by a restart' "
                            "WHERE state = 'calling'")
    return int(cursor.rowcount or 0)
