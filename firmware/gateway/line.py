"""What every port of the line host has in common: an event queue worked by its own
thread (so a blocking hardware command holds up this port only), a timer, a SIP
call it may be in, and where its audio comes from every 20 ms.

Each kind of port is a state machine on top (phone.py, trunk.py, door.py,
paging.py); their events come from the hal drivers (listeners), from the SIP agent
(dicts such as {"type": "ended", ...}), from timers and from device health.
"""
from __future__ import annotations

import enum
import itertools
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Protocol

from firmware.dialplan.numbering import NumberingPlan
from firmware.gateway.accounts import PortAccount
from firmware.media.pcm import FRAME_BYTES, SILENCE, FrameSource, tone_pcm
from hal.audio.buffer import FrameBuffer
from hal.clock import Clock, Timer

log = logging.getLogger("minipbx.gateway.line")

# Frames from the call waiting to be played to the port; more are dropped (oldest first).
_TO_PORT_FRAMES = 4
_tokens = itertools.count(1)


@dataclass(frozen=True)
class Profile:
    """What the gateway needs of the configuration for one decision (read when needed,
    so a change applies to the next call)."""

    country: str
    caller_id: str  # fsk | dtmf | off
    plan: NumberingPlan


class Host(Protocol):
    """The line host as a line sees it."""

    clock: Clock
    edge: str

    def send(self, line: Line, message: dict[str, Any]) -> bool: ...

    def send_audio(self, slot: int, frame: bytes) -> None: ...

    def profile(self) -> Profile: ...

    def wake_audio(self) -> None:
        """A line's audio starts: the host's audio clock, idle while no line plays, ticks again."""
        ...


@dataclass(frozen=True)
class Timeout:
    name: str
    generation: int


@dataclass(frozen=True)
class DeviceHealth:
    up: bool
    detail: str


@dataclass(frozen=True)
class AgentLost:
    """The SIP agent holding this port went away: its call is gone."""


class AudioMode(enum.Enum):
    IDLE = "idle"  # nothing is played; what the port hears is discarded
    TONE = "tone"  # a locally made tone (dial tone, ringback, DTMF caller ID)
    RELAY = "relay"  # the SIP call's audio, both ways


_STOP = object()
# More than any device buffer holds (FrameBuffer's default is 50 frames): a bound, not a target.
_MAX_STALE_FRAMES = 1000


class _Source(Protocol):
    def next_frame(self) -> bytes: ...


class _Then:
    """One source played once, then another (one object, so the audio clock thread never
    sees a half-made switch)."""

    def __init__(self, first: FrameSource, then: FrameSource) -> None:
        self.first = first
        self.then = then

    def next_frame(self) -> bytes:
        return self.then.next_frame() if self.first.done else self.first.next_frame()


class Line:
    kind = ""

    def __init__(self, name: str, host: Host, device: str) -> None:
        self.name = name
        self.host = host
        self.device = device  # the hal device whose health this port shares
        self.account: PortAccount | None = None
        self.slot = -1
        self.registered = False
        self.state = "idle"
        self.fault = ""
        self.call: str | None = None
        self.mode = AudioMode.IDLE
        self._tone: _Source | None = None
        self.to_port = FrameBuffer(max_frames=_TO_PORT_FRAMES)
        self._queue: queue.Queue[object] = queue.Queue()
        self._timer: Timer | None = None
        self._generation = 0
        self._thread = threading.Thread(target=self._run, name=f"line-{name}", daemon=True)

    # ---- life ------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=5)

    def post(self, event: object) -> None:
        """Hand an event to this line's thread (callable from any thread)."""
        self._queue.put(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is _STOP:
                return
            try:
                self._dispatch(event)
            except Exception:
                log.exception("%s: handling %r failed", self.name, event)

    def _dispatch(self, event: object) -> None:
        if isinstance(event, dict):
            if event["type"] == "registered":
                self.registered = bool(event.get("active")) and int(event.get("code", 0)) // 100 == 2
                return
            if event["type"] == "mwi":
                self.on_mwi(bool(event.get("waiting")), int(event.get("new", 0)), int(event.get("saved", 0)))
                return
            self.on_sip(event)
        elif isinstance(event, Timeout):
            if event.generation == self._generation:
                self._timer = None
                self.on_timeout(event.name)
        elif isinstance(event, DeviceHealth):
            self.fault = "" if event.up else (event.detail or "device down")
            self.on_health(event.up)
        elif isinstance(event, AgentLost):
            self.registered = False
            if self.call is not None:
                self.on_sip({"type": "ended", "call": self.call, "code": 503, "reason": "SIP agent lost"})
        else:
            self.on_hardware(event)

    # ---- for the kinds of port ---------------------------------------------------
    def on_sip(self, message: dict[str, Any]) -> None:
        """An event of the SIP agent about this port's call (incoming, progress, media, answered, ended)."""

    def on_hardware(self, event: object) -> None:
        """An event of the hal driver."""

    def on_mwi(self, waiting: bool, new: int, saved: int) -> None:
        """The PBX says whether this port's mailbox holds new voice messages (RFC 3842)."""

    def on_timeout(self, name: str) -> None:
        """A timer set with `start_timer` ran out."""

    def on_health(self, up: bool) -> None:
        """The device went down (unplugged) or came back."""

    def snapshot(self) -> dict[str, object]:
        return {"device": self.name, "kind": self.kind, "extension": self.account.username if self.account else "",
                "registered": self.registered, "state": self.state, "fault": self.fault}

    # ---- timers ----------------------------------------------------------------
    def start_timer(self, name: str, seconds: float) -> None:
        self.cancel_timer()
        self._generation += 1
        generation = self._generation
        self._timer = self.host.clock.call_later(seconds, lambda: self.post(Timeout(name, generation)))

    def cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._generation += 1

    # ---- SIP -----------------------------------------------------------------
    def sip(self, kind: str, **fields: Any) -> bool:
        return self.host.send(self, {"type": kind, **fields})

    def place_call(self, target: str, display: str = "") -> None:
        """Call `target` (a number or user) through the edge from this port's account."""
        self.call = f"g{next(_tokens)}"
        if not self.sip("call", slot=self.slot, call=self.call, uri=f"sip:{target}@{self.host.edge}",
                        display=display):
            # No agent holds this port right now: the call fails like an unreachable PBX.
            self.post({"type": "ended", "call": self.call, "code": 503, "reason": "no SIP agent"})

    def hang_up_call(self, code: int = 0) -> None:
        if self.call is not None:
            self.sip("hangup", call=self.call, code=code)
            self.call = None

    def is_our_call(self, message: dict[str, Any]) -> bool:
        return self.call is not None and message.get("call") == self.call

    # ---- audio (the mode is read by the host's 20 ms clock thread) --------------
    def play(self, segments: list[list[int]], loop: bool = True) -> None:
        self.play_pcm(tone_pcm(segments), loop)

    def play_then(self, first: list[list[int]], then: list[list[int]]) -> None:
        """`first` once, then `then` in a loop (the stutter dial tone: broken, then steady)."""
        self._tone = _Then(FrameSource(tone_pcm(first), loop=False), FrameSource(tone_pcm(then), loop=True))
        self._start_audio(AudioMode.TONE)

    def play_pcm(self, pcm: bytes, loop: bool) -> FrameSource:
        source = FrameSource(pcm, loop=loop)
        self._tone = source
        self._start_audio(AudioMode.TONE)
        return source

    def quiet(self) -> None:
        self.mode = AudioMode.IDLE
        self._tone = None

    def relay(self) -> None:
        if self.mode is not AudioMode.RELAY:
            self.to_port.clear()
            self._start_audio(AudioMode.RELAY)

    def _start_audio(self, mode: AudioMode) -> None:
        if self.mode is AudioMode.IDLE:
            # The clock does not read an idle port: what it heard meanwhile is stale.
            self.discard_heard()
        self.mode = mode
        self.host.wake_audio()

    def from_call(self, frame: bytes) -> None:
        """20 ms of the call's audio (agent reader thread)."""
        if self.mode is AudioMode.RELAY:
            self.to_port.push(frame)

    def tick(self) -> None:
        """Every 20 ms while the port plays, on the host's audio clock thread: keep its audio moving."""
        mode = self.mode
        if mode is AudioMode.TONE and self._tone is not None:
            self.write(self._tone.next_frame())
            self.read()
        elif mode is AudioMode.RELAY:
            self.write(self.to_port.pop(FRAME_BYTES) or SILENCE)
            for heard in self.heard_frames():
                self.host.send_audio(self.slot, heard)

    @property
    def plays(self) -> bool:
        """The audio clock ticks this port (an idle one is left alone, see `discard_heard`)."""
        return self.mode is not AudioMode.IDLE

    def read(self) -> bytes | None:
        """20 ms the port heard (None for ports that only play)."""
        return None

    def poll_heard(self) -> bytes | None:
        """20 ms the port heard if a whole frame is there, else None (nothing consumed)."""
        return None

    def discard_heard(self) -> None:
        """Drop what the port heard while idle, so a call does not start with old sound."""
        for _ in range(_MAX_STALE_FRAMES):
            if self.poll_heard() is None:
                return

    def write(self, frame: bytes) -> None:
        """Play 20 ms to the port."""

    def heard_frames(self) -> list[bytes]:
        """What goes to the call of what the port heard this tick (FXO lines cancel their echo)."""
        heard = self.read()
        return [] if heard is None else [heard]
