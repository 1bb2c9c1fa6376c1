"""Destinations: where a call goes next, written as text in routes, menus,
ring groups and forwarding.

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
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

KINDS = ("ext", "group", "ivr", "voicemail", "vmaccess", "number", "icm", "conf", "queue", "hangup")
_BARE = ("vmaccess", "hangup")
_DIGITS = re.compile(r"\+?[0-9]{1,24}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
ACCEPTED = ("ext:NUMBER, group:NAME, ivr:NAME, voicemail:NUMBER, vmaccess, number:DIGITS, icm:NAME, "
            "conf:NUMBER, queue:NAME or hangup")


class DestinationError(ValueError):
    """A destination that is malformed or names nothing; the message says which and what is accepted."""


@dataclass(frozen=True)
class Destination:
    kind: str
    target: str = ""

    def __str__(self) -> str:
        return self.kind if self.kind in _BARE else f"{self.kind}:{self.target}"


def parse_destination(text: str) -> Destination:
    """The destination a text names, checked for form only (see check_destination)."""
    text = text.strip()
    if text in _BARE:
        return Destination(text)
    kind, sep, target = text.partition(":")
    if not sep or kind not in KINDS or kind in _BARE:
        raise DestinationError(f"destination {text!r} is not accepted; use {ACCEPTED}")
    pattern = _DIGITS if kind in ("ext", "voicemail", "number", "conf") else _NAME
    if not pattern.fullmatch(target):
        what = "digits" if pattern is _DIGITS else "a name of letters, digits, '_', '.', '-'"
        raise DestinationError(f"destination {text!r}: {target!r} is not accepted after {kind}:; use {what}")
    return Destination(kind, target)


_EXISTS = {
    "ext": ("SELECT 1 FROM extensions WHERE number = ?", "extension {} does not exist; see `ext list`"),
    "voicemail": ("SELECT 1 FROM extensions WHERE number = ?", "no mailbox {}: there is no such extension"),
    "group": ("SELECT 1 FROM ring_groups WHERE name = ?", "ring group {} does not exist; see `ringgroup list`"),
    "ivr": ("SELECT 1 FROM ivr_menus WHERE name = ?", "voice menu {} does not exist; see `ivr list`"),
    "icm": ("SELECT 1 FROM icm_destinations WHERE name = ?",
            "returning-caller destination {} does not exist; see `icm list`"),
    "conf": ("SELECT 1 FROM conference_rooms WHERE number = ?", "conference room {} does not exist; see `conf list`"),
    "queue": ("SELECT 1 FROM queues WHERE name = ?", "queue {} does not exist; see `queue list`"),
}


def check_destination(db: sqlite_utils.Database, text: str) -> str:
    """The destination in its normal form, or DestinationError naming what is wrong."""
    destination = parse_destination(text)
    check = _EXISTS.get(destination.kind)
    if check is not None:
        query, message = check
        if not db.execute(query, [destination.target]).fetchone():
            raise DestinationError(f"destination {text!r}: " + message.format(destination.target))
    return str(destination)
