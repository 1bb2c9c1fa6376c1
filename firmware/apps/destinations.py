"""Destinations: where a call goes next, written as text in routes, menus,
ring groups, forwarding, doors and queues.

    ext:101         an extension (with its forwarding, DND and voicemail)
    group:sales     a ring group
    ivr:main        a voice menu
    voicemail:101   leave a message in mailbox 101
    vmaccess        listen to messages (asks for mailbox and PIN)
    number:0301234  an outside number, dialled as an extension would dial it
    icm:returning   send a returning caller to the employee who last spoke with them
    conf:800        a conference room
    queue:sales     a call queue (callers wait their turn for an agent)
    hangup          release the caller

Each kind is declared by the feature that serves it (`DESTINATION_KINDS` in its
module): how its target is written, how to tell that the target exists, and either
an app that takes the caller (a session coroutine) or what the switch does with the
call. This module collects them, so that adding a kind is one declaration in the
feature's own module; the switch, the checks and the help text read the registry.
Where destinations are stored (and so what stops a removal) is declared the same way:
firmware/apps/references.py.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from firmware.apps.context import AppContext
    from firmware.apps.session import Next, Session
    from firmware.brain.calls import Call
    from firmware.brain.switch import Switch

_DIGITS = re.compile(r"\+?[0-9]{1,24}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


class Target(enum.Enum):
    NONE = "none"  # the kind alone: vmaccess, hangup
    DIGITS = "digits"  # ext:101, number:0301234
    NAME = "name"  # group:sales


# An app takes the caller: (apps' context, the caller's session, target, why the caller came
# here: 'busy' or 'unavailable', for a mailbox's greeting) -> where the caller goes next.
App = Callable[["AppContext", "Session", str, str], Coroutine[Any, Any, "Next | None"]]
# Or the switch carries the call on itself: (switch, call, target, how the call got here).
Serve = Callable[["Switch", "Call", str, "Next"], None]


@dataclass(frozen=True)
class DestinationKind:
    kind: str
    target: Target
    form: str  # as the help text writes it: group:NAME
    # One row when the target exists (one `?` for it), and the message when it does not ({} = the target).
    exists: str = ""
    missing: str = ""
    # Every target that exists now, as (target, label) rows: what a page offers to choose from, so
    # that nobody types a destination by hand. Empty for a kind whose target is typed (an outside
    # number) or that has none (hangup).
    choices: str = ""
    app: App | None = None
    serve: Serve | None = None


class DestinationError(ValueError):
    """A destination that is malformed or names nothing; the message says which and what is accepted."""


class DestinationKindClash(RuntimeError):
    pass


@dataclass(frozen=True)
class Destination:
    kind: str
    target: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.target}" if self.target else self.kind


@cache
def registry() -> dict[str, DestinationKind]:
    """Every kind, in the order the help text lists them. The owners are imported here, not at
    module load, so that checking a destination does not depend on the features it names."""
    from firmware.apps.icm.serve import DESTINATION_KINDS as ICM
    from firmware.apps.ivr.menu import DESTINATION_KINDS as MENUS
    from firmware.apps.ringgroups.ringing import DESTINATION_KINDS as GROUPS
    from firmware.apps.voicemail.kinds import DESTINATION_KINDS as VOICEMAIL
    from firmware.brain.ringing import DESTINATION_KINDS as RINGING
    from firmware.conference.app import DESTINATION_KINDS as ROOMS
    from firmware.queues.desk import DESTINATION_KINDS as QUEUES

    ext, number, hangup = RINGING
    return check_kinds((ext, *GROUPS, *MENUS, *VOICEMAIL, number, *ICM, *ROOMS, *QUEUES, hangup))


def check_kinds(kinds: tuple[DestinationKind, ...]) -> dict[str, DestinationKind]:
    """The kinds by name; two features claiming one kind, or a kind that neither an app nor the
    switch serves, is an error at start rather than a destination that leads nowhere."""
    by_name: dict[str, DestinationKind] = {}
    for kind in kinds:
        if kind.kind in by_name:
            raise DestinationKindClash(f"destination kind {kind.kind} is declared twice")
        if (kind.app is None) == (kind.serve is None):
            raise DestinationKindClash(f"destination kind {kind.kind} needs exactly one of an app or a serve")
        by_name[kind.kind] = kind
    return by_name


def kind_of(destination: Destination) -> DestinationKind:
    return registry()[destination.kind]


def accepted() -> str:
    forms = [kind.form for kind in registry().values()]
    return ", ".join(forms[:-1]) + " or " + forms[-1]


def parse_destination(text: str) -> Destination:
    """The destination a text names, checked for form only (see check_destination)."""
    text = text.strip()
    kinds = registry()
    bare = kinds.get(text)
    if bare is not None and bare.target is Target.NONE:
        return Destination(text)
    name, sep, target = text.partition(":")
    kind = kinds.get(name)
    if not sep or kind is None or kind.target is Target.NONE:
        raise DestinationError(f"destination {text!r} is not accepted; use {accepted()}")
    pattern = _DIGITS if kind.target is Target.DIGITS else _NAME
    if not pattern.fullmatch(target):
        what = "digits" if pattern is _DIGITS else "a name of letters, digits, '_', '.', '-'"
        raise DestinationError(f"destination {text!r}: {target!r} is not accepted after {name}:; use {what}")
    return Destination(name, target)


def check_destination(db: sqlite_utils.Database, text: str) -> str:
    """The destination in its normal form, or DestinationError naming what is wrong."""
    destination = parse_destination(text)
    kind = kind_of(destination)
    if kind.exists and not db.execute(kind.exists, [destination.target]).fetchone():
        raise DestinationError(f"destination {text!r}: " + kind.missing.format(destination.target))
    return str(destination)
