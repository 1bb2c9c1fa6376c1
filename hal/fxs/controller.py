"""Driver for the SLIC line controller: the microcontroller on an FXS HAT that rings
analog phones, watches their hook switches and decodes their keypads.

Control goes over a serial line (see docs/hardware/slic-controller.md); speech goes
through the board's sound card, one channel per port, handed in as AudioEndpoints.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable, Mapping

from hal.audio.endpoint import AudioEndpoint
from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.fxs.protocol import (
    HOOK_WORDS,
    MAX_NAME,
    MAX_SEQ,
    VERSION,
    Event,
    ProtocolError,
    Reply,
    format_line,
    parse_controller_line,
)
from hal.health import DeviceStatus, StatusReporter
from hal.listeners import Listeners
from hal.ports import (
    CADENCE_STANDARD,
    CallerId,
    DigitPressed,
    FlashPressed,
    HookChanged,
    PortEvent,
    PortFault,
    RingCadence,
)
from hal.wire.lines import BadLine, LineSplitter
from hal.wire.link import LinkDown, SerialLink

log = logging.getLogger(__name__)


class ControllerError(RuntimeError):
    """The controller refused a request, did not answer, or is not connected."""


class FxsPort:
    """One analog phone port. Implements hal.ports.LinePort."""

    def __init__(self, controller: SlicController, channel: int, name: str, audio: AudioEndpoint) -> None:
        self.controller = controller
        self.channel = channel
        self.name = name
        self._audio = audio
        self._off_hook = False
        self.ringing = False
        self.listeners: Listeners[PortEvent] = Listeners()

    @property
    def audio(self) -> AudioEndpoint:
        return self._audio

    @property
    def off_hook(self) -> bool:
        return self._off_hook

    def add_listener(self, callback: Callable[[PortEvent], None]) -> Callable[[], None]:
        return self.listeners.add(callback)

    def ring(self, caller_id: CallerId | None = None, cadence: RingCadence = CADENCE_STANDARD) -> None:
        """Ring the phone; caller ID (if any) is sent after the first ring burst."""
        if caller_id is not None and caller_id.number:
            name = "".join(c for c in caller_id.name if c.isascii() and c.isprintable())[:MAX_NAME].strip()
            self.controller.request("CID", self.channel, caller_id.number, *([name] if name else []))
        self.controller.request("RING", self.channel, *(round(step * 1000) for step in cadence.pattern))
        self.ringing = True

    def stop_ring(self) -> None:
        self.controller.request("STOP", self.channel)
        self.ringing = False

    def set_polarity(self, reverse: bool) -> None:
        """Reverse the line polarity (answer supervision for payphones and some PBXs)."""
        self.controller.request("POLARITY", self.channel, "REVERSE" if reverse else "NORMAL")

    def _set_hook(self, off_hook: bool) -> None:
        if off_hook == self._off_hook:
            return
        self._off_hook = off_hook
        if off_hook:
            # The controller stops ringing by itself when the phone is lifted (ring trip).
            self.ringing = False
        self.listeners.emit(HookChanged(self.name, off_hook))


class SlicController:
    def __init__(
        self,
        url: str,
        *,
        ports: Mapping[int, tuple[str, AudioEndpoint]],
        name: str = "slic",
        baudrate: int = 115200,
        backoff: Backoff = DEFAULT_BACKOFF,
        command_timeout: float = 1.0,
    ) -> None:
        """`ports` maps controller port numbers (1-based) to (port name, audio endpoint)."""
        self.name = name
        self.command_timeout = command_timeout
        self.ports: dict[str, FxsPort] = {}
        self._by_channel: dict[int, FxsPort] = {}
        for channel, (port_name, audio) in sorted(ports.items()):
            port = FxsPort(self, channel, port_name, audio)
            self.ports[port_name] = port
            self._by_channel[channel] = port
        self.malformed = 0
        self.firmware = ""
        self._splitter = LineSplitter(max_length=120)
        self._seq = itertools.cycle(range(1, MAX_SEQ + 1))
        self._request_lock = threading.Lock()
        self._waiting: dict[int, queue.Queue[Reply]] = {}
        self._waiting_lock = threading.Lock()
        self.link = SerialLink(
            url,
            name=name,
            on_data=self._on_data,
            on_up=self._synchronise,
            on_down=self._lost,
            baudrate=baudrate,
            backoff=backoff,
        )

    @property
    def reporter(self) -> StatusReporter:
        return self.link.reporter

    @property
    def status(self) -> DeviceStatus:
        return self.link.reporter.status

    def start(self) -> None:
        self.link.start()

    def close(self) -> None:
        self.link.close()

    def request(self, verb: str, *args: object) -> tuple[str, ...]:
        """Send one request and wait for its reply; return the words after OK."""
        with self._request_lock:
            seq = next(self._seq)
        replies: queue.Queue[Reply] = queue.Queue()
        with self._waiting_lock:
            self._waiting[seq] = replies
        try:
            self.link.write(format_line(seq, verb, *args))
            reply = replies.get(timeout=self.command_timeout)
        except LinkDown as exc:
            raise ControllerError(f"{self.name}: {verb}: {exc}") from None
        except queue.Empty:
            raise ControllerError(f"{self.name}: no reply to {verb} within {self.command_timeout} s") from None
        finally:
            with self._waiting_lock:
                self._waiting.pop(seq, None)
        if not reply.ok:
            raise ControllerError(f"{self.name}: {verb} {' '.join(map(str, args))} refused: {' '.join(reply.words)}")
        return reply.words

    def _synchronise(self) -> None:
        """After (re)connection or a controller reboot: check it, then learn hook states."""
        self._splitter.reset()
        words = self.request("HELLO")
        if len(words) != 3 or words[0] != "SLIC" or not words[2].isdigit():
            raise ControllerError(f"{self.name}: HELLO answered {' '.join(words)!r}; is this a SLIC controller?")
        if words[1] != VERSION:
            raise ControllerError(f"{self.name}: controller speaks protocol {words[1]}, this driver {VERSION}")
        self.firmware = " ".join(words)
        missing = [channel for channel in self._by_channel if channel > int(words[2])]
        if missing:
            raise ControllerError(f"{self.name}: board file names port(s) {missing}, controller has {words[2]}")
        for port in self._by_channel.values():
            state = self.request("STATUS", port.channel)
            if not state or state[0] not in HOOK_WORDS:
                raise ControllerError(f"{self.name}: STATUS {port.channel} answered {' '.join(state)!r}")
            port._set_hook(HOOK_WORDS[state[0]])

    def _lost(self) -> None:
        for port in self._by_channel.values():
            port.ringing = False
            port.listeners.emit(PortFault(port.name, f"line controller {self.name} lost"))

    def _on_data(self, data: bytes) -> None:
        for item in self._splitter.feed(data):
            if isinstance(item, BadLine):
                self._malformed(item.reason, item.data)
                continue
            try:
                message = parse_controller_line(item)
            except ProtocolError as exc:
                self._malformed(str(exc), item.encode())
                continue
            if isinstance(message, Reply):
                self._on_reply(message)
            else:
                self._on_event(message)

    def _malformed(self, reason: str, data: bytes) -> None:
        self.malformed += 1
        log.warning("%s: ignoring malformed line from controller (%s): %r", self.name, reason, data)

    def _on_reply(self, reply: Reply) -> None:
        with self._waiting_lock:
            waiter = self._waiting.get(reply.seq)
        if waiter is None:
            log.info("%s: reply to a request nobody waits for: %r", self.name, reply)
        else:
            waiter.put(reply)

    def _on_event(self, event: Event) -> None:
        if event.kind == "BOOT":
            # The controller restarted on its own (watchdog, brown-out): every port is idle now.
            log.warning("%s: controller rebooted (%s)", self.name, " ".join(event.args))
            threading.Thread(target=self._resync_after_boot, name=f"resync-{self.name}", daemon=True).start()
            return
        port = self._by_channel.get(event.port)
        if port is None:
            log.info("%s: event for port %d, which the board file does not use", self.name, event.port)
            return
        if event.kind == "HOOK":
            port._set_hook(HOOK_WORDS[event.args[0]])
        elif event.kind == "DIGIT":
            port.listeners.emit(DigitPressed(port.name, event.args[0]))
        elif event.kind == "FLASH":
            port.listeners.emit(FlashPressed(port.name))
        elif event.kind == "FAULT":
            port.listeners.emit(PortFault(port.name, " ".join(event.args)))

    def _resync_after_boot(self) -> None:
        for port in self._by_channel.values():
            port.ringing = False
        try:
            self._synchronise()
        except ControllerError as exc:
            log.warning("%s: resynchronising after reboot failed: %s", self.name, exc)
