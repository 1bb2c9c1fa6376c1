"""A V.253 voice modem and the telephone network behind it, on a pty or TCP port.

The driver under test opens `sim.url` with pySerial and cannot tell it from a USB
modem. Tests play the network: ring with caller ID, read what was dialled, talk and
listen, press far-end digits, hang up, pull the USB plug.
"""

from __future__ import annotations

import enum
import logging
import threading
from pathlib import Path

from hal.audio.buffer import FrameBuffer
from hal.audio.encoding import linear16_to_unsigned8, unsigned8_to_linear16
from hal.clock import Clock, SystemClock, Timer
from hal.fxo.v253 import DLE, ETX, LineSignal
from hal.ports import DIGITS, CallerId
from hal.wire.simport import PtyPort, SimPort, TcpPort

log = logging.getLogger(__name__)

MODEL = "minipbx simulated V.253 voice modem"


class StreamMode(enum.Enum):
    NONE = "none"
    RECEIVE = "vrx"  # modem -> host audio only
    TRANSMIT = "vtx"  # host -> modem audio only
    DUPLEX = "vtr"


class VoiceModemSimulator:
    _ring_caller: CallerId | None
    _ring_timer: Timer | None

    def __init__(
        self,
        port: SimPort,
        *,
        clock: Clock | None = None,
        full_duplex: bool = True,
        ring_interval: float = 6.0,
    ) -> None:
        self.port = port
        self.clock = clock or SystemClock()
        self.supports_duplex = full_duplex
        self.ring_interval = ring_interval
        self._lock = threading.RLock()
        # What the network saw: numbers dialled (ATD) and DTMF sent (+VTS), in order.
        self.dialled: list[str] = []
        self.dtmf_sent = ""
        self.commands: list[str] = []
        # The result ATD gives: VCON (answered), BUSY, NO DIALTONE, NO ANSWER.
        self.dial_result = "VCON"
        self._heard = FrameBuffer(max_frames=1500)
        self._reset_modem()
        port.on_data = self._on_bytes
        port.on_connect = self._power_on

    @classmethod
    def on_pty(cls, link_path: Path, *, clock: Clock | None = None, full_duplex: bool = True) -> VoiceModemSimulator:
        """A modem whose serial device is the symlink `link_path` (like /dev/serial/by-id/...)."""
        return cls(PtyPort(link_path), clock=clock, full_duplex=full_duplex)

    @classmethod
    def on_tcp(cls, *, clock: Clock | None = None, full_duplex: bool = True) -> VoiceModemSimulator:
        """A modem reachable as socket://127.0.0.1:PORT."""
        return cls(TcpPort(), clock=clock, full_duplex=full_duplex)

    @property
    def url(self) -> str:
        return self.port.url

    def close(self) -> None:
        self.stop_ringing()
        self.port.close()

    # --- the network side, for tests ------------------------------------
    def ring(self, caller_id: CallerId | None = None) -> None:
        """An outside caller rings this line (with caller ID if the modem reports it)."""
        with self._lock:
            self._ringing = True
            self._ring_count = 0
            self._ring_caller = caller_id
            self._send_ring()

    def stop_ringing(self) -> None:
        """The caller gives up before the line is answered."""
        with self._lock:
            self._ringing = False
            if self._ring_timer is not None:
                self._ring_timer.cancel()
                self._ring_timer = None

    def hang_up(self, signal: LineSignal = LineSignal.LOOP_DROP) -> None:
        """The far end hangs up; a modem in an audio stream reports `signal`."""
        with self._lock:
            self.call_active = False
            if self._mode in (StreamMode.RECEIVE, StreamMode.DUPLEX):
                self.port.send(bytes([DLE, ord(signal.value)]))

    def press(self, digits: str) -> None:
        """The far end presses DTMF keys (reported DLE-shielded while streaming)."""
        with self._lock:
            if self._mode not in (StreamMode.RECEIVE, StreamMode.DUPLEX):
                return
            for digit in digits:
                if digit not in DIGITS:
                    raise ValueError(f"{digit!r} is not a DTMF digit")
                self.port.send(bytes([DLE, ord(digit)]))

    def talk(self, pcm: bytes) -> None:
        """The far end speaks: 16-bit linear audio goes to the host if it is receiving."""
        with self._lock:
            if self._mode not in (StreamMode.RECEIVE, StreamMode.DUPLEX):
                return
            encoded = linear16_to_unsigned8(pcm).replace(bytes([DLE]), bytes([DLE, DLE]))
            self.port.send(encoded)

    def heard(self) -> bytes:
        """16-bit linear audio the host has sent to the far end so far (consumed)."""
        return self._heard.drain()

    @property
    def heard_bytes(self) -> int:
        """How much audio `heard()` would return now."""
        return len(self._heard)

    def send_raw(self, data: bytes) -> None:
        """Bytes straight to the host, e.g. malformed output for robustness tests."""
        self.port.send(data)

    @property
    def off_hook(self) -> bool:
        with self._lock:
            return self._off_hook

    @property
    def streaming(self) -> StreamMode:
        with self._lock:
            return self._mode

    def unplug(self) -> None:
        self.stop_ringing()
        self.port.unplug()

    def plug(self) -> None:
        self.port.plug()

    # --- the modem ---------------------------------------------------------
    def _reset_modem(self) -> None:
        self._echo = True
        self._fclass = 0
        self._vcid = False
        self._off_hook = False
        self.call_active = False
        self._mode = StreamMode.NONE
        self._dle = False
        self._line = bytearray()
        self._ringing = False
        self._ring_count = 0
        self._ring_caller = None
        self._ring_timer = None

    def _power_on(self) -> None:
        with self._lock:
            if self._ring_timer is not None:
                self._ring_timer.cancel()
            self._reset_modem()

    def _send_ring(self) -> None:
        with self._lock:
            if not self._ringing or not self.port.plugged:
                return
            self._ring_count += 1
            self.port.send(b"\r\nRING\r\n")
            # Caller ID (FSK on the line) arrives between the first and second ring.
            if self._ring_count == 1 and self._vcid and self._ring_caller is not None:
                cid = self._ring_caller
                fields = [("DATE", cid.date), ("TIME", cid.time), ("NMBR", cid.number), ("NAME", cid.name)]
                self.port.send(b"".join(f"\r\n{k} = {v}\r\n".encode() for k, v in fields if v))
            self._ring_timer = self.clock.call_later(self.ring_interval, self._send_ring)

    def _reply(self, *lines: str) -> None:
        self.port.send(b"".join(f"\r\n{line}\r\n".encode() for line in lines))

    def _on_bytes(self, data: bytes) -> None:
        with self._lock:
            audio = bytearray()
            for byte in data:
                if self._mode is StreamMode.NONE:
                    self._command_byte(byte)
                else:
                    self._stream_byte(byte, audio)
            if audio:
                self._heard.push(unsigned8_to_linear16(bytes(audio)))

    def _stream_byte(self, byte: int, audio: bytearray) -> None:
        if not self._dle:
            if byte == DLE:
                self._dle = True
            elif self._mode in (StreamMode.TRANSMIT, StreamMode.DUPLEX):
                audio.append(byte)
            return
        self._dle = False
        code = chr(byte)
        if byte == DLE:
            if self._mode in (StreamMode.TRANSMIT, StreamMode.DUPLEX):
                audio.append(DLE)
        elif (
            (byte == ETX and self._mode is StreamMode.TRANSMIT)
            or (code == "!" and self._mode is StreamMode.RECEIVE)
            or (code == "^" and self._mode is StreamMode.DUPLEX)
        ):
            self._end_stream()
        # Other DTE codes (volume, pause) are accepted and have no effect here.

    def _end_stream(self) -> None:
        was = self._mode
        self._mode = StreamMode.NONE
        if was is not StreamMode.TRANSMIT:
            self.port.send(bytes([DLE, ETX]))
        self._reply("OK")

    def _command_byte(self, byte: int) -> None:
        if byte in (0x0D, 0x0A):
            if self._line:
                raw = bytes(self._line)
                self._line.clear()
                if self._echo:
                    self.port.send(raw + b"\r")
                self._command(raw.decode("ascii", "replace").strip())
            return
        if len(self._line) < 200:
            self._line.append(byte)

    def _command(self, text: str) -> None:
        self.commands.append(text)
        command = text.upper()
        if not command.startswith("AT"):
            self._reply("ERROR")
            return
        body = command[2:]
        result = self._execute(body)
        if result:
            self._reply(result)

    def _execute(self, body: str) -> str | None:
        voice = self._fclass == 8
        if body in ("", "E1", "V1", "Q0"):
            self._echo = self._echo or body == "E1"
            return "OK"
        if body in ("Z", "Z0"):
            self.stop_ringing()
            self._reset_modem()
            return "OK"
        if body == "E0":
            self._echo = False
            return "OK"
        if body in ("I", "I0"):
            self._reply(MODEL)
            return "OK"
        if body.startswith("+FCLASS"):
            return self._fclass_command(body[7:])
        if body in ("+VCID=0", "+VCID=1"):
            self._vcid = body.endswith("1")
            return "OK"
        if body in ("H", "H0"):
            self._go_on_hook()
            return "OK"
        if not voice:
            return "ERROR"
        return self._voice_command(body)

    def _fclass_command(self, rest: str) -> str:
        if rest == "?":
            self._reply(str(self._fclass))
            return "OK"
        if rest == "=?":
            self._reply("0,8")
            return "OK"
        if rest in ("=0", "=8"):
            self._fclass = int(rest[1:])
            return "OK"
        return "ERROR"

    def _voice_command(self, body: str) -> str:
        if body.startswith("+VSM="):
            return "OK" if body[5:] in ("1,8000", "1,8000,0,0") else "ERROR"
        if body in ("+VLS=0", "+VLS=1"):
            if body.endswith("1"):
                self._go_off_hook()
            else:
                self._go_on_hook()
            return "OK"
        if body == "A":
            self._go_off_hook()
            return "VCON"
        if body.startswith("D"):
            return self._dial(body[1:])
        if body.startswith("+VTS="):
            if not self._off_hook:
                return "ERROR"
            digits = body[5:].replace(",", "").replace("{", "").replace("}", "")
            if any(d not in DIGITS for d in digits):
                return "ERROR"
            self.dtmf_sent += digits
            return "OK"
        modes = {"+VTR": StreamMode.DUPLEX, "+VRX": StreamMode.RECEIVE, "+VTX": StreamMode.TRANSMIT}
        if body in modes:
            mode = modes[body]
            if not self._off_hook or (mode is StreamMode.DUPLEX and not self.supports_duplex):
                return "ERROR"
            self._reply("CONNECT")
            self._mode = mode
            self._dle = False
            return ""
        if body.split("=")[0] in ("+VSD", "+VGT", "+VGR", "+VIT", "+VRA", "+VRN", "+VTD"):
            return "OK"
        return "ERROR"

    def _dial(self, rest: str) -> str:
        number = rest.lstrip("TP").rstrip(";")
        if not number or any(d not in DIGITS + "," for d in number):
            return "ERROR"
        self.dialled.append(number.replace(",", ""))
        if self.dial_result != "VCON":
            return self.dial_result
        self._go_off_hook()
        self.call_active = True
        return "VCON"

    def _go_off_hook(self) -> None:
        self._off_hook = True
        if self._ringing:
            self.stop_ringing()
            self.call_active = True

    def _go_on_hook(self) -> None:
        self._off_hook = False
        self.call_active = False
        self._mode = StreamMode.NONE
