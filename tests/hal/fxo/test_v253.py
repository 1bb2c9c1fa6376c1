"""The V.253 parser on hand-made byte streams, including broken ones."""

from __future__ import annotations

import pytest

from hal.fxo.v253 import (
    AudioData,
    CallerIdCollector,
    DigitReport,
    LineSignal,
    Malformed,
    ModemParser,
    ResultLine,
    SignalReport,
    StreamEnded,
    VoiceFormat,
)
from hal.ports import CallerId

DLE, ETX = b"\x10", b"\x03"


def test_result_lines_in_command_mode() -> None:
    parser = ModemParser()
    assert parser.feed(b"\r\nOK\r\n\r\nRING\r\n") == [ResultLine("OK"), ResultLine("RING")]


def test_connect_switches_to_audio_at_the_exact_byte() -> None:
    parser = ModemParser()
    parser.arm_stream()
    out = parser.feed(b"\r\nCONNECT\r\n\x80\x81" + DLE + DLE + b"\x7f")
    assert out == [ResultLine("CONNECT"), AudioData(b"\x80\x81\x10\x7f")]
    assert parser.streaming


def test_connect_without_arming_stays_in_command_mode() -> None:
    parser = ModemParser()
    out = parser.feed(b"CONNECT\r\n\x80\r\n")
    assert out == [ResultLine("CONNECT"), Malformed("non-text bytes in a result line", b"\x80")]
    assert not parser.streaming


def test_dle_events_keep_their_place_in_the_audio() -> None:
    parser = ModemParser()
    parser.arm_stream()
    parser.feed(b"CONNECT\r\n")
    stream = b"\x01\x02" + DLE + b"5" + b"\x03" + DLE + b"b" + DLE + b"l" + b"\x04" + DLE + ETX
    out = parser.feed(stream + b"\r\nOK\r\n")
    assert out == [
        AudioData(b"\x01\x02"),
        DigitReport("5"),
        AudioData(b"\x03"),
        SignalReport(LineSignal.BUSY),
        SignalReport(LineSignal.LOOP_DROP),
        AudioData(b"\x04"),
        StreamEnded(),
        ResultLine("OK"),
    ]
    assert not parser.streaming


def test_a_dle_split_across_reads_is_still_understood() -> None:
    parser = ModemParser()
    parser.arm_stream()
    parser.feed(b"CONNECT\r\n\x90" + DLE)
    assert parser.feed(b"d") == [SignalReport(LineSignal.DIAL_TONE)]


def test_unknown_dle_codes_are_reported_not_fatal() -> None:
    parser = ModemParser()
    parser.arm_stream()
    parser.feed(b"CONNECT\r\n")
    out = parser.feed(DLE + b"Z" + b"\x42")
    assert out == [Malformed("unknown DLE code 0x5a", DLE + b"Z"), AudioData(b"\x42")]


def test_overlong_lines_are_cut_and_parsing_continues() -> None:
    parser = ModemParser(max_line=16)
    out = parser.feed(b"A" * 100 + b"\r\nOK\r\n")
    assert isinstance(out[0], Malformed) and "longer than 16" in out[0].reason
    assert out[1:] == [ResultLine("OK")]


def test_signals_that_mean_the_far_end_is_gone() -> None:
    assert LineSignal.BUSY.means_hangup and LineSignal.LOOP_DROP.means_hangup
    assert not LineSignal.QUIET.means_hangup and not LineSignal.FAX_CALLING.means_hangup


@pytest.mark.parametrize(
    "lines",
    [
        ["DATE = 0321", "TIME = 1405", "NMBR = 5551234", "NAME = JOHN DOE"],
        ["DATE=0321", "TIME=1405", "NMBR=5551234", "NAME=JOHN DOE"],
    ],
)
def test_caller_id_fields_with_or_without_spaces(lines: list[str]) -> None:
    collector = CallerIdCollector()
    assert all(collector.offer(line) for line in lines)
    assert collector.complete
    assert collector.take() == CallerId(number="5551234", name="JOHN DOE", date="0321", time="1405")
    assert collector.take() is None


def test_non_caller_id_lines_are_not_taken() -> None:
    collector = CallerIdCollector()
    assert not collector.offer("OK")
    assert not collector.offer("FOO = BAR")
    assert collector.offer("MESG = 0A0B")  # unformatted data: consumed, ignored
    assert collector.take() is None


def test_only_8_bit_linear_voice_is_supported() -> None:
    assert VoiceFormat().command == "AT+VSM=1,8000"
    with pytest.raises(ValueError, match="use 1,8000"):
        VoiceFormat(compression=132)
