"""Call queues: create or change, list, delete; agents logged in or out, paused or back; the
figures of a period. The brain reads the queues per call, so the next caller gets a change."""
from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field, IPvAnyAddress

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import RequestCallback, ask
from firmware.queues import config as store
from firmware.queues.stats import queue_stats


class AgentView(BaseModel):
    extension: str = Field(description="an extension, number:DIGITS (an outside number) or group:NAME")
    penalty: int = Field(description="0 is rung first; a higher penalty only when no lower one is free")
    dynamic: bool = Field(description="logs in and out (*45); a static agent is always logged in")
    logged_in: bool
    paused: bool
    pause_reason: str = Field(description="the code keyed after *46 ('' = none)")
    via: str = Field(default="", description="group:NAME for an agent who is one as that group's member")


class QueueView(BaseModel):
    name: str
    number: str = Field(description="'' = reached only as queue:NAME")
    strategy: str
    music: str = Field(description="music class the waiting callers hear ('' = the default class)")
    ring_seconds: int
    retry_seconds: int
    wrapup_seconds: int
    max_callers: int = Field(description="0 = no limit")
    max_wait_seconds: int = Field(description="then the caller goes to overflow (0 = no limit)")
    announce_position: bool
    announce_seconds: int = Field(description="0 = only on entry")
    join_empty: bool
    leave_empty: bool
    overflow: str
    leave_key: str
    leave_destination: str
    service_level_seconds: int
    agents: list[AgentView] = Field(description="in list order, as configured")
    members: list[AgentView] = Field(description="who takes calls: the agents, each group's members in its place")
    callback_key: str = Field(description="a waiting caller presses it to be called back ('' = no callbacks)")
    callback_profile: str = Field(description="class of service the callback dials the caller's number with")
    callback_modes: list[str] = Field(description="operating modes in which callbacks are made (their hours)")
    callback_attempts: int = Field(description="tries to reach the caller before the request has failed")
    callback_retry_minutes: int
    callback_hours: str = Field(description="hours of their own in which callbacks are made, e.g. 'mon-fri "
                                            "08:00-17:00' ('' = the callback modes); never on a holiday")
    show_wait: bool = Field(description="the agent's phone shows how long the caller waited: 'sales 2:05: ACME'")
    announcement: str = Field(description="a custom prompt played with every announcement ('' = none)")
    whisper: str = Field(description="a custom prompt the agent hears on answering, before the caller ('' = none)")


class QueueChange(BaseModel):
    """Creates the queue, or changes what is given (fields left out are kept)."""
    model_config = ConfigDict(extra="forbid")
    number: str | None = None
    strategy: str | None = Field(default=None, description=f"one of: {', '.join(store.STRATEGIES)}")
    music: str | None = None
    ring_seconds: int | None = None
    retry_seconds: int | None = None
    wrapup_seconds: int | None = None
    max_callers: int | None = None
    max_wait_seconds: int | None = None
    announce_position: bool | None = None
    announce_seconds: int | None = None
    join_empty: bool | None = None
    leave_empty: bool | None = None
    overflow: str | None = Field(default=None, description="needed: where a caller goes who cannot join or wait")
    leave_key: str | None = None
    leave_destination: str | None = None
    service_level_seconds: int | None = None
    agents: list[str] | None = Field(
        default=None, description="in list order: 101, 102:2 (penalty 2), 103~ (dynamic: logs in and out), "
                                  "number:00401234567 (an outside number), group:support (a ring group's members)")
    callback_key: str | None = None
    callback_profile: str | None = Field(default=None, description="a class of service (`cos list`)")
    callback_modes: list[str] | None = Field(default=None, description="some of: day, lunch, break, night, holiday")
    callback_attempts: int | None = None
    callback_retry_minutes: int | None = None
    callback_hours: str | None = Field(default=None, description="e.g. 'mon-fri 08:00-17:00, sat 09:00-12:00'; "
                                                                 "'' = the callback modes")
    show_wait: bool | None = None
    announcement: str | None = Field(default=None, description="a custom prompt (`prompt list`), '' = none")
    whisper: str | None = Field(default=None, description="a custom prompt (`prompt list`), '' = none")


class AgentStatsView(BaseModel):
    extension: str
    answered: int
    talk_seconds: float
    average_talk_seconds: float


class QueueStatsView(BaseModel):
    queue: str
    from_date: str = Field(description="'' = since the first call")
    to_date: str = Field(description="'' = up to now")
    service_level_seconds: int
    offered: int = Field(description="callers who reached the queue")
    answered: int
    abandoned: int = Field(description="hung up while waiting")
    overflowed: int = Field(description="sent to the overflow destination")
    left: int = Field(description="pressed the leave key")
    answered_within_level: int = Field(description="answered after waiting at most service_level_seconds")
    service_level_percent: float | None = Field(
        description="answered_within_level as a percentage of the answered calls (null: none answered)")
    average_wait_seconds: float = Field(description="over every caller, whatever the outcome")
    longest_wait_seconds: float
    average_abandoned_wait_seconds: float
    average_talk_seconds: float = Field(description="over the answered calls")
    agents: list[AgentStatsView] = Field(description="the queue's agents, then others who answered in the period")
    callbacks_requested: int = Field(description="callers who asked to be called back instead of waiting")
    callbacks_completed: int = Field(description="callback requests of the period that reached the caller")
    callbacks_failed: int = Field(description="callback requests of the period that did not")


def _view(queue: store.Queue) -> QueueView:
    return QueueView.model_validate(asdict(queue))


def set_queue(admin: Admin, name: str, change: QueueChange) -> QueueView:
    queue = store.set_queue(admin.db, name, **change.model_dump())
    admin.audit("queue.set", name=name, **change.model_dump(exclude_none=True))
    return _view(queue)


def list_all(admin: Admin) -> list[QueueView]:
    return [_view(q) for q in store.list_queues(admin.db)]


def get(admin: Admin, name: str) -> QueueView:
    return _view(_stored(admin, name))


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_queue(admin.db, name)
    admin.audit("queue.remove", name=name)


def spec(agent: AgentView | store.Agent) -> str:
    """An agent as `agents` takes it: 101, 102:2, 103~."""
    return f"{agent.extension}{f':{agent.penalty}' if agent.penalty else ''}{'~' if agent.dynamic else ''}"


def _stored(admin: Admin, name: str) -> store.Queue:
    queue = store.get_queue(admin.db, name)
    if queue is None:
        raise NotFound(f"queue {name} does not exist; see `queue list`")
    return queue


def add_agent(admin: Admin, name: str, wanted: str) -> QueueView:
    """One more agent at the end of the list (`102`, `102:2`, `102~`), or the same one changed in place."""
    queue = _stored(admin, name)
    extension = _entry(wanted)
    specs = [wanted.strip() if a.extension == extension else spec(a) for a in queue.agents]
    if queue.listed(extension) is None:
        specs.append(wanted.strip())
    changed = store.set_queue(admin.db, name, agents=specs)
    admin.audit("queue.agent_add", name=name, agent=wanted.strip())
    return _view(changed)


def _entry(text: str) -> str:
    """The agent an entry of `agents` names: '102:2~' -> '102', 'group:support:1' -> 'group:support'."""
    parts = text.strip().rstrip("~").split(":")
    return ":".join(parts[:2]) if parts[0] in ("number", "group") else parts[0]


def remove_agent(admin: Admin, name: str, extension: str) -> QueueView:
    queue = _stored(admin, name)
    extension = _entry(extension)
    if queue.listed(extension) is None:
        via = queue.agent(extension)
        also = f" ({extension} is one as a member of ring group {via.via[6:]}: remove it there, or remove " \
               f"{via.via})" if via is not None and via.via else ""
        raise store.QueueError(f"{extension} is not an agent of queue {name}{also}; its agents are "
                               f"{', '.join(a.extension for a in queue.agents) or '(none)'}")
    changed = store.set_queue(admin.db, name, agents=[spec(a) for a in queue.agents if a.extension != extension])
    admin.audit("queue.agent_remove", name=name, extension=extension)
    return _view(changed)


def _agent_change(admin: Admin, action: str, name: str, extension: str, agent: store.Agent,
                  **detail: object) -> AgentView:
    admin.audit(f"queue.{action}", name=name, extension=extension, **detail)
    return AgentView.model_validate(asdict(agent))


def login(admin: Admin, name: str, extension: str) -> AgentView:
    get(admin, name)
    return _agent_change(admin, "login", name, extension, store.set_login(admin.db, name, extension, True))


def logout(admin: Admin, name: str, extension: str) -> AgentView:
    get(admin, name)
    return _agent_change(admin, "logout", name, extension, store.set_login(admin.db, name, extension, False))


def pause(admin: Admin, name: str, extension: str, reason: str = "") -> AgentView:
    get(admin, name)
    agent = store.set_pause(admin.db, name, extension, True, reason)
    return _agent_change(admin, "pause", name, extension, agent, reason=reason)


def unpause(admin: Admin, name: str, extension: str) -> AgentView:
    get(admin, name)
    return _agent_change(admin, "unpause", name, extension, store.set_pause(admin.db, name, extension, False))


def stats(admin: Admin, name: str | None = None, from_date: str | None = None,
          to_date: str | None = None) -> list[QueueStatsView]:
    """The figures of one queue (None: every queue) for the callers who joined on the days
    from `from_date` to `to_date` (YYYY-MM-DD, both included; None: no bound)."""
    if name is not None:
        get(admin, name)
    return [QueueStatsView.model_validate(asdict(s)) for s in queue_stats(admin.db, name, from_date, to_date)]


class WaitingCaller(BaseModel):
    caller: str
    position: int
    waited: float = Field(description="seconds in the queue so far")
    ringing: list[str] = Field(description="agents ringing for this caller now")
    vip: bool


class QueueNow(BaseModel):
    queue: str
    waiting: list[WaitingCaller]
    wrapup: dict[str, float] = Field(description="agents wrapping up: seconds of rest left")


def now(admin: Admin, name: str) -> QueueNow:
    """Who waits in the queue now and who rings for them; ControlError when the PBX is not running."""
    get(admin, name)
    live = ask(control_socket(admin.data_dir), "status").get("queues", {})
    found = live.get(name) if isinstance(live, dict) else None
    if not isinstance(found, dict):
        return QueueNow(queue=name, waiting=[], wrapup={})
    return QueueNow.model_validate({"queue": name, **found})


class CallbackView(BaseModel):
    id: int
    queue: str
    number: str = Field(description="as a desk phone dials it (with the outside-line code)")
    requested_at: str
    place: str = Field(description="when the caller joined the queue: their place in the order")
    state: str = Field(description=f"one of: {', '.join(store.CALLBACK_STATES)}")
    attempts: int = Field(description="tries that did not reach the caller")
    next_at: str = Field(description="not tried again before this ('' = when it is their turn)")
    agent: str
    result: str = Field(description="what happened last")


class CallbackRequest(BaseModel):
    """A "call me back" request, e.g. from a website's form."""
    model_config = ConfigDict(extra="forbid")
    number: str = Field(min_length=3, max_length=40, examples=["0401234567"],
                        description="the number to call back, as the caller gives it (without the outside-line "
                                    "code); spaces, dashes and a leading + are fine")
    visitor_address: IPvAnyAddress | None = Field(
        default=None, examples=["203.0.113.7"],
        description="a website that relays its visitors' requests names the visitor's address here: the limit "
                    "per address then applies to the visitor, not to the website")


def request_callback(admin: Admin, name: str, request: CallbackRequest) -> CallbackView:
    """The queue calls `number` back when it is its turn, as for a caller who pressed the callback
    key; refused (ControlError) when the queue may not dial it, the number already waits or made
    too many requests lately, or the PBX is not running."""
    _stored(admin, name)
    address = str(request.visitor_address) if request.visitor_address is not None else admin.actor.address
    answer = ask(control_socket(admin.data_dir), RequestCallback(queue=name, number=request.number,
                                                                 by=admin.actor.who, address=address))
    made = store.get_callback(admin.db, int(str(answer["callback"])))
    assert made is not None
    admin.audit("queue.callback_request", name=name, number=made.number, id=made.id)
    return CallbackView.model_validate(asdict(made))


def callbacks(admin: Admin, name: str | None = None) -> list[CallbackView]:
    """Callback requests, oldest place first (every queue, or one)."""
    if name is not None:
        get(admin, name)
    return [CallbackView.model_validate(asdict(cb)) for cb in store.list_callbacks(admin.db, name)]
