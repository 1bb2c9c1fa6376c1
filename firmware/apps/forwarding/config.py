"""Call forwarding and do-not-disturb of one extension, as configured.

Forwarding goes to another extension (ext:N), an outside number as the
extension would dial it from its desk (number:DIGITS, access code first; the
call flow applies the extension's class of service), a mailbox (voicemail:N), a
ring group (group:NAME) or a call queue (queue:NAME).
An extension without a row has nothing set.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination, parse_destination
from firmware.dialplan.numbering import Kind
from firmware.dialplan.plan import load_plan
from firmware.store.database import write_transaction

# Where extensions forward calls (firmware/apps/references.py).
DESTINATION_USES = tuple(
    f"SELECT 'forwarding of ' || number || ' ({label})' FROM forwarding WHERE {column} = ?"
    for column, label in (("always", "always"), ("busy", "busy"), ("no_answer", "no answer"),
                          ("unregistered", "unregistered")))

KINDS = ("ext", "number", "voicemail", "group", "queue")
WHICH = ("always", "busy", "no_answer", "unregistered")
NO_ANSWER_SECONDS = (5, 120)


class ForwardingError(ValueError):
    """A forwarding setting that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Forwarding:
    number: str
    dnd: bool
    always: str  # '' = not set; else ext:N, number:DIGITS, voicemail:N, group:NAME or queue:NAME
    busy: str
    no_answer: str
    no_answer_seconds: int  # how long the extension rings before no_answer applies
    unregistered: str  # when no phone of the extension is registered

    def active(self) -> dict[str, str]:
        """The forwardings that are set, by kind (always, busy, no_answer, unregistered)."""
        return {which: getattr(self, which) for which in WHICH if getattr(self, which)}


def _defaults(number: str) -> Forwarding:
    return Forwarding(number, False, "", "", "", 15, "")


def get_forwarding(db: sqlite_utils.Database, number: str) -> Forwarding:
    """The extension's forwarding and DND; nothing set when it has no row."""
    row = db.execute("SELECT dnd, always, busy, no_answer, no_answer_seconds, unregistered FROM forwarding "
                     "WHERE number = ?", [number]).fetchone()
    if row is None:
        return _defaults(number)
    return Forwarding(number, bool(row[0]), str(row[1] or ""), str(row[2] or ""), str(row[3] or ""), int(row[4]),
                      str(row[5] or ""))


def set_forwarding(db: sqlite_utils.Database, number: str, **changes: object) -> Forwarding:
    """Change some of: always, busy, no_answer, unregistered (destination or ''), no_answer_seconds, dnd."""
    unknown = sorted(set(changes) - {*WHICH, "no_answer_seconds", "dnd"})
    if unknown:
        raise ForwardingError(f"forwarding setting(s) {', '.join(unknown)} not known; use: "
                              f"{', '.join(WHICH)}, no_answer_seconds, dnd")
    with write_transaction(db):
        _check_extension(db, number)
        current = get_forwarding(db, number)
        checked: dict[str, object] = {}
        for key, value in changes.items():
            if key == "dnd":
                checked[key] = bool(value)
            elif key == "no_answer_seconds":
                checked[key] = _check_seconds(value)
            else:
                checked[key] = _check_target(db, number, key, str(value))
        fields = asdict(current)
        fields.update(checked)
        _store(db, Forwarding(**fields))
    return get_forwarding(db, number)


def clear_forwarding(db: sqlite_utils.Database, number: str, which: str) -> Forwarding:
    """Unset one forwarding (always, busy, no_answer, unregistered) or 'all' of them; DND stays as it is."""
    which = which.replace("-", "_")
    if which != "all" and which not in WHICH:
        raise ForwardingError(f"forwarding {which!r} is not known; use one of: {', '.join(WHICH)} or all")
    return set_forwarding(db, number, **{w: "" for w in (WHICH if which == "all" else (which,))})


def set_dnd(db: sqlite_utils.Database, number: str, on: bool) -> Forwarding:
    """Do not disturb: callers get busy (or the busy forwarding) without the phone ringing."""
    return set_forwarding(db, number, dnd=on)


def parse_phone_target(db: sqlite_utils.Database, digits: str) -> str:
    """The destination a user keys on the phone after a forwarding code: an extension ('102' -> 'ext:102'), a ring
    group's or a queue's number ('600' -> 'queue:sales') or an outside number as dialled from the desk
    ('0030123456' -> 'number:0030123456'); ForwardingError otherwise."""
    digits = digits.strip()
    if not digits.isdigit():
        raise ForwardingError(f"{digits!r} is not a number to forward to; key an extension number or the "
                              "access code and an outside number")
    plan = load_plan(db)
    dialled = plan.classify(digits)
    if dialled.kind in (Kind.EXTENSION, Kind.OPERATOR):
        if dialled.number and db.execute("SELECT 1 FROM extensions WHERE number = ?", [dialled.number]).fetchone():
            return f"ext:{dialled.number}"
        group = db.execute("SELECT name FROM ring_groups WHERE number = ? AND strategy != 'page'",
                           [digits]).fetchone()
        if group:
            return f"group:{group[0]}"
        queue = db.execute("SELECT name FROM queues WHERE number = ?", [digits]).fetchone()
        if queue:
            return f"queue:{queue[0]}"
        raise ForwardingError(f"extension {digits} does not exist; key an existing extension or the access code "
                              f"{plan.outside_prefix} and an outside number")
    if dialled.kind is Kind.OUTSIDE:
        return f"number:{digits}"
    if dialled.kind is Kind.EMERGENCY:
        raise ForwardingError(f"{digits} is an emergency number; calls cannot be forwarded there")
    raise ForwardingError(f"{digits} is neither an extension nor an outside number; key an extension number or the "
                          f"access code {plan.outside_prefix} and an outside number")


# ---- validation and storage ------------------------------------------------------------------
def _check_extension(db: sqlite_utils.Database, number: str) -> None:
    if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
        raise ForwardingError(f"extension {number} does not exist; see `ext list`")


def _check_seconds(value: object) -> int:
    low, high = NO_ANSWER_SECONDS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ForwardingError(f"no-answer time {value!r} s is not accepted; use a whole number of seconds "
                              f"{low}-{high}")
    return value


def _check_target(db: sqlite_utils.Database, number: str, which: str, text: str) -> str:
    label = which.replace("_", "-")
    if not text.strip():
        return ""
    try:
        kind = parse_destination(text).kind
        if kind not in KINDS:
            raise ForwardingError(f"forwarding {label} of {number}: {text.strip()} is not accepted; forward to "
                                  "ext:NUMBER, number:DIGITS (an outside number), voicemail:NUMBER, group:NAME "
                                  "or queue:NAME")
        destination = check_destination(db, text)
    except DestinationError as exc:
        raise ForwardingError(f"forwarding {label} of {number}: {exc}") from None
    target = destination.partition(":")[2]
    if kind == "group" and db.execute("SELECT 1 FROM ring_groups WHERE name = ? AND strategy = 'page'",
                                      [target]).fetchone():
        raise ForwardingError(f"forwarding {label} of {number}: {destination} is a paging group, whose phones "
                              "answer by themselves; forward to a ringing group, a queue or a person")
    if kind == "ext" and target == number:
        raise ForwardingError(f"forwarding {label} of {number} to itself ({destination}) is refused; use another "
                              f"extension, an outside number or voicemail:{number}")
    if kind == "number":
        plan = load_plan(db)
        if not target.isdigit() or plan.classify(target).kind is not Kind.OUTSIDE:
            raise ForwardingError(
                f"forwarding {label} of {number}: {destination} is not an outside number; write it as the desk "
                f"phone dials it, with the access code {plan.outside_prefix} first "
                f"(e.g. number:{plan.outside_prefix}301234567), or use ext:NUMBER for an extension")
    return destination


def _store(db: sqlite_utils.Database, forwarding: Forwarding) -> None:
    # A row back at the defaults is dropped, so an extension with nothing set has no row.
    if replace(forwarding, number="") == _defaults(""):
        db.execute("DELETE FROM forwarding WHERE number = ?", [forwarding.number])
        return
    db.execute(
        "INSERT INTO forwarding (number, dnd, always, busy, no_answer, no_answer_seconds, unregistered) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(number) DO UPDATE SET dnd = excluded.dnd, "
        "always = excluded.always, busy = excluded.busy, no_answer = excluded.no_answer, "
        "no_answer_seconds = excluded.no_answer_seconds, unregistered = excluded.unregistered",
        [forwarding.number, int(forwarding.dnd), forwarding.always, forwarding.busy, forwarding.no_answer,
         forwarding.no_answer_seconds, forwarding.unregistered])
