"""The brain's side of call recording: which joins are recorded, and their files' index rows.

A recording follows a *join* (two parties hearing each other, calls/links.py): when the switch
joins two parties and the conversation's policy says so (recording/policy.py), the worker
that carries both voices (the Tap) is told to `record` one leg with the other mixed in, as
G.711 u-law WAV (8 kHz mono, 64 kbit/s). When the join ends (hold, transfer, park, a party
hangs up) the worker is told to stop; its `recorded` finishes the index row. So a call that
is held or transferred leaves one file per segment, numbered, all under its call id.

    joined --policy always, or *1 pressed (on demand)--> recording --join ends--> done
    recording --*1 again (on demand only)--> stopped (the next join of this call is not recorded)
    recording --worker lost / PBX killed--> interrupted (file repaired at the next start)

No recording starts with less than `min_free_mb` free on the data partition: the call goes on,
its history says why it was not recorded, and a *1 gets the refusal beep, not the start beep.
"""
from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlite_utils

from firmware.apps.voicemail.store import has_room
from firmware.calls.links import Tap
from firmware.recording import index, mail, retention
from firmware.recording.policy import ALWAYS, NEVER, Verdict, verdict
from firmware.store.settings import get_setting
from firmware.worker.protocol import Message

if TYPE_CHECKING:
    from firmware.brain.calls import Call
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.recordings")

# A conversation longer than this goes on in a new file (the worker stops at max_seconds).
SEGMENT_MAX_SECONDS = 4 * 3600
# Shorter than this holds nothing anyone wants (a hold pressed at once): the file is dropped.
KEEP_AT_LEAST_SECONDS = 0.5
RETENTION_EVERY_SECONDS = 3600
# Heard over the conversation by both parties: recording starts (one high beep), stops (two).
START_BEEP = [[1400, 0, 200, 0]]
STOP_BEEP = [[1400, 0, 120, 120], [1400, 0, 120, 0]]
# Heard by the one who pressed *1 when recording cannot start or stop.
REFUSED_BEEP = [[425, 0, 150, 100], [425, 0, 150, 100], [425, 0, 150, 0]]


@dataclass
class Join:
    call: Call
    a: str
    b: str
    tap: Tap


@dataclass
class Segment:
    id: str  # the record command's id
    row: int
    call: Call
    pair: frozenset[str]
    tap: Tap


class CallRecorder:
    def __init__(self, switch: Switch, db: sqlite_utils.Database, data_dir: Path) -> None:
        self.switch = switch
        self.db = db
        self.data_dir = data_dir
        self.joins: dict[frozenset[str], Join] = {}
        self.segments: dict[str, Segment] = {}  # by record id
        self.by_pair: dict[frozenset[str], str] = {}  # join -> record id
        self.counts: dict[str, int] = {}  # call id -> segments so far
        self.on_demand: set[str] = set()  # calls whose recording a party switched on with *1
        self._retention: asyncio.TimerHandle | None = None
        # A finished recording is to be e-mailed (recording/mail.py): the brain's mail loop runs now.
        self.mail_wanted: Callable[[], None] = lambda: None

    # ---- start and housekeeping ----------------------------------------------------------
    def start(self) -> None:
        """At brain start: recordings a kill or power cut left open are repaired; old ones go."""
        for row in index.repair_interrupted(self.db, self.data_dir):
            log.warning("recording %d of call %s was interrupted; %.1f s kept", row.id, row.call_id, row.seconds)
        self._prune()

    def _prune(self) -> None:
        try:
            retention.prune(self.db, self.data_dir)
        except Exception:
            log.exception("recording retention failed")
        if self._retention is not None:
            self._retention.cancel()
        try:
            self._retention = asyncio.get_running_loop().call_later(RETENTION_EVERY_SECONDS, self._prune)
        except RuntimeError:
            self._retention = None  # no loop (a command-line check): nothing to schedule

    # ---- joins -------------------------------------------------------------------------
    def joined(self, call: Call, a: str, b: str, tap: Tap) -> None:
        pair = frozenset((a, b))
        self.joins[pair] = Join(call, a, b, tap)
        decided = self.verdict(call, a, b)
        if decided.policy == ALWAYS:
            self._start(call, pair, decided.because)
        elif decided.policy != NEVER and call.id in self.on_demand:
            self._start(call, pair, "on demand (*1)")

    def parted(self, a: str, b: str) -> None:
        pair = frozenset((a, b))
        self.joins.pop(pair, None)
        self._stop(pair)

    def _stop(self, pair: frozenset[str]) -> None:
        """Tell the worker to finish the join's recording; its `recorded` completes the row."""
        record_id = self.by_pair.pop(pair, None)
        segment = self.segments.get(record_id or "")
        if segment is not None:
            segment.tap.worker.send({"type": "stop_record", "leg": segment.tap.leg})

    def verdict(self, call: Call, a: str, b: str) -> Verdict:
        extensions = [call.extensions[leg] for leg in (a, b) if leg in call.extensions]
        first = call.consult_of or call
        return verdict(self.db, extensions=extensions, groups=first.groups, trunk=first.trunk,
                       did=first.did if first.inbound else "")

    def _start(self, call: Call, pair: frozenset[str], why: str) -> bool:
        join = self.joins.get(pair)
        if join is None or pair in self.by_pair:
            return False
        if not has_room(self.db, self.data_dir):
            free_mb = shutil.disk_usage(self.data_dir).free // (1024 * 1024)
            keep_mb = int(str(get_setting(self.db, "min_free_mb")))
            log.warning("call %s not recorded: %d MiB free, min_free_mb is %d", call.id, free_mb, keep_mb)
            call.history.add(f"not recorded: only {free_mb} MiB free on the data partition (min_free_mb {keep_mb})")
            return False
        segment_no = self.counts.get(call.id, 0) + 1
        self.counts[call.id] = segment_no
        path = index.new_path(self.data_dir, call.sip_call_id, segment_no)
        first = call.consult_of or call
        extensions = [call.extensions[leg] for leg in (join.a, join.b) if leg in call.extensions]
        row = index.start(self.db, self.data_dir, call_id=call.sip_call_id, segment=segment_no, path=path,
                          parties=f"{self._who(call, join.a)} and {self._who(call, join.b)}",
                          extensions=extensions, trunk=first.trunk, did=first.did, why=why)
        record_id = f"rec-{row}"
        self.segments[record_id] = Segment(record_id, row, call, pair, join.tap)
        self.by_pair[pair] = record_id
        join.tap.worker.send({"type": "record", "leg": join.tap.leg, "id": record_id, "path": str(path),
                              "max_seconds": SEGMENT_MAX_SECONDS, "also": join.tap.other, "format": "ulaw"})
        call.history.add(f"recording started ({why})")
        log.info("call %s: recording %s to %s (%s)", call.id, record_id, path, why)
        return True

    @staticmethod
    def _who(call: Call, leg: str) -> str:
        if leg in call.extensions:
            return call.extensions[leg]
        return call.caller if leg == call.a_leg else (call.dial_target or call.called)

    # ---- *1 ------------------------------------------------------------------------------
    def toggle(self, call: Call, leg: str) -> None:
        """*1 from a party: start or stop recording this conversation, as its policy allows."""
        peer = call.other(leg)
        if peer is None:
            return
        pair = frozenset((leg, peer))
        decided = self.verdict(call, leg, peer)
        who = call.extensions.get(leg, "?")
        beep = str(get_setting(self.db, "recording_beep")) == "yes"
        if decided.policy != NEVER and decided.policy != ALWAYS:
            if pair in self.by_pair:
                self.on_demand.discard(call.id)
                self._stop(pair)
                call.history.add(f"recording stopped by {who} (*1)")
                if beep:
                    self._beep(call, (leg, peer), STOP_BEEP)
                return
            self.on_demand.add(call.id)
            if self._start(call, pair, f"on demand by {who}"):
                if beep:
                    self._beep(call, (leg, peer), START_BEEP)
                return
            self.on_demand.discard(call.id)
        else:
            call.history.add(f"*1 by {who} refused: {decided.because}")
        self._beep(call, (leg,), REFUSED_BEEP)

    def _beep(self, call: Call, legs: tuple[str, ...], segments: list[list[int]]) -> None:
        for leg in legs:
            self.switch.send(call, leg, "tone", segments=segments, loop=False, over=True)

    # ---- events from workers -----------------------------------------------------------
    def recorded(self, message: Message) -> bool:
        """A worker's `recorded`: True if it was one of ours (a call recording)."""
        segment = self.segments.pop(str(message.get("id", "")), None)
        if segment is None:
            return False
        if self.by_pair.get(segment.pair) == segment.id:
            del self.by_pair[segment.pair]
        if message.get("error"):
            log.error("recording %s: %s", segment.id, message["error"])
        try:
            row = index.finish(self.db, self.data_dir, segment.row)
            if row.seconds < KEEP_AT_LEAST_SECONDS:
                index.remove(self.db, self.data_dir, segment.row)  # nothing worth keeping
            elif mail.queue(self.db, row):
                self.mail_wanted()
        except (OSError, index.RecordingNotFound):
            log.exception("recording %s could not be indexed", segment.id)
        if message.get("reason") == "max" and segment.pair in self.joins:
            self._start(segment.call, segment.pair, "continued after the longest segment")
        self._prune()
        return True

    def worker_lost(self, worker: object) -> None:
        """A worker died: its recordings will never report; their files are repaired now."""
        lost = [s for s in self.segments.values() if s.tap.worker is worker]
        for segment in lost:
            self.segments.pop(segment.id, None)
            if self.by_pair.get(segment.pair) == segment.id:
                del self.by_pair[segment.pair]
        index.repair_interrupted(self.db, self.data_dir, [s.row for s in lost])

    def call_ended(self, call: Call) -> None:
        self.on_demand.discard(call.id)
        self.counts.pop(call.id, None)
