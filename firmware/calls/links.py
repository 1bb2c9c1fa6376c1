"""Joining two legs that may sit on different call workers.

Legs on one worker are bridged in its conference bridge. Legs on two workers are
joined by a *link*: the far worker calls the near one directly (worker to worker,
loopback SIP, never through the edge), the near worker answers, and each worker
bridges its end of the link to its party:

    party A ==bridge== near  <--- SIP/RTP --->  far ==bridge== party B
    (worker 1)                                   (worker 2)

The link's INVITE carries `X-Minipbx-Link: <id>`, a random id only the brain knows;
an incoming leg naming an unknown id is refused. Ending a join hangs up both link
legs; a link leg that ends by itself breaks the join and is reported.
"""
from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("minipbx.links")


class Channel(Protocol):
    """What a join needs of a worker (brain/workers.WorkerHandle, or the fake one in tests)."""

    number: int

    @property
    def sip_port(self) -> int: ...

    def send(self, message: dict[str, object]) -> None: ...


@dataclass
class Link:
    id: str
    a: str  # party leg on the near worker
    b: str  # party leg on the far worker
    near: Channel
    far: Channel
    near_leg: str  # the link's incoming leg on the near worker (known once it arrives)
    far_leg: str  # the link's outgoing leg on the far worker
    # A link that carries a party to a place on the near worker (a conference room) rather than
    # to another party: what to do with the near leg once it has arrived (a is then '').
    on_arrived: Callable[[str], None] | None = None


@dataclass(frozen=True)
class Tap:
    """Where a join's conversation can be recorded: on `worker`, leg `leg` carries one party's voice
    and `other` the other's (the party itself on one worker; the link's leg on the far worker)."""
    worker: Channel
    leg: str
    other: str


class Links:
    """Every join between two party legs, same worker or not."""

    def __init__(self, on_broken: Callable[[str, str], None],
                 on_parted: Callable[[str, str], None] = lambda a, b: None) -> None:
        # on_broken(a, b): a cross-worker join failed or fell apart by itself.
        self.on_broken = on_broken
        # on_parted(a, b): a join ended, however (split, a party gone, broken): its recording stops.
        self.on_parted = on_parted
        self._by_id: dict[str, Link] = {}
        self._by_leg: dict[str, Link] = {}  # link legs and party legs -> link
        self._same: dict[str, tuple[str, Channel]] = {}  # party leg -> (peer leg, worker), same-worker joins

    def join(self, a: str, a_worker: Channel, b: str, b_worker: Channel) -> Tap:
        """Let the two parties hear each other; what either heard from the PBX stops."""
        self.split(a)
        self.split(b)
        if a_worker is b_worker:
            self._same[a] = (b, a_worker)
            self._same[b] = (a, a_worker)
            a_worker.send({"type": "bridge", "a": a, "b": b})
            return Tap(a_worker, a, b)
        link_id = secrets.token_hex(8)
        far_leg = f"l{link_id}"
        link = Link(link_id, a, b, a_worker, b_worker, near_leg="", far_leg=far_leg)
        self._by_id[link_id] = link
        for leg in (a, b, far_leg):
            self._by_leg[leg] = link
        b_worker.send({"type": "dial", "leg": far_leg, "uri": f"sip:link@127.0.0.1:{a_worker.sip_port}",
                       "from_uri": f"<sip:link@127.0.0.1:{b_worker.sip_port}>",
                       "headers": {"X-Minipbx-Link": link_id}})
        b_worker.send({"type": "bridge", "a": far_leg, "b": b})
        return Tap(b_worker, b, far_leg)

    def attach(self, party: str, party_worker: Channel, near: Channel, on_arrived: Callable[[str], None]) -> None:
        """Carry a party's audio to another worker, where on_arrived(near leg) puts it (a conference
        room). Ended like a join: split(party), or the party's end."""
        self.split(party)
        link_id = secrets.token_hex(8)
        far_leg = f"l{link_id}"
        link = Link(link_id, "", party, near, party_worker, near_leg="", far_leg=far_leg, on_arrived=on_arrived)
        self._by_id[link_id] = link
        for leg in (party, far_leg):
            self._by_leg[leg] = link
        party_worker.send({"type": "dial", "leg": far_leg, "uri": f"sip:link@127.0.0.1:{near.sip_port}",
                           "from_uri": f"<sip:link@127.0.0.1:{party_worker.sip_port}>",
                           "headers": {"X-Minipbx-Link": link_id}})
        party_worker.send({"type": "bridge", "a": far_leg, "b": party})

    def incoming(self, worker: Channel, leg: str, link_id: str) -> bool:
        """A link leg arrived at the near worker; False if it names no join of ours."""
        link = self._by_id.get(link_id)
        if link is None or link.near is not worker or link.near_leg:
            worker.send({"type": "hangup", "leg": leg, "code": 403, "reason": "Unknown Link"})
            return False
        link.near_leg = leg
        self._by_leg[leg] = link
        worker.send({"type": "answer", "leg": leg, "code": 200})
        if link.on_arrived is not None:
            link.on_arrived(leg)
        else:
            worker.send({"type": "bridge", "a": leg, "b": link.a})
        return True

    def is_link_leg(self, leg: str) -> bool:
        link = self._by_leg.get(leg)
        return link is not None and leg in (link.near_leg, link.far_leg)

    def link_event(self, leg: str, kind: str) -> None:
        """An event of a link leg: only its end matters (the join is broken)."""
        link = self._by_leg.get(leg)
        if link is None:
            return
        if kind == "ended":
            log.warning("link %s between %s and %s ended by itself", link.id, link.a, link.b)
            self._drop(link)
            self.on_parted(link.a, link.b)
            self.on_broken(link.a, link.b)

    def peer(self, leg: str) -> str | None:
        """The party leg this one is joined with."""
        if leg in self._same:
            return self._same[leg][0]
        link = self._by_leg.get(leg)
        if link is None or leg not in (link.a, link.b):
            return None
        return link.b if leg == link.a else link.a

    def split(self, leg: str) -> None:
        """End the join this party leg is in (if any); both parties then hear only the PBX."""
        same = self._same.pop(leg, None)
        if same is not None:
            peer, worker = same
            self._same.pop(peer, None)
            worker.send({"type": "unbridge", "a": leg, "b": peer})
            self.on_parted(leg, peer)
            return
        link = self._by_leg.get(leg)
        if link is not None and leg in (link.a, link.b):
            self._drop(link)
            self.on_parted(link.a, link.b)
            for party, link_leg, worker in ((link.a, link.near_leg, link.near), (link.b, link.far_leg, link.far)):
                if link_leg:
                    if party:
                        # Parted first: until its BYE is through, the link leg would still take the
                        # party's audio and keep a tone or music from reaching the party.
                        worker.send({"type": "unbridge", "a": party, "b": link_leg})
                    worker.send({"type": "hangup", "leg": link_leg})

    def forget(self, leg: str) -> None:
        """A party leg ended: its join goes with it (a same-worker bridge ends in the worker)."""
        same = self._same.pop(leg, None)
        if same is not None:
            self._same.pop(same[0], None)
            self.on_parted(leg, same[0])
            return
        self.split(leg)

    def _drop(self, link: Link) -> None:
        self._by_id.pop(link.id, None)
        for leg in (link.a, link.b, link.near_leg, link.far_leg):
            if leg and self._by_leg.get(leg) is link:
                del self._by_leg[leg]

    def count(self) -> int:
        return len(self._by_id)
