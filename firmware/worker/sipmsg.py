"""Reading the few fields the brain needs from an incoming INVITE's text."""
from __future__ import annotations

import re
from dataclasses import dataclass

_USER = re.compile(r"sips?:([^@;>\s]+)@", re.IGNORECASE)
_DISPLAY = re.compile(r'^\s*(?:"((?:[^"\\]|\\.)*)"|([^<"]*?))\s*<')
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
    from_value = headers.get("from", "")
    display = _DISPLAY.match(from_value)
    name = ""
    if display:
        name = (display.group(1) if display.group(1) is not None else display.group(2) or "").replace('\\"', '"')
    return InviteSummary(
        request_user=_user(request_uri),
        from_user=_user(from_value),
        from_name=name.strip(),
        to_user=_user(headers.get("to", "")),
        call_id=headers.get("call-id", ""),
        headers=headers,
    )
