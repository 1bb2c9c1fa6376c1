"""The conference rooms in use: who is in each, where its conversation is mixed, and the tones.

A room is mixed on one worker, the **room worker**: the worker of its first member. There
every member hears every other (the worker's `room_join`, a full mesh in its conference
bridge). A member whose call sits on another worker is carried there by a link
(calls/links.py `attach`): its worker calls the room worker, and the link's leg there joins
the room in the member's place. So a room whose members are on four workers is still one
conversation, mixed once. When the last member leaves, the room is gone; the next caller's
worker mixes it anew.

Members hear a rising tone when someone joins and a falling one when someone leaves; alone
in a room with `music_alone`, they hear music on hold until the next one comes.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from firmware.calls.links import Channel
from firmware.calls.music import DEFAULT_CLASS, music_files
from firmware.conference.rooms import get_room

if TYPE_CHECKING:
    from firmware.brain.switch import Switch

log = logging.getLogger("minipbx.conference")

JOIN_TONE = [[600, 0, 120, 40], [900, 0, 160, 0]]
LEAVE_TONE = [[900, 0, 120, 40], [600, 0, 160, 0]]
MUTE_TONE = [[400, 0, 150, 0]]
UNMUTE_TONE = [[800, 0, 150, 0]]
LOCK_TONE = [[1000, 0, 100, 60], [1000, 0, 100, 0]]
# Three rising notes (a gong-like "ding-dang-dong" is what office paging systems play).
PAGE_CHIME = [[784, 0, 250, 30], [988, 0, 250, 30], [1175, 0, 400, 0]]


@dataclass
class Member:
    leg: str  # the member's own call leg
    who: str  # extension number or caller number
    moderator: bool
    room_leg: str = ""  # its leg in the room on the room worker ('' while a link is on its way)
    muted: bool = False
    quiet: bool = False  # a page's listener: no join and leave tones, no music, heard by nobody
    joined_at: float = field(default_factory=time.time)


@dataclass
class LiveRoom:
    number: str
    worker: Channel
    members: list[Member] = field(default_factory=list)  # in the order they joined
    locked: bool = False

    @property
    def name(self) -> str:
        return f"conf-{self.number}"


class ConferenceDesk:
    def __init__(self, switch: Switch) -> None:
        self.switch = switch
        self.rooms: dict[str, LiveRoom] = {}

    def count(self, number: str) -> int:
        room = self.rooms.get(number)
        return len(room.members) if room else 0

    def locked(self, number: str) -> bool:
        room = self.rooms.get(number)
        return bool(room and room.locked)

    # ---- members come and go -------------------------------------------------------------
    def join(self, number: str, leg: str, who: str, moderator: bool, *, listen_only: bool = False) -> Member:
        """`listen_only`: a page's listener, muted from the start, joining without tones."""
        worker = self.switch.leg_workers[leg]
        room = self.rooms.get(number)
        if room is None:
            room = self.rooms[number] = LiveRoom(number, worker)
        member = Member(leg, who, moderator, muted=listen_only, quiet=listen_only)
        room.members.append(member)
        log.info("conference %s: %s joins (%d in the room, mixed on worker %d)", number, who, len(room.members),
                 room.worker.number)
        if worker is room.worker:
            self._in_room(room, member, leg)
        else:
            self.switch.links.attach(leg, worker, room.worker, lambda near: self._in_room(room, member, near))
        return member

    def _in_room(self, room: LiveRoom, member: Member, room_leg: str) -> None:
        if member not in room.members:
            # Gone while its link was on the way: the link leg goes too.
            room.worker.send({"type": "hangup", "leg": room_leg})
            return
        member.room_leg = room_leg
        room.worker.send({"type": "room_join", "room": room.name, "leg": room_leg})
        if member.muted:
            room.worker.send({"type": "room_mute", "room": room.name, "leg": room_leg, "muted": True})
        if member.quiet:
            self._tone(room, member, PAGE_CHIME)  # a page's listener: the chime, then the announcement
            return
        present = [m for m in room.members if m.room_leg and not m.quiet]
        if len(present) == 1:
            self._music_alone(room, member)
            return
        for other in present:
            if other is not member and len(present) == 2:
                room.worker.send({"type": "stop_music", "leg": other.room_leg})
            self._tone(room, other, JOIN_TONE)

    def leave(self, member: Member, number: str) -> None:
        room = self.rooms.get(number)
        if room is None or member not in room.members:
            return
        room.members.remove(member)
        log.info("conference %s: %s leaves (%d left)", number, member.who, len(room.members))
        if member.room_leg:
            room.worker.send({"type": "room_leave", "room": room.name, "leg": member.room_leg})
        if member.room_leg != member.leg:
            self.switch.links.split(member.leg)  # the link to the room worker goes
        if not room.members:
            del self.rooms[number]
            return
        if member.quiet:
            return
        present = [m for m in room.members if m.room_leg and not m.quiet]
        for other in present:
            self._tone(room, other, LEAVE_TONE)
        if len(present) == 1:
            self._music_alone(room, present[0])

    def _music_alone(self, room: LiveRoom, member: Member) -> None:
        config = get_room(self.switch.db, room.number)
        if config is not None and config.music_alone:
            files = music_files(self.switch.db, self.switch.data_dir, DEFAULT_CLASS)
            room.worker.send({"type": "music", "leg": member.room_leg, "files": files})

    def _tone(self, room: LiveRoom, member: Member, segments: list[list[int]]) -> None:
        room.worker.send({"type": "tone", "leg": member.room_leg, "segments": segments, "loop": False, "over": True})

    # ---- keys of members -----------------------------------------------------------------
    def mute(self, member: Member, number: str) -> None:
        room = self.rooms.get(number)
        if room is None:
            return
        member.muted = not member.muted
        if member.room_leg:
            room.worker.send({"type": "room_mute", "room": room.name, "leg": member.room_leg, "muted": member.muted})
            self._tone(room, member, MUTE_TONE if member.muted else UNMUTE_TONE)

    def toggle_lock(self, member: Member, number: str) -> bool:
        """A moderator locks the room (nobody else gets in) or opens it again; the new state."""
        room = self.rooms.get(number)
        if room is None:
            return False
        room.locked = not room.locked
        log.info("conference %s %s by %s", number, "locked" if room.locked else "unlocked", member.who)
        for other in room.members:
            if other.room_leg:
                self._tone(room, other, LOCK_TONE if room.locked else JOIN_TONE)
        return room.locked

    def drop_last(self, member: Member, number: str) -> str:
        """A moderator drops the one who joined last (not themselves); who it was, '' if nobody."""
        room = self.rooms.get(number)
        if room is None:
            return ""
        others = [m for m in room.members if m is not member]
        if not others:
            return ""
        last = others[-1]
        log.info("conference %s: %s dropped by the moderator %s", number, last.who, member.who)
        worker = self.switch.leg_workers.get(last.leg)
        if worker is not None:
            worker.send({"type": "hangup", "leg": last.leg})
        return last.who

    # ---- what is going on -------------------------------------------------------------------
    def snapshot(self) -> list[dict[str, object]]:
        return [{"room": room.number, "locked": room.locked, "worker": room.worker.number,
                 "members": [{"who": m.who, "moderator": m.moderator, "muted": m.muted,
                              "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(m.joined_at))}
                             for m in room.members]}
                for room in sorted(self.rooms.values(), key=lambda r: r.number)]
