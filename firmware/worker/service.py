"""A call worker: executes the brain's commands on pjsua2 calls and reports events.

No routing logic lives here. One thread does everything with pjsua2: it polls it, runs
the brain's commands and runs work deferred out of pjsua2 callbacks. A reader thread
only receives the brain's bytes and wakes that loop (firmware/worker/waker.py).
"""
from __future__ import annotations

import contextlib
import errno
import gc
import itertools
import logging
import math
import os
import re
import signal
import socket
import sys
import threading
import time
import wave
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pjsua2 as pj

from firmware.media import wavfile
from firmware.worker.endpoint import EndpointSettings, account_config, create_endpoint, probe_call_capacity
from firmware.worker.legs import Leg, LegPlayer, LegTable, Playback, Recording
from firmware.worker.protocol import COMMANDS, Message, ProtocolError, decode, encode
from firmware.worker.sipmsg import parse_invite
from firmware.worker.waker import SocketReader, Waker

log = logging.getLogger("minipbx.worker")

# An incoming call needs its own slot and one for the leg the brain will dial.
SLOTS_PER_INCOMING = 2

# A freed recorder writes its WAV header when the conference bridge drops it, on the bridge's
# next tick (20 ms); past this limit `recorded` goes out anyway, with an error.
RECORDING_CLOSE_SECONDS = 2.0
# onEof2 comes from pjmedia's event thread. A player the worker has stopped is kept this long
# before it is freed, so an end-of-file callback already on its way never meets a dying player.
PLAYER_RETIRE_SECONDS = 1.0
# pjmedia refuses a WAV file holding less than one 20 ms frame.
MIN_WAV_MS = 20
# An open recording's file is synced to disk this often: a power cut loses at most these
# seconds, plus pjmedia's own write buffer (4000 bytes: 0.25 s of PCM, 0.5 s of G.711).
RECORDING_SYNC_SECONDS = 2.0
# The main loop's libHandleEvents() timeout with calls up, and idle (see Worker._poll_ms).
BUSY_POLL_MS = 10
IDLE_POLL_MS = 1000
# The recorder formats `record` accepts, as pjmedia's WAV writer flags.
RECORD_FORMATS = {"pcm": 0, "ulaw": 2}
DTMF_DIGITS = re.compile(r"[0-9*#A-Da-d]+")


class MediaFileError(Exception):
    """A file a command names cannot be used; the text names the file and what is wrong."""


def wav_length(path: str) -> tuple[int, float]:
    """(sample rate, seconds) of a WAV file pjmedia can play: 16-bit PCM mono, at least 20 ms."""
    if not os.path.isabs(path):
        raise MediaFileError(f"{path!r} is not an absolute path")
    try:
        with wave.open(path, "rb") as wav:
            rate, channels, width, frames = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth(),
                                             wav.getnframes())
    except FileNotFoundError:
        raise MediaFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise MediaFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (wave.Error, EOFError) as exc:
        raise MediaFileError(f"{path}: not a PCM WAV file ({exc or 'truncated'})") from None
    if channels != 1 or width != 2 or rate <= 0:
        raise MediaFileError(f"{path}: {channels} channel(s) of {8 * width}-bit samples at {rate} Hz; "
                             "16-bit mono is accepted")
    if frames * 1000 < rate * MIN_WAV_MS:
        raise MediaFileError(f"{path}: {frames} samples, shorter than {MIN_WAV_MS} ms")
    return rate, frames / rate


class RecordingSyncer:
    """fsyncs the files of open recordings on a thread of its own: on an SD card one fsync can
    take tens of milliseconds, and the worker's loop must not wait for it (SIP and the brain's
    commands go through that loop). Files are opened by name each round, so a recording that
    closes meanwhile is no concern of the main loop's."""

    def __init__(self) -> None:
        self._paths: tuple[str, ...] = ()
        self._wake = threading.Event()
        threading.Thread(target=self._run, name="recording-sync", daemon=True).start()

    def sync(self, paths: list[str]) -> None:
        """Sync these files soon (a tuple swap and an event: safe from the main loop)."""
        if paths:
            self._paths = tuple(paths)
            self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            for path in self._paths:
                try:
                    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
                except OSError:
                    continue  # closed and moved meanwhile, or gone: nothing to keep
                try:
                    os.fsync(fd)
                except OSError:
                    pass
                finally:
                    os.close(fd)


@dataclass(frozen=True)
class ClosingRecording:
    """A recording whose recorder has been freed; `recorded` goes out once pjmedia closed the file."""

    token: str
    id: str
    path: str
    reason: str
    deadline: float


@dataclass
class MusicSource:
    """One music class playing on this worker, and the legs that hear it."""

    player: LegPlayer
    listeners: set[str] = field(default_factory=set)


def _music_key(files: Any) -> tuple[str, ...]:
    """Which player a music class's files share: the paths and when each was last written, so that
    music uploaded again (same path, new file) gets a new player for the next held caller, while
    those already holding hear the old one to its end."""
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return ()
    stamps = []
    for name in files:
        try:
            stamps.append(str(os.stat(name).st_mtime_ns))
        except OSError:
            stamps.append("")  # _play_files names the missing file
    return (*files, *stamps)


class WorkerAccount(pj.Account):
    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.worker.incoming(prm)


class Worker:
    def __init__(self, number: int, brain: socket.socket, settings: EndpointSettings) -> None:
        self.number = number
        self.brain = brain
        self.settings = settings
        self.legs = LegTable()
        self.bridges: dict[str, str] = {}
        self.pending: deque[tuple[str, Callable[[Leg], None]]] = deque()
        self.closing: list[ClosingRecording] = []
        # `ended` of legs whose recordings are still closing, sent after their `recorded`.
        self.held_ended: dict[str, Message] = {}
        self.retired: list[tuple[float, LegPlayer]] = []  # (free after, player)
        # Music on hold: one looping player per music class (its files), heard by every leg
        # that holds it, so a hundred held callers cost one player.
        self.music: dict[tuple[str, ...], MusicSource] = {}
        # Conference rooms on this worker: room -> member leg -> muted. Every member hears every
        # other (a full mesh in the conference bridge, which sums what each port receives).
        self.rooms: dict[str, dict[str, bool]] = {}
        # Legs whose voice goes into another leg's recording (a conversation's): token -> that recording.
        self.also_recorded: dict[str, Recording] = {}
        self._next_sync = 0.0
        self.syncer = RecordingSyncer()
        self.outbox = bytearray()
        self.inbox = bytearray()
        self.stopping = False
        self._ids = itertools.count(1)
        self.ep = create_endpoint(settings)
        self.account = WorkerAccount(self)
        self.account.create(account_config(settings), True)
        self.capacity = probe_call_capacity(self.ep, self.account, settings, settings.requested_calls)
        self.waker = Waker(settings.sip_host, settings.sip_port)
        self.reader = SocketReader(brain, self.waker, "brain-reader")

    # ---- events to the brain -------------------------------------------------
    def emit(self, message: Message) -> None:
        self.outbox += encode(message)

    def defer(self, token: str, action: Callable[[Leg], None]) -> None:
        """Run action(leg) from the main loop, if the leg still exists then."""
        self.pending.append((token, action))

    def leg_ended(self, leg: Leg, ended: dict[str, Any]) -> None:
        """From the leg's DISCONNECTED callback: forget it, end its playback and recording, and
        report `ended` - after `played` and after `recorded` (which waits for the WAV file to close)."""
        token = leg.token
        self.legs.forget(token)
        peer = self.bridges.pop(token, None)
        if peer is not None:
            self.bridges.pop(peer, None)
        room = self._room_of(token)
        if room is not None:
            # The conference bridge drops the leg's port and its connections by itself.
            del self.rooms[room][token]
            if not self.rooms[room]:
                del self.rooms[room]
        self.stop_music(leg)
        leg.audio = None  # the call's media is gone; its conference slot may be reused
        leg.tone = None
        self.stop_play(leg)
        self._close_recording(leg, "hangup")
        if leg.silent:
            return
        message: Message = {"type": "ended", "leg": token, **ended}
        if any(closing.token == token for closing in self.closing):
            self.held_ended[token] = message
        else:
            self.emit(message)

    # ---- incoming calls ------------------------------------------------------
    def incoming(self, prm: pj.OnIncomingCallParam) -> None:
        invite = parse_invite(prm.rdata.wholeMsg)
        full = len(self.legs) + SLOTS_PER_INCOMING > self.capacity
        token = f"w{self.number}-{next(self._ids)}"
        leg = Leg(self, token, call_id=prm.callId, outgoing=False, silent=full)
        self.legs.add(leg)
        if full:
            # The edge tries the next worker on 503.
            self.defer(token, lambda leg: self._reject(leg, 503, "Worker Full"))
            return
        leg.emit(
            "incoming",
            call_id=invite.call_id,
            from_user=invite.from_user,
            from_name=invite.from_name,
            to_user=invite.request_user or invite.to_user,
            # Set by the edge after digest authentication; absent = not a known device.
            auth_user=invite.headers.get("x-minipbx-user", ""),
            # Set by the edge for calls from a provider it recognised by address.
            trunk=invite.headers.get("x-minipbx-trunk", ""),
            did=invite.headers.get("x-minipbx-did", ""),
            # Set by another worker of this PBX joining one of our legs to one of its own.
            link=invite.headers.get("x-minipbx-link", ""),
            source=prm.rdata.srcAddress,
        )

    def _reject(self, leg: Leg, code: int, reason: str) -> None:
        op = pj.CallOpParam()
        op.statusCode = code
        op.reason = reason
        leg.hangup(op)

    # ---- commands from the brain --------------------------------------------
    def handle(self, message: Message) -> None:
        kind = message["type"]
        if kind == "status":
            self.emit({"type": "status", "legs": len(self.legs), "capacity": self.capacity,
                       "bridges": len(self.bridges) // 2, "tokens": self.legs.tokens(),
                       "music": sum(len(source.listeners) for source in self.music.values()),
                       "music_players": len(self.music),
                       "rooms": {room: sorted(members) for room, members in self.rooms.items()}})
            return
        if kind == "dial":
            self.dial(message)
            return
        if kind == "bridge":
            self.bridges[message["a"]] = message["b"]
            self.bridges[message["b"]] = message["a"]
            for token in (message["a"], message["b"]):
                self.defer(token, self.connect_media)
            return
        if kind == "unbridge":
            self.unbridge(str(message["a"]), str(message["b"]))
            return
        if kind in ("room_join", "room_leave", "room_mute"):
            self.room_command(kind, str(message["room"]), str(message["leg"]), bool(message.get("muted")))
            return
        leg = self.legs.get(message["leg"])
        if leg is None:
            # Normal race: the leg ended while the command was on its way.
            return
        if kind == "answer":
            op = pj.CallOpParam()
            op.statusCode = int(message["code"])
            leg.answer(op)
        elif kind == "hangup":
            op = pj.CallOpParam()
            op.statusCode = int(message.get("code", 0))
            if message.get("reason"):
                op.reason = str(message["reason"])
            leg.ended_by_command = True
            leg.hangup(op)
        elif kind == "tone":
            self.start_tone(leg, message["segments"], bool(message.get("loop", True)), bool(message.get("over")))
        elif kind == "stop_tone":
            self.stop_tone(leg)
        elif kind == "play":
            self.play(leg, message)
        elif kind == "stop_play":
            self.stop_play(leg)
        elif kind == "allow_transfer":
            leg.may_transfer = True
        elif kind == "music":
            self.start_music(leg, message["files"])
        elif kind == "stop_music":
            self.stop_music(leg)
        elif kind == "record":
            self.record(leg, message)
        elif kind == "stop_record":
            self._close_recording(leg, "stopped")
        elif kind == "dtmf":
            digits = str(message["digits"])
            if DTMF_DIGITS.fullmatch(digits):
                leg.dialDtmf(digits)  # RFC 2833, pjsua's default method
            else:
                self.emit({"type": "error", "leg": leg.token,
                           "message": f"dtmf: bad digits {digits!r}; accepted: 0-9 * # A-D"})

    def dial(self, message: Message) -> None:
        token = str(message["leg"])
        leg = Leg(self, token, outgoing=True)
        leg.may_transfer = bool(message.get("may_transfer", False))
        self.legs.add(leg)
        op = pj.CallOpParam(True)
        op.txOption.localUri = str(message["from_uri"])
        for name, value in dict(message.get("headers", {})).items():
            header = pj.SipHeader()
            header.hName = str(name)
            header.hValue = str(value)
            op.txOption.headers.append(header)
        try:
            leg.makeCall(str(message["uri"]), op)
        except pj.Error as exc:
            self.legs.forget(token)
            self.emit({"type": "ended", "leg": token, "code": 500, "reason": exc.reason or "dial failed",
                       "by": "pbx"})

    # ---- media ---------------------------------------------------------------
    def connect_media(self, leg: Leg) -> None:
        if leg.audio is None:
            return
        recording = leg.recording
        if recording is not None and recording.source != leg.audio.getPortId():
            # The recorder hears the leg alone, bridged or not.
            leg.audio.startTransmit(recording.recorder)
            recording.source = leg.audio.getPortId()
        mixed = self.also_recorded.get(leg.token)
        if mixed is not None and mixed.also_source != leg.audio.getPortId():
            # A conversation's recording: the other party's voice goes into the same file.
            leg.audio.startTransmit(mixed.recorder)
            mixed.also_source = leg.audio.getPortId()
        room = self._room_of(leg.token)
        if room is not None:
            self._connect_room(leg, room)
            if leg.tone is not None and leg.tone_over:
                leg.tone.startTransmit(leg.audio)
            if leg.music is not None and leg.music in self.music:
                self.music[leg.music].player.startTransmit(leg.audio)  # alone in the room
            if leg.playback is not None:
                self._start_playback(leg, leg.playback)  # a prompt to this member only
            return
        peer_token = self.bridges.get(leg.token)
        peer = self.legs.get(peer_token) if peer_token else None
        if peer is None or peer.audio is None:
            if leg.tone is not None and peer_token is None:
                leg.tone.startTransmit(leg.audio)
            if leg.playback is not None:
                self._start_playback(leg, leg.playback)
            if leg.music is not None and leg.music in self.music:
                self.music[leg.music].player.startTransmit(leg.audio)
            return
        for either in (leg, peer):
            if not either.tone_over:
                self.stop_tone(either)
            self.stop_play(either)
            self.stop_music(either)
        leg.audio.startTransmit(peer.audio)
        peer.audio.startTransmit(leg.audio)
        if leg.tone is not None and leg.tone_over:
            leg.tone.startTransmit(leg.audio)

    # ---- conference rooms ------------------------------------------------------
    def room_command(self, kind: str, room: str, token: str, muted: bool) -> None:
        members = self.rooms.get(room, {})
        if kind == "room_join":
            if token in members:
                return
            members = self.rooms.setdefault(room, {})
            members[token] = False
            leg = self.legs.get(token)
            if leg is not None:
                self._quiet(leg)  # what the worker played to it (music while alone) stops
                self._connect_room(leg, room)
        elif kind == "room_leave":
            if members.pop(token, None) is None:
                return
            self._part_room(token, room, members)
            if not members:
                self.rooms.pop(room, None)
        elif token in members and members[token] != muted:
            members[token] = muted
            leg = self.legs.get(token)
            if leg is None or leg.audio is None:
                return
            for other in self._room_audio(room, besides=token):
                with contextlib.suppress(pj.Error):
                    if muted:
                        leg.audio.stopTransmit(other)
                    else:
                        leg.audio.startTransmit(other)

    def _room_audio(self, room: str, besides: str) -> list[pj.AudioMedia]:
        found = []
        for token in self.rooms.get(room, {}):
            other = self.legs.get(token)
            if token != besides and other is not None and other.audio is not None:
                found.append(other.audio)
        return found

    def _connect_room(self, leg: Leg, room: str) -> None:
        """The member hears the others and, unless muted, they hear it (again after a media change)."""
        if leg.audio is None:
            return
        members = self.rooms[room]
        for token, other_muted in members.items():
            other = self.legs.get(token)
            if token == leg.token or other is None or other.audio is None:
                continue
            if not other_muted:
                other.audio.startTransmit(leg.audio)
            if not members[leg.token]:
                leg.audio.startTransmit(other.audio)

    def _part_room(self, token: str, room: str, members: dict[str, bool]) -> None:
        leg = self.legs.get(token)
        if leg is None or leg.audio is None:
            return
        for other in self._room_audio(room, besides=token):
            with contextlib.suppress(pj.Error):
                leg.audio.stopTransmit(other)
            with contextlib.suppress(pj.Error):
                other.stopTransmit(leg.audio)

    def _room_of(self, token: str) -> str | None:
        return next((room for room, members in self.rooms.items() if token in members), None)

    def unbridge(self, a: str, b: str) -> None:
        """Part two bridged legs; each then hears what the worker plays to it (or nothing)."""
        if self.bridges.get(a) != b:
            return
        del self.bridges[a]
        self.bridges.pop(b, None)
        leg_a, leg_b = self.legs.get(a), self.legs.get(b)
        if leg_a is not None and leg_b is not None and leg_a.audio is not None and leg_b.audio is not None:
            with contextlib.suppress(pj.Error):
                leg_a.audio.stopTransmit(leg_b.audio)
            with contextlib.suppress(pj.Error):
                leg_b.audio.stopTransmit(leg_a.audio)

    def start_music(self, leg: Leg, files: Any) -> None:
        """The leg hears its music class, from the one player this worker keeps for it."""
        self._quiet(leg)
        # Looked up before the files are checked: the class usually plays already for another leg.
        key = _music_key(files)
        source = self.music.get(key)
        if source is None:
            try:
                names = [name for name, _ in self._play_files(files)]
                # The empty token: the player belongs to no leg, and its end of file is never due.
                player = self._open_player("", names, f"music/{len(self.music)}", loop=True)
            except MediaFileError as exc:
                self.emit({"type": "error", "leg": leg.token, "message": f"music: {exc}"})
                return
            source = self.music[key] = MusicSource(player)
        source.listeners.add(leg.token)
        leg.music = key
        self.connect_media(leg)

    def stop_music(self, leg: Leg) -> None:
        key = leg.music
        if key is None:
            return
        leg.music = None
        source = self.music.get(key)
        if source is None:
            return
        if leg.audio is not None:
            with contextlib.suppress(pj.Error):
                source.player.stopTransmit(leg.audio)
        source.listeners.discard(leg.token)
        if not source.listeners:
            del self.music[key]
            self.retired.append((time.monotonic() + PLAYER_RETIRE_SECONDS, source.player))

    def _quiet(self, leg: Leg) -> None:
        """Whatever the worker plays to the leg stops: a tone, a play, music."""
        self.stop_tone(leg)
        self.stop_play(leg)
        self.stop_music(leg)

    def _open_player(self, token: str, names: list[str], label: str, loop: bool) -> LegPlayer:
        """A player of one file or a playlist; MediaFileError names the files pjmedia refused."""
        player = LegPlayer(self, token)
        options = 0 if loop else pj.PJMEDIA_FILE_NO_LOOP
        try:
            if len(names) == 1:
                player.createPlayer(names[0], options)
            else:
                vector = pj.StringVector()
                for name in names:
                    vector.append(name)
                player.createPlaylist(vector, label, options)
        except pj.Error as exc:
            raise MediaFileError(f"{', '.join(names)}: {exc.reason}") from None
        return player

    def start_tone(self, leg: Leg, segments: list[list[int]], loop: bool, over: bool = False) -> None:
        """`over`: a beep heard over the conversation (a bridge neither stops it nor is stopped)."""
        if over:
            self.stop_tone(leg)
        else:
            self._quiet(leg)
        descs = pj.ToneDescVector()
        for freq1, freq2, on_ms, off_ms in segments:
            desc = pj.ToneDesc()
            desc.freq1, desc.freq2, desc.on_msec, desc.off_msec = int(freq1), int(freq2), int(on_ms), int(off_ms)
            desc.volume = 0
            descs.append(desc)
        tone = pj.ToneGenerator()
        tone.createToneGenerator(self.settings.clock_rate, 1)
        tone.play(descs, loop)
        leg.tone = tone
        leg.tone_over = over
        self.connect_media(leg)

    def stop_tone(self, leg: Leg) -> None:
        if leg.tone is not None:
            if leg.audio is not None:
                with contextlib.suppress(pj.Error):
                    leg.tone.stopTransmit(leg.audio)
            leg.tone = None

    def play(self, leg: Leg, message: Message) -> None:
        play_id = str(message["id"])
        loop = bool(message.get("loop", False))
        # The play replaces what the leg heard from the worker, even if it then fails.
        self._quiet(leg)
        try:
            files = self._play_files(message["files"])
            player = self._open_player(leg.token, [name for name, _ in files], f"{leg.token}/{play_id}", loop)
        except MediaFileError as exc:
            self.emit({"type": "error", "leg": leg.token, "message": f"play {play_id}: {exc}"})
            leg.emit("played", id=play_id, error=str(exc))
            return
        leg.playback = Playback(play_id, player, loop, seconds=sum(seconds for _, seconds in files))
        self.connect_media(leg)

    @staticmethod
    def _play_files(files: Any) -> list[tuple[str, float]]:
        """(path, seconds) of each file; MediaFileError names the first that cannot be played."""
        if not isinstance(files, list) or not files or not all(isinstance(name, str) for name in files):
            raise MediaFileError(f"files must be a list of WAV file paths, not {files!r}")
        checked = []
        first_rate = 0
        for name in files:
            rate, seconds = wav_length(name)
            first_rate = first_rate or rate
            if rate != first_rate:
                raise MediaFileError(f"{name}: {rate} Hz, unlike {files[0]} ({first_rate} Hz); "
                                     "the files of one play must share a sample rate")
            checked.append((name, seconds))
        return checked

    def _start_playback(self, leg: Leg, playback: Playback) -> None:
        assert leg.audio is not None
        playback.player.startTransmit(leg.audio)
        if playback.started is None:
            playback.started = time.monotonic()

    def playback_reached_end(self, leg: Leg, player: LegPlayer) -> None:
        """A player's end-of-file, deferred from its callback (every lap, when it loops)."""
        playback = leg.playback
        if playback is not None and playback.player is player and not playback.loop:
            playback.reached_end = True
            self._media_due(leg, time.monotonic())

    def stop_play(self, leg: Leg) -> None:
        self._end_playback(leg, stopped=True)

    def _end_playback(self, leg: Leg, **extra: Any) -> None:
        playback = leg.playback
        if playback is None:
            return
        leg.playback = None
        if leg.audio is not None:
            with contextlib.suppress(pj.Error):
                playback.player.stopTransmit(leg.audio)
        self.retired.append((time.monotonic() + PLAYER_RETIRE_SECONDS, playback.player))
        leg.emit("played", id=playback.id, **extra)

    def record(self, leg: Leg, message: Message) -> None:
        record_id, path, limit = str(message["id"]), str(message["path"]), message["max_seconds"]
        also, fmt = str(message.get("also", "")), str(message.get("format", "pcm"))
        self._close_recording(leg, "stopped")
        problem = ""
        if not os.path.isabs(path):
            problem = f"{path!r} is not an absolute path"
        elif isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit < math.inf:
            problem = f"max_seconds must be a positive number, not {limit!r}"
        elif fmt not in RECORD_FORMATS:
            problem = f"format {fmt!r} is not known; use {' or '.join(RECORD_FORMATS)}"
        elif also and (also == leg.token or also in self.also_recorded):
            problem = f"leg {also} cannot be mixed into this recording (it is the leg itself, or in another one)"
        else:
            recorder = pj.AudioMediaRecorder()
            try:
                # WAV at the bridge's rate (8 kHz), mono: 16-bit PCM or G.711 u-law.
                recorder.createRecorder(path, 0, 0, RECORD_FORMATS[fmt])
            except pj.Error as exc:
                problem = f"{path}: cannot be written ({exc.reason})"
        if problem:
            self.emit({"type": "error", "leg": leg.token, "message": f"record {record_id}: {problem}"})
            leg.emit("recorded", id=record_id, path=path, seconds=0.0, reason="error", error=problem)
            return
        recording = Recording(record_id, path, recorder, deadline=time.monotonic() + float(limit), also=also)
        leg.recording = recording
        self.connect_media(leg)
        if also:
            self.also_recorded[also] = recording
            other = self.legs.get(also)
            if other is not None:
                self.connect_media(other)

    def _close_recording(self, leg: Leg, reason: str) -> None:
        recording = leg.recording
        if recording is None:
            return
        leg.recording = None
        if leg.audio is not None:
            with contextlib.suppress(pj.Error):
                leg.audio.stopTransmit(recording.recorder)
        if recording.also and self.also_recorded.get(recording.also) is recording:
            del self.also_recorded[recording.also]
            other = self.legs.get(recording.also)
            if other is not None and other.audio is not None:
                with contextlib.suppress(pj.Error):
                    other.audio.stopTransmit(recording.recorder)
        # Freeing the recorder (the last reference goes with this function) makes pjmedia finish the file.
        self.closing.append(ClosingRecording(leg.token, recording.id, recording.path, reason,
                                             time.monotonic() + RECORDING_CLOSE_SECONDS))

    def _media_due(self, leg: Leg, now: float) -> None:
        playback = leg.playback
        # A playlist reports its end on reading its last block, up to a block (0.25 s) before the
        # caller has heard it: `played` also waits for the length of the files.
        if playback is not None and playback.reached_end and now >= (playback.started or now) + playback.seconds:
            self._end_playback(leg)
        if leg.recording is not None and now >= leg.recording.deadline:
            self._close_recording(leg, "max")

    def _report_closed_recordings(self, now: float) -> None:
        waiting: set[str] = set()  # legs with an earlier recording still open: theirs go out in order
        still_closing = []
        for closing in self.closing:
            closed = closing.token not in waiting and wavfile.is_closed(closing.path)
            if closing.token in waiting or (not closed and now < closing.deadline):
                still_closing.append(closing)
                waiting.add(closing.token)
                continue
            message: Message = {"type": "recorded", "leg": closing.token, "id": closing.id, "path": closing.path,
                                "seconds": wavfile.audio_seconds(closing.path), "reason": closing.reason}
            if not closed:
                message["error"] = f"{closing.path} was not finished within {RECORDING_CLOSE_SECONDS:g} s"
            self.emit(message)
        self.closing = still_closing
        for token in [token for token in self.held_ended if token not in waiting]:
            self.emit(self.held_ended.pop(token))

    def _check_media(self) -> None:
        now = time.monotonic()
        self.legs.each(lambda leg: self._media_due(leg, now))
        if now >= self._next_sync:
            self._next_sync = now + RECORDING_SYNC_SECONDS
            paths: list[str] = []
            self.legs.each(lambda leg: paths.append(leg.recording.path) if leg.recording is not None else None)
            self.syncer.sync(paths)
        if self.closing:
            self._report_closed_recordings(now)
        if self.retired and self.retired[0][0] <= now:
            self.retired = [(when, player) for when, player in self.retired if when > now]

    # ---- the loop ------------------------------------------------------------
    def _read_brain(self) -> None:
        self.waker.woken()  # cleared before draining: whatever arrives from now on wakes the loop again
        self.reader.drain(self._take)

    def _take(self, chunk: bytes) -> None:
        if not chunk:
            log.warning("brain connection closed; worker %d stops", self.number)
            self.stopping = True
            return
        self.inbox += chunk
        while b"\n" in self.inbox:
            line, _, rest = self.inbox.partition(b"\n")
            self.inbox = bytearray(rest)
            try:
                message = decode(bytes(line), COMMANDS)
            except ProtocolError as exc:
                self.emit({"type": "error", "message": str(exc)})
                continue
            try:
                self.handle(message)
            except pj.Error as exc:
                self.emit({"type": "error", "message": f"{message['type']} failed: {exc.info()}",
                           "leg": message.get("leg")})

    def _run_pending(self) -> None:
        for _ in range(len(self.pending)):
            token, action = self.pending.popleft()
            leg = self.legs.get(token)
            if leg is None:
                continue
            try:
                action(leg)
            except pj.Error as exc:
                self.emit({"type": "error", "message": f"{exc.info()}", "leg": token})

    def _flush(self) -> None:
        while self.outbox:
            try:
                sent = self.brain.send(self.outbox)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EPIPE, errno.ECONNRESET):
                    self.stopping = True
                    return
                raise
            del self.outbox[:sent]

    def _poll_ms(self) -> int:
        """How long the next libHandleEvents() may sleep when nothing wakes it.

        While legs exist their media has deadlines (a prompt's end, recordings to sync) and
        pjmedia's threads hand work over: look every 10 ms. Idle, SIP and the brain's commands
        wake the loop themselves (the waker), so it sleeps long and costs nothing.
        """
        if len(self.legs) or self.pending or self.closing or self.retired or self.outbox or self.reader.chunks:
            return BUSY_POLL_MS
        return IDLE_POLL_MS

    def run(self) -> None:
        self.emit({"type": "hello", "worker": self.number, "capacity": self.capacity, "pid": os.getpid()})
        self.reader.start()
        while not self.stopping:
            self.ep.libHandleEvents(self._poll_ms())
            self._read_brain()
            self._run_pending()
            self._check_media()
            self._flush()

    def shutdown(self) -> None:
        """Hang up everything, then free wrappers before libDestroy (else pjsua2 aborts)."""
        with contextlib.suppress(pj.Error):
            self.ep.hangupAllCalls()
        for _ in range(50):
            if not len(self.legs):
                break
            self.ep.libHandleEvents(10)
        # Recorders freed by the hang-ups finish their files on the bridge's next ticks.
        deadline = time.monotonic() + RECORDING_CLOSE_SECONDS
        while self.closing and time.monotonic() < deadline:
            self.ep.libHandleEvents(10)
            self._report_closed_recordings(time.monotonic())
        self._report_closed_recordings(math.inf)  # whatever is left, marked unfinished
        self._flush()

        def drop_media(leg: Leg) -> None:
            leg.tone = leg.playback = leg.recording = None
            leg.music = None
            leg.audio = None

        self.legs.each(drop_media)
        self.legs.clear()
        self.pending.clear()
        self.retired.clear()
        self.music.clear()
        self.account.shutdown()
        del self.account
        sys.last_traceback = sys.last_value = sys.last_type = None
        gc.collect()
        self.ep.libDestroy()


def run_worker(number: int, brain_fd: int, settings: EndpointSettings) -> int:
    brain = socket.socket(fileno=brain_fd)
    brain.setblocking(False)
    worker = Worker(number, brain, settings)

    def stop(*_: Any) -> None:
        worker.stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        worker.run()
    finally:
        worker.shutdown()
    return 0
