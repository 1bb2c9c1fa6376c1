"""A simulated DECT base module with handsets, speaking the module protocol on a
pty or TCP port so the real driver talks to it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from hal.audio.buffer import FrameBuffer
from hal.audio.encoding import alaw_to_linear16, linear16_to_alaw
from hal.audio.format import FRAME_SAMPLES, SAMPLE_BYTES
from hal.clock import Clock, SystemClock, Timer
from hal.dect.protocol import (
    VERSION,
    Frame,
    FrameDecoder,
    FrameError,
    FrameType,
    Melody,
    NakReason,
    encode,
    parse_ring_payload,
)
from hal.ports import CallerId
from hal.wire.simport import PtyPort, SimPort, TcpPort

log = logging.getLogger(__name__)


class SubscriptionClosed(RuntimeError):
    """A handset tried to subscribe while the base was not accepting registrations."""


class VirtualHandset:
    def __init__(self, module: DectSimulator, number: int, ipui: bytes) -> None:
        self._module = module
        self.number = number
        self.ipui = ipui
        self.in_range = True
        self.cell = 1
        self.off_hook = False
        self.connected = False  # the host opened the voice path
        self.ringing = False
        self.melody: Melody | None = None
        self.caller_id: CallerId | None = None
        self.display = ""
        self.released = False  # the host ended the call while off-hook
        self._heard = FrameBuffer(max_frames=1500)

    def press_talk(self) -> None:
        with self._module.lock:
            if self.off_hook or not self.in_range:
                return
            self.off_hook = True
            self.ringing = False
            self.released = False
            self._module.send(FrameType.OFF_HOOK, self.number)

    def press_end(self) -> None:
        with self._module.lock:
            if not self.off_hook:
                return
            self.off_hook = self.connected = False
            self._module.send(FrameType.ON_HOOK, self.number)

    def dial(self, digits: str) -> None:
        with self._module.lock:
            if self.off_hook:
                self._module.send(FrameType.DIGITS, self.number, digits.encode("ascii"))

    def walk_away(self, in_range: bool = False) -> None:
        """Leave (or come back into) radio range."""
        with self._module.lock:
            self.in_range = in_range
            self._module.send(FrameType.RANGE, self.number, b"\x01" if in_range else b"\x00")

    def move_to(self, cell: int) -> None:
        """Walk into radio cell `cell`: the module hands the link over (a call goes on) and says where."""
        with self._module.lock:
            if not 1 <= cell <= self._module.cells:
                raise ValueError(f"cell {cell} does not exist; the module has cells 1-{self._module.cells}")
            self.cell = cell
            self._module.send(FrameType.LOCATION, self.number, bytes([cell]))

    def speak(self, pcm: bytes) -> None:
        """Send 16-bit linear audio from the handset's microphone, 20 ms per frame."""
        with self._module.lock:
            if not self.connected:
                return
            step = FRAME_SAMPLES * SAMPLE_BYTES
            for start in range(0, len(pcm) - step + 1, step):
                self._module.send(FrameType.AUDIO_IN, self.number, linear16_to_alaw(pcm[start : start + step]))

    def heard(self) -> bytes:
        """16-bit linear audio the handset's earpiece played so far (consumed)."""
        return self._heard.drain()

    @property
    def heard_bytes(self) -> int:
        """How much audio `heard()` would return now."""
        return len(self._heard)


class DectSimulator:
    def __init__(self, port: SimPort, *, slots: int = 6, preregistered: int = 0, cells: int = 1,
                 clock: Clock | None = None) -> None:
        if not 1 <= slots <= 99 or not 0 <= preregistered <= slots:
            raise ValueError("a DECT module has 1-99 slots and at most that many handsets")
        if not 1 <= cells <= 16:
            raise ValueError(f"a DECT module has 1-16 radio cells, not {cells}")
        self.port = port
        self.clock = clock or SystemClock()
        self.slots = slots
        self.cells = cells
        self.lock = threading.RLock()
        self.handsets: dict[int, VirtualHandset] = {}
        self.received: list[Frame] = []
        self._decoder = FrameDecoder()
        self._window: Timer | None = None
        self.subscription_open = False
        for _ in range(preregistered):
            self._add_handset()
        port.on_data = self._on_bytes
        port.on_connect = self._boot

    @classmethod
    def on_pty(
        cls, link_path: Path, *, slots: int = 6, preregistered: int = 0, cells: int = 1, clock: Clock | None = None
    ) -> DectSimulator:
        return cls(PtyPort(link_path), slots=slots, preregistered=preregistered, cells=cells, clock=clock)

    @classmethod
    def on_tcp(cls, *, slots: int = 6, preregistered: int = 0, cells: int = 1,
               clock: Clock | None = None) -> DectSimulator:
        return cls(TcpPort(), slots=slots, preregistered=preregistered, cells=cells, clock=clock)

    @property
    def url(self) -> str:
        return self.port.url

    def handset(self, number: int) -> VirtualHandset:
        return self.handsets[number]

    def subscribe(self) -> VirtualHandset:
        """A new handset registers (the installer keyed in the base PIN)."""
        with self.lock:
            if not self.subscription_open:
                raise SubscriptionClosed("the base is not accepting registrations")
            handset = self._add_handset()
            self._announce(handset)
            return handset

    def send(self, frame_type: FrameType, handset: int, payload: bytes = b"", seq: int = 0) -> None:
        self.port.send(encode(Frame(frame_type, handset, seq, payload)))

    def send_raw(self, data: bytes) -> None:
        self.port.send(data)

    def unplug(self) -> None:
        self.port.unplug()

    def plug(self) -> None:
        self.port.plug()

    def close(self) -> None:
        with self.lock:
            if self._window is not None:
                self._window.cancel()
        self.port.close()

    def _add_handset(self) -> VirtualHandset:
        free = next((n for n in range(1, self.slots + 1) if n not in self.handsets), None)
        if free is None:
            raise SubscriptionClosed(f"all {self.slots} slots are taken")
        handset = VirtualHandset(self, free, bytes([0x01, 0x23, 0x45, 0x60, free]))
        self.handsets[free] = handset
        return handset

    def _announce(self, handset: VirtualHandset) -> None:
        self.send(FrameType.SUBSCRIBED, handset.number, handset.ipui)
        if self.cells > 1:
            self.send(FrameType.LOCATION, handset.number, bytes([handset.cell]))

    def _hello(self) -> bytes:
        # A module with one cell answers as protocol version 1 always did (2 bytes).
        return bytes([VERSION, self.slots] + ([self.cells] if self.cells > 1 else []))

    def _boot(self) -> None:
        with self.lock:
            self._decoder.reset()
            for handset in self.handsets.values():
                handset.off_hook = handset.connected = handset.ringing = False
            self.send(FrameType.BOOT, 0, self._hello())

    def _on_bytes(self, data: bytes) -> None:
        with self.lock:
            for item in self._decoder.feed(data):
                if isinstance(item, FrameError):
                    log.info("DECT simulator: damaged input from host: %s", item.reason)
                    continue
                self.received.append(item)
                self._frame(item)

    def _nak(self, frame: Frame, reason: NakReason, text: str) -> None:
        self.send(FrameType.NAK, frame.handset, bytes([reason]) + text.encode(), seq=frame.seq)

    def _frame(self, frame: Frame) -> None:
        kind = frame.type
        if kind is FrameType.HELLO:
            self.send(FrameType.HELLO_REPLY, 0, self._hello(), seq=frame.seq)
            return
        if kind is FrameType.LIST:
            for known in self.handsets.values():
                self._announce(known)
        elif kind is FrameType.SUBSCRIPTION:
            if len(frame.payload) != 1:
                self._nak(frame, NakReason.BAD_PAYLOAD, "seconds")
                return
            self._set_window(frame.payload[0])
        elif kind.value >= FrameType.HELLO_REPLY:
            self._nak(frame, NakReason.UNKNOWN_TYPE, "not a host frame")
            return
        else:
            handset = self.handsets.get(frame.handset)
            if handset is None:
                if kind is not FrameType.AUDIO_OUT:
                    self._nak(frame, NakReason.NOT_SUBSCRIBED, f"handset {frame.handset}")
                return
            if not self._handset_frame(handset, frame):
                return
        if kind is not FrameType.AUDIO_OUT:
            self.send(FrameType.ACK, frame.handset, seq=frame.seq)

    def _handset_frame(self, handset: VirtualHandset, frame: Frame) -> bool:
        kind = frame.type
        if kind is FrameType.AUDIO_OUT:
            if handset.connected:
                handset._heard.push(alaw_to_linear16(frame.payload))
            return False
        if kind is FrameType.RING:
            try:
                melody, number, name = parse_ring_payload(frame.payload)
            except ValueError as exc:
                self._nak(frame, NakReason.BAD_PAYLOAD, str(exc))
                return False
            if handset.off_hook:
                self._nak(frame, NakReason.WRONG_STATE, "handset busy")
                return False
            handset.ringing, handset.melody = True, melody
            handset.caller_id = CallerId(number=number, name=name) if number or name else None
        elif kind is FrameType.STOP_RING:
            handset.ringing = False
        elif kind is FrameType.CONNECT:
            handset.connected = handset.off_hook
        elif kind is FrameType.RELEASE:
            handset.connected = False
            handset.released = handset.off_hook
        elif kind is FrameType.DISPLAY:
            handset.display = frame.payload.decode("utf-8", "replace")
        elif kind is FrameType.DEREGISTER:
            del self.handsets[handset.number]
            self.send(FrameType.DEREGISTERED, handset.number)
        return True

    def _set_window(self, seconds: int) -> None:
        if self._window is not None:
            self._window.cancel()
            self._window = None
        self.subscription_open = seconds > 0
        if seconds:
            self._window = self.clock.call_later(seconds, self._close_window)

    def _close_window(self) -> None:
        with self.lock:
            self.subscription_open = False
            self._window = None
