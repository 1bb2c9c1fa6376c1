"""Driver for a DECT base module on a UART. Each subscribed handset is a port.

The module does the radio, the handset UI and the voice codec; the host sees
handsets subscribe and leave, lift and hang up, dial, and exchange voice frames.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from hal.audio.encoding import alaw_to_linear16, linear16_to_alaw
from hal.audio.endpoint import AudioEndpoint, SendingEndpoint
from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.dect.protocol import (
    IPUI_BYTES,
    VERSION,
    Frame,
    FrameDecoder,
    FrameError,
    FrameType,
    Melody,
    NakReason,
    encode,
    ring_payload,
)
from hal.health import DeviceStatus, StatusReporter
from hal.listeners import Listeners
from hal.ports import (
    CADENCE_INTERNAL,
    CADENCE_STANDARD,
    CallerId,
    DigitPressed,
    HookChanged,
    PortEvent,
    PortFault,
    RingCadence,
)
from hal.wire.link import LinkDown, SerialLink

log = logging.getLogger(__name__)


class DectError(RuntimeError):
    """The module refused a request (NAK), did not answer, or is not connected."""


@dataclass(frozen=True)
class HandsetSubscribed:
    port: str
    handset: int
    ipui: str


@dataclass(frozen=True)
class HandsetDeregistered:
    port: str
    handset: int


@dataclass(frozen=True)
class HandsetRange:
    port: str
    in_range: bool


@dataclass(frozen=True)
class HandsetMoved:
    """The handset is now served by radio cell `cell` (handover; a call in progress goes on)."""
    port: str
    cell: int


DectEvent = HandsetSubscribed | HandsetDeregistered | HandsetRange | HandsetMoved


class DectHandset:
    """A subscribed handset. Implements hal.ports.LinePort; the voice path opens
    automatically when the handset goes off-hook and closes when it hangs up."""

    def __init__(self, base: DectBase, number: int, name: str, ipui: str) -> None:
        self.base = base
        self.number = number
        self.name = name
        self.ipui = ipui
        self.in_range = True
        self.cell = 1  # the radio cell serving it (LOCATION), 1 on a module with one cell
        self.last_seen = time.time()  # wall clock of the last frame from it
        self._off_hook = False
        self.connected = False
        self._audio = SendingEndpoint(self._send_audio)
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
        """Ring the handset; it plays its own melody, chosen by the kind of call."""
        melody = Melody.INTERNAL if cadence == CADENCE_INTERNAL else Melody.EXTERNAL
        cid = caller_id or CallerId()
        self.base.request(FrameType.RING, self.number, ring_payload(melody, cid.number, cid.name))

    def stop_ring(self) -> None:
        self.base.request(FrameType.STOP_RING, self.number)

    def show(self, text: str) -> None:
        """Put a line of text on the handset's display."""
        self.base.request(FrameType.DISPLAY, self.number, text.encode("utf-8")[:64])

    def release(self) -> None:
        """End the call from the network side: the handset shows the call ended."""
        self.connected = False
        self.base.request(FrameType.RELEASE, self.number)

    def _send_audio(self, frame: bytes) -> None:
        if self.connected:
            self.base.send(FrameType.AUDIO_OUT, self.number, linear16_to_alaw(frame))


class DectBase:
    def __init__(
        self,
        url: str,
        *,
        name: str = "dect",
        port_prefix: str = "dect",
        baudrate: int = 921600,
        backoff: Backoff = DEFAULT_BACKOFF,
        command_timeout: float = 1.0,
    ) -> None:
        self.name = name
        self.port_prefix = port_prefix
        self.command_timeout = command_timeout
        self.handsets: dict[int, DectHandset] = {}
        self.listeners: Listeners[DectEvent] = Listeners()
        self.malformed = 0
        self.slots = 0
        self.cells = 1  # radio cells the module reports (HELLO_REPLY); handsets move between them
        self._decoder = FrameDecoder()
        self._seq = itertools.cycle(range(1, 256))
        self._seq_lock = threading.Lock()
        self._waiting: dict[int, queue.Queue[Frame]] = {}
        self._lock = threading.Lock()
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

    @property
    def ports(self) -> dict[str, DectHandset]:
        with self._lock:
            return {handset.name: handset for handset in self.handsets.values()}

    def add_listener(self, callback: Callable[[DectEvent], None]) -> Callable[[], None]:
        return self.listeners.add(callback)

    def start(self) -> None:
        self.link.start()

    def close(self) -> None:
        self.link.close()

    def open_subscription(self, seconds: int = 120) -> None:
        """Let new handsets subscribe (register) for `seconds` (0 closes the window)."""
        if not 0 <= seconds <= 255:
            raise ValueError(f"subscription window is 0-255 seconds, not {seconds}")
        self.request(FrameType.SUBSCRIPTION, 0, bytes([seconds]))

    def deregister(self, handset: int) -> None:
        self.request(FrameType.DEREGISTER, handset)

    def send(self, frame_type: FrameType, handset: int, payload: bytes = b"", seq: int = 0) -> None:
        """Send a frame without waiting (audio, or requests whose answer nobody waits for)."""
        try:
            self.link.write(encode(Frame(frame_type, handset, seq, payload)))
        except LinkDown:
            return

    def request(self, frame_type: FrameType, handset: int, payload: bytes = b"") -> Frame:
        """Send a request and wait for its ACK (or reply frame); raise DectError on NAK."""
        with self._seq_lock:
            seq = next(self._seq)
        answers: queue.Queue[Frame] = queue.Queue()
        with self._lock:
            self._waiting[seq] = answers
        try:
            self.link.write(encode(Frame(frame_type, handset, seq, payload)))
            answer = answers.get(timeout=self.command_timeout)
        except LinkDown as exc:
            raise DectError(f"{self.name}: {frame_type.name}: {exc}") from None
        except queue.Empty:
            raise DectError(f"{self.name}: no answer to {frame_type.name} within {self.command_timeout} s") from None
        finally:
            with self._lock:
                self._waiting.pop(seq, None)
        if answer.type is FrameType.NAK:
            codes = {reason.value: reason.name for reason in NakReason}
            reason = codes.get(answer.payload[0], "unknown-reason") if answer.payload else "no-reason"
            text = answer.payload[1:].decode("utf-8", "replace")
            raise DectError(f"{self.name}: {frame_type.name} for handset {handset} refused: {reason} {text}".rstrip())
        return answer

    def _synchronise(self) -> None:
        self._decoder.reset()
        reply = self.request(FrameType.HELLO, 0)
        if reply.type is not FrameType.HELLO_REPLY or len(reply.payload) not in (2, 3):
            raise DectError(f"{self.name}: HELLO answered {reply.type.name}; is this a DECT module?")
        if reply.payload[0] != VERSION:
            raise DectError(f"{self.name}: module speaks protocol {reply.payload[0]}, this driver {VERSION}")
        self.slots = reply.payload[1]
        # A module with several radio cells says how many; one with one cell sends 2 bytes.
        self.cells = reply.payload[2] if len(reply.payload) == 3 and reply.payload[2] else 1
        # The module answers LIST with one SUBSCRIBED per handset, then the ACK.
        self.request(FrameType.LIST, 0)

    def _lost(self) -> None:
        with self._lock:
            handsets = list(self.handsets.values())
        for handset in handsets:
            handset.connected = False
            handset.listeners.emit(PortFault(handset.name, f"DECT module {self.name} lost"))

    def _on_data(self, data: bytes) -> None:
        for item in self._decoder.feed(data):
            if isinstance(item, FrameError):
                self.malformed += 1
                log.warning("%s: ignoring damaged input from module (%s): %r", self.name, item.reason, item.data)
            else:
                try:
                    self._on_frame(item)
                except (ValueError, IndexError) as exc:
                    self.malformed += 1
                    log.warning("%s: ignoring malformed %s frame: %s", self.name, item.type.name, exc)

    def _on_frame(self, frame: Frame) -> None:
        if frame.type in (FrameType.ACK, FrameType.NAK, FrameType.HELLO_REPLY):
            with self._lock:
                waiter = self._waiting.get(frame.seq)
            if waiter is not None:
                waiter.put(frame)
            elif frame.type is FrameType.NAK:
                log.warning("%s: module refused frame %d: %r", self.name, frame.seq, frame.payload)
            return
        if frame.type is FrameType.BOOT:
            log.warning("%s: module restarted", self.name)
            threading.Thread(target=self._resync, name=f"resync-{self.name}", daemon=True).start()
            return
        if frame.type is FrameType.SUBSCRIBED:
            self._subscribed(frame)
            return
        with self._lock:
            handset = self.handsets.get(frame.handset)
        if handset is None:
            raise ValueError(f"handset {frame.handset} is not subscribed")
        self._handset_frame(handset, frame)

    def _subscribed(self, frame: Frame) -> None:
        if len(frame.payload) != IPUI_BYTES or not 1 <= frame.handset <= 99:
            raise ValueError(f"SUBSCRIBED needs handset 1-99 and a {IPUI_BYTES}-byte IPUI")
        ipui = frame.payload.hex().upper()
        with self._lock:
            known = self.handsets.get(frame.handset)
            if known is not None and known.ipui == ipui:
                return
            handset = DectHandset(self, frame.handset, f"{self.port_prefix}{frame.handset}", ipui)
            self.handsets[frame.handset] = handset
        self.listeners.emit(HandsetSubscribed(handset.name, handset.number, ipui))

    def _handset_frame(self, handset: DectHandset, frame: Frame) -> None:
        kind = frame.type
        handset.last_seen = time.time()
        if kind is FrameType.AUDIO_IN:
            handset._audio.rx.push(alaw_to_linear16(frame.payload))
        elif kind is FrameType.OFF_HOOK:
            handset._off_hook = True
            handset.connected = True
            # Open the voice path at once so the gateway can play dial tone or talk.
            self.send(FrameType.CONNECT, handset.number)
            handset.listeners.emit(HookChanged(handset.name, True))
        elif kind is FrameType.ON_HOOK:
            handset._off_hook = False
            handset.connected = False
            handset._audio.rx.clear()
            handset.listeners.emit(HookChanged(handset.name, False))
        elif kind is FrameType.DIGITS:
            digits = frame.payload.decode("ascii")
            if not digits or any(d not in "0123456789*#ABCD" for d in digits):
                raise ValueError(f"DIGITS payload {frame.payload!r} is not phone digits")
            for digit in digits:
                handset.listeners.emit(DigitPressed(handset.name, digit))
        elif kind is FrameType.RANGE:
            handset.in_range = frame.payload == b"\x01"
            self.listeners.emit(HandsetRange(handset.name, handset.in_range))
        elif kind is FrameType.LOCATION:
            self._moved(handset, frame.payload)
        elif kind is FrameType.DEREGISTERED:
            with self._lock:
                self.handsets.pop(handset.number, None)
            self.listeners.emit(HandsetDeregistered(handset.name, handset.number))
        else:
            raise ValueError(f"frame type {kind.name} is not sent by a module")

    def _moved(self, handset: DectHandset, payload: bytes) -> None:
        # The module hands the radio link over by itself and keeps the voice path: the
        # handset's port, its call and its audio stay as they are; only where it is changes.
        if len(payload) != 1 or not 1 <= payload[0] <= self.cells:
            raise ValueError(f"LOCATION payload {payload!r} is not a cell 1-{self.cells}")
        if payload[0] == handset.cell:
            return
        log.info("%s: handset %d moved from cell %d to cell %d%s", self.name, handset.number, handset.cell,
                 payload[0], " during a call" if handset.connected else "")
        handset.cell = payload[0]
        self.listeners.emit(HandsetMoved(handset.name, handset.cell))

    def _resync(self) -> None:
        try:
            self._synchronise()
        except DectError as exc:
            log.warning("%s: resynchronising after module restart failed: %s", self.name, exc)
