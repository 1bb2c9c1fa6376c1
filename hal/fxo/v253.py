"""The ITU-T V.253 (IS-101) voice modem wire format, DCE -> DTE direction.

In command mode the modem sends CR LF framed text lines (result codes, RING, caller
ID fields). After CONNECT to +VTR/+VRX it sends a byte stream: audio samples, with
the DLE byte (0x10) "shielding" events: DLE DLE is a data 0x10, DLE ETX ends the
stream, DLE <letter or digit> reports an event (busy tone, DTMF digit, ...).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from hal.ports import DIGITS, CallerId

DLE = 0x10
ETX = 0x03
# DTE -> DCE stream commands.
END_TRANSMIT = bytes([DLE, ETX])  # end of +VTX audio
ABORT_RECEIVE = bytes([DLE, ord("!")])  # ends +VRX
END_DUPLEX = bytes([DLE, ord("^")])  # ends +VTR full duplex

FINAL_RESULTS = frozenset(
    {"OK", "ERROR", "CONNECT", "VCON", "NO CARRIER", "BUSY", "NO DIALTONE", "NO DIAL TONE", "NO ANSWER"}
)


class LineSignal(enum.Enum):
    """DLE-shielded events a voice modem reports about the line."""

    BUSY = "b"
    DIAL_TONE = "d"
    SILENCE = "s"  # "presumed hangup": no voice at all for the +VSD time
    QUIET = "q"  # "presumed end of message": voice, then silence
    LOOP_DROP = "l"  # loop current interruption: the exchange released the line
    POLARITY_REVERSAL = "L"
    FAX_CALLING = "c"
    DATA_CALLING = "e"
    ANSWER_TONE = "a"
    DATA_ANSWER = "f"
    HANDSET_ON_HOOK = "h"
    HANDSET_OFF_HOOK = "H"
    RING = "R"
    TX_UNDERRUN = "u"
    RX_OVERRUN = "o"

    @property
    def means_hangup(self) -> bool:
        """True for signals after which the far end is gone (the gateway should release)."""
        return self in (LineSignal.BUSY, LineSignal.DIAL_TONE, LineSignal.LOOP_DROP, LineSignal.SILENCE)


_SIGNALS = {signal.value: signal for signal in LineSignal}


@dataclass(frozen=True)
class VoiceFormat:
    """The +VSM setting. Only compression 1 (8-bit unsigned linear PCM) is decoded;
    it is the one format every V.253 chipset in USB FXO sticks offers."""

    compression: int = 1
    rate: int = 8000

    def __post_init__(self) -> None:
        if self.compression != 1 or self.rate != 8000:
            raise ValueError(
                f"voice format {self.compression},{self.rate} is not supported; use 1,8000 (8-bit linear PCM)"
            )

    @property
    def command(self) -> str:
        return f"AT+VSM={self.compression},{self.rate}"


@dataclass(frozen=True)
class ResultLine:
    text: str


@dataclass(frozen=True)
class AudioData:
    data: bytes


@dataclass(frozen=True)
class SignalReport:
    signal: LineSignal


@dataclass(frozen=True)
class DigitReport:
    digit: str


@dataclass(frozen=True)
class StreamEnded:
    pass


@dataclass(frozen=True)
class Malformed:
    reason: str
    data: bytes


ModemOutput = ResultLine | AudioData | SignalReport | DigitReport | StreamEnded | Malformed


class ModemParser:
    """Turns the modem's byte stream into ModemOutput items, switching between
    command lines and shielded audio at the exact byte where CONNECT ends."""

    def __init__(self, max_line: int = 256) -> None:
        self.max_line = max_line
        self.streaming = False
        self._armed = False
        self._line = bytearray()
        self._skipping = False
        self._dle = False
        self._swallow_lf = False

    def arm_stream(self) -> None:
        """The next CONNECT line starts a stream (call just before sending +VTR/+VRX)."""
        self._armed = True

    def reset(self) -> None:
        self.streaming = self._armed = self._dle = self._skipping = self._swallow_lf = False
        self._line.clear()

    def feed(self, data: bytes) -> list[ModemOutput]:
        out: list[ModemOutput] = []
        audio = bytearray()
        for byte in data:
            if self.streaming:
                self._stream_byte(byte, audio, out)
            else:
                self._command_byte(byte, out)
        if audio:
            out.append(AudioData(bytes(audio)))
        return out

    def _stream_byte(self, byte: int, audio: bytearray, out: list[ModemOutput]) -> None:
        if self._swallow_lf:
            # CONNECT ends with CR LF; the stream starts after the LF, not at it.
            self._swallow_lf = False
            if byte == 0x0A:
                return
        if not self._dle:
            if byte == DLE:
                self._dle = True
            else:
                audio.append(byte)
            return
        self._dle = False
        if byte == DLE:
            audio.append(DLE)
            return
        # Keep order: audio before the event that followed it.
        if audio:
            out.append(AudioData(bytes(audio)))
            audio.clear()
        self._dle_code(byte, out)

    def _dle_code(self, byte: int, out: list[ModemOutput]) -> None:
        char = chr(byte)
        if byte == ETX:
            self.streaming = False
            out.append(StreamEnded())
        elif char in DIGITS:
            out.append(DigitReport(char))
        elif char in _SIGNALS:
            out.append(SignalReport(_SIGNALS[char]))
        else:
            out.append(Malformed(f"unknown DLE code 0x{byte:02x}", bytes([DLE, byte])))

    def _command_byte(self, byte: int, out: list[ModemOutput]) -> None:
        if self._dle:
            # Some modems report events DLE-shielded in command mode too (e.g. DLE R).
            self._dle = False
            self._dle_code(byte, out)
            return
        if byte == DLE and not self._line:
            self._dle = True
            return
        if byte in (0x0A, 0x0D):
            if not self._skipping and self._line:
                self._end_line(bytes(self._line), out)
                self._swallow_lf = self.streaming and byte == 0x0D
            self._skipping = False
            self._line.clear()
            return
        if self._skipping:
            return
        self._line.append(byte)
        if len(self._line) > self.max_line:
            out.append(Malformed(f"line longer than {self.max_line} bytes", bytes(self._line[:40])))
            self._line.clear()
            self._skipping = True

    def _end_line(self, raw: bytes, out: list[ModemOutput]) -> None:
        text = raw.decode("ascii", "replace").strip()
        if not text.isprintable() or "\ufffd" in text:
            out.append(Malformed("non-text bytes in a result line", raw))
            return
        if not text:
            return
        out.append(ResultLine(text))
        if text == "CONNECT" and self._armed:
            self._armed = False
            self.streaming = True
            self._dle = False


class CallerIdCollector:
    """Gathers the formatted caller ID fields (+VCID=1) sent between rings."""

    FIELDS: ClassVar[dict[str, str]] = {"DATE": "date", "TIME": "time", "NMBR": "number", "NAME": "name"}

    def __init__(self) -> None:
        self._fields: dict[str, str] = {}

    def offer(self, line: str) -> bool:
        """Take `line` if it is a caller ID field ("NMBR = 5551234"); say whether it was."""
        key, sep, value = line.partition("=")
        key = key.strip().upper()
        if not sep or (key not in self.FIELDS and key not in ("MESG", "DDN_NMBR")):
            return False
        if key in self.FIELDS:
            self._fields[self.FIELDS[key]] = value.strip()
        return True

    @property
    def complete(self) -> bool:
        # NAME is the last field modems send; a block without it ends at the next RING.
        return "name" in self._fields

    def take(self) -> CallerId | None:
        if not self._fields:
            return None
        fields, self._fields = self._fields, {}
        return CallerId(**fields)
