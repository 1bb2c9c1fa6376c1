"""A simulated SLIC line controller with analog phones plugged into it.

It speaks the controller protocol on a pty or TCP port (so the real driver talks to
it) and plays each phone: hook switch, keypad, a bell that follows the ring cadence
and a display that shows caller ID. Audio goes through the board's sound card, so a
phone's `audio` is whatever SimAudioLine the board assembly connects to it.
"""

from __future__ import annotations

import itertools
import logging
import threading
from pathlib import Path

from hal.audio.endpoint import SimAudioLine
from hal.clock import Clock, SystemClock, Timer
from hal.fxs.protocol import VERSION, ProtocolError, Request, cadence_ms, format_line, parse_request
from hal.ports import CallerId
from hal.wire.lines import BadLine, LineSplitter
from hal.wire.simport import PtyPort, SimPort, TcpPort

log = logging.getLogger(__name__)


class VirtualPhone:
    """An analog phone on one port of the simulated controller."""

    def __init__(self, controller: SlicSimulator, channel: int) -> None:
        self._controller = controller
        self.channel = channel
        self.off_hook = False
        self.bell = False  # the ringer is sounding right now
        self.bursts = 0  # ring bursts since the last RING request
        self.ring_log: list[tuple[float, bool]] = []  # (time, bell on/off)
        self.caller_id: CallerId | None = None  # what the display shows
        self.polarity_reversed = False
        self.audio: SimAudioLine | None = None
        self._cadence: tuple[float, ...] = ()
        self._step = 0
        self._timer: Timer | None = None
        self._pending_cid: CallerId | None = None

    @property
    def ringing(self) -> bool:
        """Ringing is in progress (the bell may be between bursts)."""
        return bool(self._cadence)

    # --- what a person does -----------------------------------------------
    def lift(self) -> None:
        with self._controller.lock:
            if self.off_hook:
                return
            self.off_hook = True
            self._stop_ringing()
            self._controller.emit("HOOK", self.channel, "OFF")

    def hang_up(self) -> None:
        with self._controller.lock:
            if not self.off_hook:
                return
            self.off_hook = False
            self._controller.emit("HOOK", self.channel, "ON")

    def dial(self, digits: str) -> None:
        """Press keys; the controller's DTMF decoder reports each one."""
        with self._controller.lock:
            if not self.off_hook:
                return
            for digit in digits:
                if digit not in "0123456789*#ABCD":
                    raise ValueError(f"{digit!r} is not on a phone keypad")
                self._controller.emit("DIGIT", self.channel, digit)

    def flash(self) -> None:
        """A short press of the hook switch (or the R key)."""
        with self._controller.lock:
            if self.off_hook:
                self._controller.emit("FLASH", self.channel)

    def measured_cadence(self) -> tuple[float, ...]:
        """On/off durations seen by the bell so far (seconds, rounded to ms)."""
        times = [t for t, _ in self.ring_log]
        return tuple(round(b - a, 3) for a, b in itertools.pairwise(times))

    # --- what the controller does to it ----------------------------------
    def _start_ringing(self, cadence: tuple[float, ...], caller_id: CallerId | None) -> None:
        self._stop_ringing()
        self._cadence = cadence
        self._pending_cid = caller_id
        self.bursts = 0
        self._step = 0
        self._set_bell(True)
        self._timer = self._controller.clock.call_later(cadence[0], self._next_step)

    def _next_step(self) -> None:
        with self._controller.lock:
            if not self._cadence:
                return
            self._step = (self._step + 1) % len(self._cadence)
            bell = self._step % 2 == 0
            self._set_bell(bell)
            if not bell and self._pending_cid is not None:
                # On-hook caller ID (Bell 202 / V.23 FSK) is sent in the first silent gap.
                self.caller_id, self._pending_cid = self._pending_cid, None
            self._timer = self._controller.clock.call_later(self._cadence[self._step], self._next_step)

    def _stop_ringing(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._cadence = ()
        self._pending_cid = None
        self._set_bell(False)

    def _set_bell(self, on: bool) -> None:
        if on == self.bell:
            return
        self.bell = on
        if on:
            self.bursts += 1
        self.ring_log.append((self._controller.clock.now(), on))


class SlicSimulator:
    """The controller firmware, as the protocol document specifies it."""

    def __init__(self, port: SimPort, *, channels: int = 2, clock: Clock | None = None) -> None:
        if not 1 <= channels <= 99:
            raise ValueError(f"a controller has 1-99 ports, not {channels}")
        self.port = port
        self.clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.phones = {channel: VirtualPhone(self, channel) for channel in range(1, channels + 1)}
        self.requests: list[str] = []
        self.failing: set[int] = set()  # ports whose hardware reports a fault
        self._splitter = LineSplitter(max_length=200)
        self._cid: dict[int, CallerId] = {}
        port.on_data = self._on_bytes
        port.on_connect = self._boot

    @classmethod
    def on_pty(cls, link_path: Path, *, channels: int = 2, clock: Clock | None = None) -> SlicSimulator:
        return cls(PtyPort(link_path), channels=channels, clock=clock)

    @classmethod
    def on_tcp(cls, *, channels: int = 2, clock: Clock | None = None) -> SlicSimulator:
        return cls(TcpPort(), channels=channels, clock=clock)

    @property
    def url(self) -> str:
        return self.port.url

    def phone(self, channel: int) -> VirtualPhone:
        return self.phones[channel]

    def close(self) -> None:
        with self.lock:
            for phone in self.phones.values():
                phone._stop_ringing()
        self.port.close()

    def unplug(self) -> None:
        self.port.unplug()

    def plug(self) -> None:
        self.port.plug()

    def reboot(self) -> None:
        """The controller restarts by itself (watchdog): ringing stops, BOOT is sent."""
        self._boot()

    def send_raw(self, data: bytes) -> None:
        self.port.send(data)

    def emit(self, *words: object) -> None:
        self.port.send(format_line("!", *words))

    def _boot(self) -> None:
        with self.lock:
            self._splitter.reset()
            self._cid.clear()
            for phone in self.phones.values():
                phone._stop_ringing()
            self.emit("BOOT", VERSION, len(self.phones))

    def _on_bytes(self, data: bytes) -> None:
        with self.lock:
            for item in self._splitter.feed(data):
                if isinstance(item, BadLine):
                    # No sequence number can be trusted; the protocol answers with seq 0.
                    self.port.send(format_line(0, "ERR", "bad-command", item.reason))
                    continue
                self.requests.append(item)
                self._request(item)

    def _request(self, line: str) -> None:
        try:
            request = parse_request(line)
        except ProtocolError as exc:
            seq = line.split()[0] if line.split() and line.split()[0].isdigit() else "0"
            self.port.send(format_line(seq, "ERR", exc.code, exc))
            return
        try:
            data = self._execute(request)
        except ProtocolError as exc:
            self.port.send(format_line(request.seq, "ERR", exc.code, exc))
            return
        self.port.send(format_line(request.seq, "OK", *data))

    def _execute(self, request: Request) -> tuple[object, ...]:
        if request.verb == "HELLO":
            return ("SLIC", VERSION, len(self.phones))
        if request.verb == "RESET":
            self._boot()
            return ()
        channel = int(request.args[0])
        phone = self.phones.get(channel)
        if phone is None:
            raise ProtocolError(f"no port {channel}; this controller has 1-{len(self.phones)}", "bad-port")
        if channel in self.failing:
            raise ProtocolError(f"port {channel} hardware fault", "fault")
        if request.verb == "STATUS":
            return ("OFF" if phone.off_hook else "ON", "RINGING" if phone.ringing else "IDLE")
        if request.verb == "CID":
            name = request.args[2] if len(request.args) > 2 else ""
            self._cid[channel] = CallerId(number=request.args[1], name=name)
        elif request.verb == "RING":
            if phone.off_hook:
                raise ProtocolError(f"port {channel} is off hook", "busy")
            phone._start_ringing(tuple(cadence_ms(w) / 1000 for w in request.args[1:]), self._cid.pop(channel, None))
        elif request.verb == "STOP":
            phone._stop_ringing()
        elif request.verb == "POLARITY":
            phone.polarity_reversed = request.args[1] == "REVERSE"
        return ()
