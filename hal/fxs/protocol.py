"""The SLIC line-controller protocol: ASCII lines, one message per line.

The authoritative description is docs/hardware/slic-controller.md; this module is
its executable form, used by both the driver and the simulator so that they cannot
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "1"
MAX_LINE = 80
MAX_SEQ = 9999
MAX_NAME = 32
CID_NUMBER_CHARS = "0123456789*#+PO"
HOOK_WORDS = {"ON": False, "OFF": True}  # word -> off_hook
ERROR_CODES = ("bad-command", "bad-port", "bad-argument", "busy", "fault")
EVENT_KINDS = ("HOOK", "DIGIT", "FLASH", "FAULT", "BOOT")
VERBS = ("HELLO", "RING", "CID", "STOP", "POLARITY", "STATUS", "RESET")


class ProtocolError(ValueError):
    """A line that breaks the protocol; `code` is the ERR code a controller would send."""

    def __init__(self, message: str, code: str = "bad-argument") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Request:
    seq: int
    verb: str
    args: tuple[str, ...]


@dataclass(frozen=True)
class Reply:
    seq: int
    ok: bool
    words: tuple[str, ...]  # after OK: data; after ERR: (code, text words...)


@dataclass(frozen=True)
class Event:
    kind: str
    port: int  # 0 for controller-wide events (BOOT)
    args: tuple[str, ...]


def _seq(word: str) -> int:
    if not word.isdigit() or len(word) > 4:
        raise ProtocolError(f"sequence number {word!r} is not 0-{MAX_SEQ}", "bad-command")
    return int(word)


def _port(word: str) -> int:
    if not word.isdigit() or not 1 <= int(word) <= 99:
        raise ProtocolError(f"port {word!r} is not a number 1-99", "bad-port")
    return int(word)


def _check_line(line: str) -> None:
    if len(line) > MAX_LINE:
        raise ProtocolError(f"line is {len(line)} characters, the limit is {MAX_LINE}", "bad-command")
    if not line.isascii() or not line.isprintable():
        raise ProtocolError("line has non-printable or non-ASCII characters", "bad-command")


def cadence_ms(word: str) -> int:
    if not word.isdigit() or not 50 <= int(word) <= 10000:
        raise ProtocolError(f"cadence step {word!r} is not 50-10000 ms")
    return int(word)


def parse_request(line: str) -> Request:
    """Parse and validate a host -> controller line."""
    _check_line(line)
    words = line.split()
    if len(words) > 1 and words[1] == "CID":
        # The caller's name is the rest of the line and may contain spaces.
        words = line.split(maxsplit=4)
    if len(words) < 2:
        raise ProtocolError(f"request {line!r} needs a sequence number and a verb", "bad-command")
    seq, verb, args = _seq(words[0]), words[1], tuple(words[2:])
    if verb not in VERBS:
        raise ProtocolError(f"unknown verb {verb!r}", "bad-command")
    if verb in ("HELLO", "RESET"):
        if args:
            raise ProtocolError(f"{verb} takes no arguments")
    elif not args:
        raise ProtocolError(f"{verb} needs a port number", "bad-port")
    else:
        _port(args[0])
        _check_arguments(verb, args[1:])
    return Request(seq, verb, args)


def _check_arguments(verb: str, rest: tuple[str, ...]) -> None:
    if verb == "RING":
        if not rest or len(rest) % 2 or len(rest) > 8:
            raise ProtocolError("RING needs 1 to 4 pairs of on/off milliseconds")
        for word in rest:
            cadence_ms(word)
    elif verb == "CID":
        if not rest or not rest[0] or any(c not in CID_NUMBER_CHARS for c in rest[0]) or len(rest[0]) > 20:
            raise ProtocolError("CID needs a number of up to 20 characters from " + CID_NUMBER_CHARS)
        if len(rest) > 1 and len(rest[1]) > MAX_NAME:
            raise ProtocolError(f"CID name is longer than {MAX_NAME} characters")
    elif verb == "POLARITY":
        if rest not in (("NORMAL",), ("REVERSE",)):
            raise ProtocolError("POLARITY takes NORMAL or REVERSE")
    elif rest:
        raise ProtocolError(f"{verb} takes only a port number")


def parse_controller_line(line: str) -> Reply | Event:
    """Parse and validate a controller -> host line."""
    _check_line(line)
    words = line.split()
    if not words:
        raise ProtocolError("empty line", "bad-command")
    if words[0] == "!":
        return _parse_event(words[1:])
    if len(words) < 2 or words[1] not in ("OK", "ERR"):
        raise ProtocolError(f"{line!r} is neither an event (!) nor a reply (<seq> OK|ERR)", "bad-command")
    seq = _seq(words[0])
    if words[1] == "ERR" and (len(words) < 3 or words[2] not in ERROR_CODES):
        raise ProtocolError(f"ERR reply without a known code: {line!r}", "bad-command")
    return Reply(seq, words[1] == "OK", tuple(words[2:]))


def _parse_event(words: list[str]) -> Event:
    if not words or words[0] not in EVENT_KINDS:
        raise ProtocolError(f"unknown event {' '.join(words)!r}", "bad-command")
    kind, args = words[0], words[1:]
    if kind == "BOOT":
        if len(args) != 2 or not args[1].isdigit():
            raise ProtocolError("BOOT needs a version and a port count")
        return Event(kind, 0, tuple(args))
    if not args:
        raise ProtocolError(f"{kind} event without a port", "bad-port")
    port = _port(args[0])
    rest = tuple(args[1:])
    if kind == "HOOK" and rest not in (("ON",), ("OFF",)):
        raise ProtocolError("HOOK event needs ON or OFF")
    if kind == "DIGIT" and (len(rest) != 1 or len(rest[0]) != 1 or rest[0] not in "0123456789*#ABCD"):
        raise ProtocolError("DIGIT event needs one digit 0-9, *, #, A-D")
    if kind == "FLASH" and rest:
        raise ProtocolError("FLASH event takes only a port")
    if kind == "FAULT" and not rest:
        raise ProtocolError("FAULT event needs a reason")
    return Event(kind, port, rest)


def format_line(*words: object) -> bytes:
    return (" ".join(str(word) for word in words) + "\n").encode("ascii")
