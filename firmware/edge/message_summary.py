"""The body of a message-summary NOTIFY (RFC 3842): made by the brain (mwi.py), read by the
line gateway's SIP agents. Its own module with nothing but `re` so that an agent process,
which only reads these bodies, does not load the edge RPC's asyncio or the store.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CONTENT_TYPE = "application/simple-message-summary"


@dataclass(frozen=True)
class MessageSummary:
    """What a message-summary NOTIFY tells a device."""

    waiting: bool
    new: int
    saved: int


_COUNTS = re.compile(r"\s*(\d{1,9})\s*/\s*(\d{1,9})(?:\s*\(\s*\d{1,9}\s*/\s*\d{1,9}\s*\))?\s*")


def parse_message_summary(body: str) -> MessageSummary | None:
    """Read an application/simple-message-summary body (RFC 3842); None when it has no
    valid Messages-Waiting line. Voice-Message counts are 0/0 when absent or malformed;
    other message classes (fax, ...) and unknown lines are ignored."""
    waiting: bool | None = None
    new = saved = 0
    for line in body.splitlines():
        name, colon, value = line.partition(":")
        if not colon:
            continue
        name, value = name.strip().lower(), value.strip()
        if name == "messages-waiting" and value.lower() in ("yes", "no"):
            waiting = value.lower() == "yes"
        elif name == "voice-message" and (counts := _COUNTS.fullmatch(value)):
            new, saved = int(counts.group(1)), int(counts.group(2))
    return None if waiting is None else MessageSummary(waiting, new, saved)


def message_summary(mailbox: str, realm: str, new: int, saved: int) -> str:
    """The application/simple-message-summary body (RFC 3842) for a voice mailbox."""
    return (f"Messages-Waiting: {'yes' if new > 0 else 'no'}\r\n"
            f"Message-Account: sip:{mailbox}@{realm}\r\n"
            f"Voice-Message: {new}/{saved}\r\n")
