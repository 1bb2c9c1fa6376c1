"""The brain <-> call worker protocol (documented in docs/worker-protocol.md).

One JSON object per line over a socketpair the brain hands the worker at start.
Every message has a "type". Commands flow brain -> worker, events worker -> brain.
Legs are named by tokens: the brain names the legs it asks for (dial), the worker
names incoming legs "w<worker>-<n>".
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

Message = dict[str, Any]

# Fields each message must carry besides "type", per direction. A few types name both a
# command and an event ("status", "dtmf") with different fields, so each direction has its own table.
COMMANDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "answer": ("leg", "code"),
    "dial": ("leg", "uri", "from_uri"),
    "hangup": ("leg",),
    "bridge": ("a", "b"),
    "unbridge": ("a", "b"),
    "music": ("leg", "files"),
    "stop_music": ("leg",),
    "allow_transfer": ("leg",),
    "tone": ("leg", "segments"),
    "stop_tone": ("leg",),
    "play": ("leg", "id", "files"),
    "stop_play": ("leg",),
    "record": ("leg", "id", "path", "max_seconds"),
    "stop_record": ("leg",),
    "dtmf": ("leg", "digits"),
    "status": (),
})
EVENTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "hello": ("worker", "capacity", "pid"),
    "incoming": ("leg", "call_id", "from_user", "to_user"),
    "progress": ("leg", "code"),
    "answered": ("leg",),
    "media": ("leg",),
    "dtmf": ("leg", "digit"),
    "held": ("leg",),
    "resumed": ("leg",),
    "refer": ("leg", "target"),
    "played": ("leg", "id"),
    "recorded": ("leg", "id", "path", "seconds", "reason"),
    "ended": ("leg", "code", "reason"),
    "error": ("message",),
    "status": (),
})
# Both tables in one, by type; where a command and an event share a type, the event's fields.
REQUIRED: Mapping[str, tuple[str, ...]] = MappingProxyType({**COMMANDS, **EVENTS})


class ProtocolError(ValueError):
    """A line that is not a valid message; the text says what is wrong."""


def encode(message: Message) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode(line: bytes, accepted: Mapping[str, tuple[str, ...]]) -> Message:
    """Parse one line; raise ProtocolError unless it is a complete message of a type in `accepted`
    (COMMANDS or EVENTS: type -> required fields)."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"not JSON: {line[:80]!r} ({exc})") from None
    except RecursionError:
        raise ProtocolError(f"JSON nested too deeply: {line[:80]!r}") from None
    if not isinstance(message, dict):
        raise ProtocolError(f"not a JSON object: {line[:80]!r}")
    kind = message.get("type")
    # A list or object as "type" is not hashable; it must be refused, not crash the reader.
    if not isinstance(kind, str) or kind not in accepted:
        raise ProtocolError(f"unknown message type {kind!r}; accepted: {', '.join(sorted(accepted))}")
    missing = [field for field in accepted[kind] if field not in message]
    if missing:
        raise ProtocolError(f"{kind} message lacks {', '.join(missing)}: {line[:120]!r}")
    return message
