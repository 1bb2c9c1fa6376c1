"""Agents' keys for their queues, from their own phone.

    *45 NUMBER   log in to the queue dialled as NUMBER, or out if logged in (dynamic agents)
    *45          the same for every queue the phone is a dynamic agent of
    *46 NUMBER   pause in that queue, or come back; once paused, a reason code (up to two
                 digits, then #) may follow the spoken confirmation
    *46          the same for every queue the phone is an agent of

Each change is said back and goes through the admin layer (firmware/admin/queues.py), as
the same change from `minipbx queue login|pause` or the HTTP API would, audited as made
by the extension from its phone. The running queues read it on their next round.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.admin import queues as admin_queues
from firmware.admin.context import Actor, Admin
from firmware.admin.errors import NotFound
from firmware.apps.session import Next, Session
from firmware.brain.routing import Feature
from firmware.dialplan.feature_codes import Argument, FeatureCode
from firmware.queues.config import Agent, Queue, QueueError, queue_by_number, queues_of

if TYPE_CHECKING:
    from firmware.queues.desk import QueueDesk

LOGIN = "*45"
PAUSE = "*46"
FEATURE_CODES = (
    FeatureCode(LOGIN, Argument.NUMBER, "queue", "queue agent: log in or out"),
    FeatureCode(PAUSE, Argument.NUMBER, "queue", "queue agent: pause or come back"),
)
REASON_SECONDS = 6.0


async def queue_feature(desk: QueueDesk, session: Session, feature: Feature) -> Next | None:
    """*45 / *46 for the calling extension (the one its phone is registered as)."""
    extension = session.info.auth_user
    code, number = feature.code[:3], feature.code[3:].rstrip("#")
    admin = Admin(desk.db, desk.data_dir, Actor(extension, "phone"))
    queues = _queues(desk, extension, number, dynamic_only=code == LOGIN)
    if not queues:
        session.note("feature", f"{code}{number}: {extension} is not an agent of "
                     f"{'queue ' + number if number else 'any queue'}")
        await session.play(desk.prompts(session, "queue-not-agent"), interruptible=False)
        return None
    try:
        if code == LOGIN:
            await _login(admin, session, desk, queues, extension)
        else:
            await _pause(admin, session, desk, queues, extension)
    except (QueueError, NotFound) as exc:
        session.note("feature", str(exc))
        await session.play(desk.prompts(session, "queue-not-agent"), interruptible=False)
    return None


def _queues(desk: QueueDesk, extension: str, number: str, *, dynamic_only: bool) -> list[Queue]:
    if number:
        queue = queue_by_number(desk.db, number)
        found = [queue] if queue is not None else []
    else:
        found = queues_of(desk.db, extension)
    return [q for q in found if (agent := q.agent(extension)) is not None and (agent.dynamic or not dynamic_only)]


def _agents(queues: list[Queue], extension: str) -> list[Agent]:
    """The phone's agent in each of these queues (_queues kept only queues it is an agent of)."""
    return [agent for q in queues if (agent := q.agent(extension)) is not None]


async def _login(admin: Admin, session: Session, desk: QueueDesk, queues: list[Queue], extension: str) -> None:
    # One toggle for all: out of every queue if logged in to any, else in to every one.
    logging_in = not any(a.logged_in for a in _agents(queues, extension))
    for queue in queues:
        (admin_queues.login if logging_in else admin_queues.logout)(admin, queue.name, extension)
    names = ", ".join(q.name for q in queues)
    session.note("feature", f"{extension} logged {'in to' if logging_in else 'out of'} queue {names}")
    desk.agents_changed()
    await session.play(desk.prompts(session, "queue-logged-in" if logging_in else "queue-logged-out"),
                       interruptible=False)


async def _pause(admin: Admin, session: Session, desk: QueueDesk, queues: list[Queue], extension: str) -> None:
    pausing = not any(a.paused for a in _agents(queues, extension))
    names = ", ".join(q.name for q in queues)
    if not pausing:
        for queue in queues:
            admin_queues.unpause(admin, queue.name, extension)
        session.note("feature", f"{extension} back in queue {names}")
        desk.agents_changed()
        await session.play(desk.prompts(session, "queue-unpaused"), interruptible=False)
        return
    for queue in queues:
        admin_queues.pause(admin, queue.name, extension)
    session.note("feature", f"{extension} paused in queue {names}")
    desk.agents_changed()
    await session.play(desk.prompts(session, "queue-paused"), interruptible=True)
    reason = await session.digits(max_digits=2, first_timeout=REASON_SECONDS)
    if reason:
        for queue in queues:
            admin_queues.pause(admin, queue.name, extension, reason)
        session.note("feature", f"{extension} paused in queue {names}, reason {reason}")
        await session.tone("confirm", 1.0)
