"""The SLIC controller protocol parsers, both directions, with broken input."""

from __future__ import annotations

import pytest

from hal.fxs.protocol import Event, ProtocolError, Reply, Request, format_line, parse_controller_line, parse_request


@pytest.mark.parametrize(
    ("line", "request_"),
    [
        ("1 HELLO", Request(1, "HELLO", ())),
        ("42 RING 2 2000 4000", Request(42, "RING", ("2", "2000", "4000"))),
        ("7 RING 1 400 200 400 2000", Request(7, "RING", ("1", "400", "200", "400", "2000"))),
        ("8 CID 1 0401234567 Front desk, Helsinki", Request(8, "CID", ("1", "0401234567", "Front desk, Helsinki"))),
        ("9 CID 2 P", Request(9, "CID", ("2", "P"))),
        ("10 POLARITY 1 REVERSE", Request(10, "POLARITY", ("1", "REVERSE"))),
        ("9999 STATUS 12", Request(9999, "STATUS", ("12",))),
    ],
)
def test_valid_requests(line: str, request_: Request) -> None:
    assert parse_request(line) == request_


@pytest.mark.parametrize(
    ("line", "code", "message"),
    [
        ("HELLO", "bad-command", "needs a sequence number"),
        ("12345 HELLO", "bad-command", "sequence number"),
        ("1 DANCE 1", "bad-command", "unknown verb"),
        ("1 RING", "bad-port", "needs a port"),
        ("1 RING x 2000 4000", "bad-port", "port 'x'"),
        ("1 RING 1 2000", "bad-argument", "pairs"),
        ("1 RING 1 20 4000", "bad-argument", "50-10000"),
        ("1 CID 1 12ab", "bad-argument", "CID needs a number"),
        ("1 CID 1 123 " + "N" * 40, "bad-argument", "longer than 32"),
        ("1 POLARITY 1 SIDEWAYS", "bad-argument", "NORMAL or REVERSE"),
        ("1 STOP 1 now", "bad-argument", "only a port"),
        ("1 HELLO again", "bad-argument", "no arguments"),
        ("1 STATUS \x07", "bad-command", "non-printable"),
        ("1 " + "X" * 100, "bad-command", "limit is 80"),
    ],
)
def test_invalid_requests_name_the_problem_and_the_error_code(line: str, code: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message) as error:
        parse_request(line)
    assert error.value.code == code


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("12 OK", Reply(12, True, ())),
        ("3 OK SLIC 1 4", Reply(3, True, ("SLIC", "1", "4"))),
        ("4 ERR busy port 1 is off hook", Reply(4, False, ("busy", "port", "1", "is", "off", "hook"))),
        ("! HOOK 2 OFF", Event("HOOK", 2, ("OFF",))),
        ("! DIGIT 1 #", Event("DIGIT", 1, ("#",))),
        ("! FLASH 1", Event("FLASH", 1, ())),
        ("! FAULT 2 overcurrent", Event("FAULT", 2, ("overcurrent",))),
        ("! BOOT 1 4", Event("BOOT", 0, ("1", "4"))),
    ],
)
def test_valid_controller_lines(line: str, message: Reply | Event) -> None:
    assert parse_controller_line(line) == message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("OK", "neither an event"),
        ("12", "neither an event"),
        ("x OK", "sequence number"),
        ("5 ERR", "without a known code"),
        ("5 ERR whoops", "without a known code"),
        ("! RING 1", "unknown event"),
        ("!", "unknown event"),
        ("! HOOK", "without a port"),
        ("! HOOK 0 OFF", "port '0'"),
        ("! HOOK 1 MAYBE", "ON or OFF"),
        ("! DIGIT 1 12", "one digit"),
        ("! DIGIT 1 E", "one digit"),
        ("! FLASH 1 2", "only a port"),
        ("! FAULT 1", "needs a reason"),
        ("! BOOT one", "version and a port count"),
        ("\x00\x01", "non-printable"),
    ],
)
def test_malformed_controller_lines_raise_protocol_error(line: str, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        parse_controller_line(line)


def test_format_line_joins_words_with_single_spaces_and_lf() -> None:
    assert format_line(3, "RING", 1, 2000, 4000) == b"3 RING 1 2000 4000\n"
