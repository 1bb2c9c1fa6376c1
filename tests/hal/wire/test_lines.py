from __future__ import annotations

from hal.wire.lines import BadLine, LineSplitter


def test_lines_split_on_cr_lf_and_crlf_and_survive_chunking() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"\r\nOK\r") == ["OK"]
    assert splitter.feed(b"\nRI") == []
    assert splitter.feed(b"NG\nA\rB\r\n") == ["RING", "A", "B"]


def test_an_overlong_line_is_reported_once_and_the_next_line_still_parses() -> None:
    splitter = LineSplitter(max_length=10)
    out = splitter.feed(b"x" * 25 + b"y" * 30 + b"\nOK\n")
    assert isinstance(out[0], BadLine) and "longer than 10" in out[0].reason
    assert out[1:] == ["OK"]


def test_binary_garbage_becomes_bad_lines_not_exceptions() -> None:
    out = LineSplitter().feed(b"\xff\xfe\x00\n\x01\x02\nHOOK\n")
    assert [type(item) for item in out] == [BadLine, BadLine, str]
    assert isinstance(out[0], BadLine) and "non-ASCII" in out[0].reason
    assert isinstance(out[1], BadLine) and "control characters" in out[1].reason
