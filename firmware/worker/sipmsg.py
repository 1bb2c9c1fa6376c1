"""Reading the few fields the brain needs from an incoming INVITE's text."""
from __future__ import annotations

import re
from dataclasses import dataclass

_USER = re.compile(r"sips?:([^@;>\s]+)@", re.IGNORECASE)
# Possessive quantifiers keep this linear: a 64 KB header of spaces must not stall the worker.
_DISPLAY = re.compile(r'^\s*+(?:"((?:[^"\\]|\\.)*+)"\s*+|([^<"]*+))<')
_ESCAPE = re.compile(r"\\(.)")
_COMPACT = {"f": "from", "t": "to", "i": "call-id", "m": "contact"}


@dataclass(frozen=True)
class InviteSummary:
    request_user: str
    from_user: str
    from_name: str
    to_user: str
    call_id: str
    headers: dict[str, str]


def _user(uri_text: str) -> str:
    match = _USER.search(uri_text)
    return match.group(1) if match else ""


def _name_addr(value: str) -> tuple[str, str]:
    """(display name, the rest from the URI on) of a From/To value; the name unescaped."""
    display = _DISPLAY.match(value)
    if display is None:
        return "", value
    quoted, plain = display.group(1), display.group(2)
    name = _ESCAPE.sub(r"\1", quoted) if quoted is not None else plain
    # The URI is looked for after the display name, which may itself look like "sip:x@y".
    return name.strip(), value[display.end():]


def parse_invite(text: str) -> InviteSummary:
    """Tolerant: a missing or odd header gives an empty field, never an exception."""
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n") if "\r\n" in head else head.split("\n")
    request_line = lines[0].split() if lines else []
    request_uri = request_line[1] if len(request_line) >= 2 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        key = _COMPACT.get(key, key)
        headers.setdefault(key, value.strip())
    from_name, from_uri = _name_addr(headers.get("from", ""))
    return InviteSummary(
        request_user=_user(request_uri),
        from_user=_user(from_uri),
        from_name=from_name,
        to_user=_user(_name_addr(headers.get("to", ""))[1]),
        call_id=headers.get("call-id", ""),
        headers=headers,
    )
