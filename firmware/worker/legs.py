"""Call legs of a worker: pjsua2 calls named by tokens.

Lifetime rule (pjsua2): a Call wrapper must stay referenced while its call lives
(a freed wrapper hangs the call up), and must be dropped inside its DISCONNECTED
callback (pjsua reuses call ids at once, and a wrapper freed later would hang up
whatever new call took its slot). So the only strong reference is the
`LegTable`, and a leg removes itself there when it disconnects.

A leg's tone generator, file player and recorder are referenced by the leg alone
and let go when it disconnects (a recorder writes its WAV header as it is freed).
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pjsua2 as pj

if TYPE_CHECKING:
    from firmware.worker.service import Worker


def first_active_audio(call: pj.Call) -> pj.AudioMedia | None:
    info = call.getInfo()
    for index, media in enumerate(info.media):
        if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            return call.getAudioMedia(index)
    return None


def remote_hold(call: pj.Call) -> bool:
    """The far end holds the call: its audio stream is sendonly or inactive towards us."""
    info = call.getInfo()
    for media in info.media:
        if media.type == pj.PJMEDIA_TYPE_AUDIO:
            return bool(media.status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD)
    return False


# The answer to a REFER: the brain carries out or refuses the transfer itself.
REFER_DECLINED = 603


class LegPlayer(pj.AudioMediaPlayer):
    """A file player (one file or a playlist) whose end the worker hears about.

    pjmedia calls onEof2 on its own event thread. The callback only queues work for
    the main loop (a deque append is thread-safe); the player is stopped and freed
    there, never inside the callback.
    """

    def __init__(self, worker: Worker, token: str) -> None:
        super().__init__()
        self.worker = worker
        self.token = token

    def onEof2(self) -> None:
        # An exception escaping into the SWIG director would abort the worker.
        with contextlib.suppress(Exception):
            self.worker.defer(self.token, self._reached_end)

    def _reached_end(self, leg: Leg) -> None:
        self.worker.playback_reached_end(leg, self)


@dataclass
class Playback:
    """A `play` in progress on a leg."""

    id: str
    player: LegPlayer
    loop: bool
    seconds: float  # length of all its files together
    started: float | None = None  # time.monotonic() when the leg's audio was first connected
    reached_end: bool = False  # the player said so; `played` may still wait (see Worker._media_due)


@dataclass
class Recording:
    """A `record` in progress on a leg."""

    id: str
    path: str
    recorder: pj.AudioMediaRecorder
    deadline: float  # time.monotonic() when max_seconds run out
    source: int | None = None  # conference slot of the leg's audio it is connected from
    # A conversation's recording also takes what arrives from this leg (the other party).
    also: str = ""
    also_source: int | None = None


class Leg(pj.Call):
    """One call leg; reports its life to the brain through the worker."""

    def __init__(self, worker: Worker, token: str, *, call_id: int = pj.PJSUA_INVALID_ID,
                 outgoing: bool, silent: bool = False) -> None:
        super().__init__(worker.account, call_id)
        self.worker = worker
        self.token = token
        self.outgoing = outgoing
        # A silent leg is one the worker refused itself (full): the brain never hears of it.
        self.silent = silent
        self.audio: pj.AudioMedia | None = None
        self.tone: pj.ToneGenerator | None = None
        self.tone_over = False  # the tone is a beep over the conversation (see Worker.start_tone)
        self.playback: Playback | None = None
        self.recording: Recording | None = None
        self.ended_by_command = False
        self._reported_progress = 0
        # The far end has put this leg on hold (a=sendonly/inactive in its re-INVITE).
        self.remote_hold = False
        # The brain says so for an extension's leg: its REFER is the brain's to carry out. Any
        # other party's (a trunk's, an exchange line's) is refused with 403.
        self.may_transfer = False
        # The music-on-hold source this leg hears (a key of Worker.music), if any.
        self.music: tuple[str, ...] | None = None

    def emit(self, kind: str, **fields: Any) -> None:
        if not self.silent:
            self.worker.emit({"type": kind, "leg": self.token, **fields})

    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        state = info.state
        if state == pj.PJSIP_INV_STATE_EARLY and self.outgoing:
            code = info.lastStatusCode
            if code in (180, 181, 182, 183) and code != self._reported_progress:
                self._reported_progress = code
                self.emit("progress", code=code)
        elif state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.emit("answered", call_id=info.callIdString)
        elif state == pj.PJSIP_INV_STATE_DISCONNECTED:
            # The worker ends playback and recording first: `played` and `recorded` precede `ended`.
            self.worker.leg_ended(self, {"code": info.lastStatusCode, "reason": info.lastReason,
                                         "by": "pbx" if self.ended_by_command else "remote"})

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        held = remote_hold(self)
        if held != self.remote_hold:
            self.remote_hold = held
            self.emit("held" if held else "resumed")
        audio = first_active_audio(self)
        if audio is None:
            return
        first = self.audio is None
        self.audio = audio
        if first:
            self.emit("media")
        # Connecting media from inside a callback is allowed, but doing it from
        # the main loop keeps every bridge change in one place.
        self.worker.defer(self.token, self.worker.connect_media)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        # RFC 2833 events and SIP INFO (application/dtmf-relay) both arrive here.
        self.emit("dtmf", digit=prm.digit)

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:
        # Accepting would make pjsua dial the target by itself, outside the brain's rules (and
        # its own call object for that dial has crashed the worker). The brain decides: the REFER
        # is declined here and reported; a transfer the brain allows ends this leg from the PBX.
        prm.statusCode = REFER_DECLINED if self.may_transfer else 403
        with contextlib.suppress(Exception):
            self.emit("refer", target=str(prm.dstUri))

    def onCallReplaceRequest(self, prm: pj.OnCallReplaceRequestParam) -> None:
        # An INVITE with Replaces would let pjsua swap calls on its own; only the brain joins calls.
        prm.statusCode = 403
        prm.reason = "Replaces not accepted"


class LegTable:
    """The only owner of Leg wrappers (see the module docstring)."""

    def __init__(self) -> None:
        self._legs: dict[str, Leg] = {}

    def add(self, leg: Leg) -> None:
        self._legs[leg.token] = leg

    def get(self, token: str) -> Leg | None:
        return self._legs.get(token)

    def forget(self, token: str) -> None:
        self._legs.pop(token, None)

    def __len__(self) -> int:
        return len(self._legs)

    def tokens(self) -> list[str]:
        return list(self._legs)

    def each(self, action: Callable[[Leg], None]) -> None:
        for leg in list(self._legs.values()):
            action(leg)

    def clear(self) -> None:
        self._legs.clear()
