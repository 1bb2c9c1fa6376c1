"""Where a new call goes: the dial plan applied to one call.

`decide()` reads the configuration and returns a Decision; the switch carries it
out. Nothing here talks to workers, so every rule is testable on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlite_utils

from firmware.apps.ringgroups.config import paging_group_by_park_number, ring_group_by_number
from firmware.dialplan import feature_codes
from firmware.dialplan.call_classes import classify as classify_number
from firmware.dialplan.cos import allowed, effective_profile, profiles
from firmware.dialplan.numbering import Kind
from firmware.dialplan.plan import load_plan
from firmware.directory.leavers import leaver_destination
from firmware.modes.state import mode_now
from firmware.queues.config import queue_by_number
from firmware.store.extensions import get_extension
from firmware.store.settings import get_setting
from firmware.trunks.config import Trunk, extension_groups, get_trunk, groups, list_trunks
from firmware.trunks.inbound import inbound_destination


@dataclass(frozen=True)
class RingExtension:
    number: str
    route: str
    intercom: bool = False  # *80: the phone answers by itself; forwarding does not apply


@dataclass(frozen=True)
class DialOut:
    number: str
    trunks: tuple[Trunk, ...]  # in hunting order
    caller_id: str
    call_class: str
    route: str


@dataclass(frozen=True)
class Refuse:
    """The caller hears a tone (as early media), then is released with `code`."""
    code: int
    reason: str
    disposition: str
    cause: str
    tone: str = "unavailable"
    # All permitted lines busy: the caller may press 6 to be called back (camp-on).
    camp_on: str = ""
    # A call to an outside number refused (barred, no line): the record says it was going out.
    outside: bool = False


@dataclass(frozen=True)
class Reject:
    """Released at once with `code`; the caller's phone gives its own tone."""
    code: int
    reason: str
    disposition: str
    cause: str


@dataclass(frozen=True)
class Feature:
    code: str
    owner: str = "phone"  # who carries it out (dialplan/feature_codes.py)


@dataclass(frozen=True)
class GoTo:
    """A call application or ring group (firmware/apps/destinations.py)."""
    destination: str
    route: str


@dataclass(frozen=True)
class Park:
    """The park number (`slot` empty: park the call being transferred) or a parking slot
    (take the call parked there). `page`: a paging group's page-and-park number, the call
    transferred there is parked and its slot paged to the group."""
    slot: str = ""
    page: str = ""


@dataclass(frozen=True)
class Pickup:
    """*8: a ringing call of the caller's pickup group; **EXT: the call ringing at EXT."""
    extension: str = ""


Decision = RingExtension | DialOut | Refuse | Reject | Feature | GoTo | Park | Pickup


@dataclass
class CallFacts:
    caller: str  # extension number, or the external number for trunk calls
    dialled: str
    auth_user: str
    trunk: str = ""
    did: str = ""
    mode: str = ""
    extras: dict[str, str] = field(default_factory=dict)


class Router:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._round_robin: dict[str, int] = {}

    def mode(self) -> str:
        return mode_now(self.db).mode

    def decide(self, facts: CallFacts, busy_trunks: dict[str, int]) -> Decision:
        facts.mode = self.mode()
        if facts.trunk:
            return self._inbound(facts)
        if not facts.auth_user:
            return Reject(403, "Forbidden", "failed", "caller not authenticated")
        return self._internal(facts, busy_trunks)

    # ---- calls from a trunk ------------------------------------------------------
    def _inbound(self, facts: CallFacts) -> Decision:
        destination, route = inbound_destination(self.db, facts.trunk, facts.did, facts.caller, facts.mode)
        if destination == "hangup":
            return Refuse(480, "Temporarily Unavailable", "unavailable", f"no destination ({route})")
        if destination == "blocked":
            return Reject(603, "Decline", "blocked", f"caller on the blocked list ({route})")
        if destination.startswith("ext:"):
            number = destination[4:]
            if get_extension(self.db, number) is None:
                return Refuse(480, "Temporarily Unavailable", "unavailable", f"route to missing extension {number}")
            return self._ring(number, route)
        return GoTo(destination, route)

    # ---- calls from an extension --------------------------------------------------
    def _internal(self, facts: CallFacts, busy_trunks: dict[str, int]) -> Decision:
        plan = load_plan(self.db)
        dialled = plan.classify(facts.dialled)
        if dialled.kind is Kind.FEATURE:
            found = feature_codes.match(dialled.number)
            if found is None:
                return Refuse(404, "Not Found", "unavailable", f"unknown feature code {dialled.number}")
            if found.feature.owner == "pickup":
                return Pickup(found.argument)
            if found.feature.owner == "intercom":
                if get_extension(self.db, found.argument) is None:
                    return Refuse(404, "Not Found", "unavailable", f"intercom to {found.argument}: no such extension")
                return RingExtension(found.argument, f"intercom to {found.argument}", intercom=True)
            return Feature(dialled.number, found.feature.owner)
        if dialled.kind is Kind.PARK:
            return Park()
        if dialled.kind is Kind.PARKED:
            return Park(dialled.number)
        if dialled.kind in (Kind.EXTENSION, Kind.OPERATOR):
            if dialled.number and get_extension(self.db, dialled.number) is None:
                group = ring_group_by_number(self.db, dialled.number)
                if group is not None:
                    return GoTo(f"group:{group.name}", f"ring group {group.name}")
                queue = queue_by_number(self.db, dialled.number)
                if queue is not None:
                    return GoTo(f"queue:{queue.name}", f"queue {queue.name}")
                if self.db.execute("SELECT 1 FROM conference_rooms WHERE number = ?", [dialled.number]).fetchone():
                    return GoTo(f"conf:{dialled.number}", f"conference room {dialled.number}")
                paging = paging_group_by_park_number(self.db, dialled.number)
                if paging is not None:
                    return Park(page=paging.name)
            if not dialled.number or get_extension(self.db, dialled.number) is None:
                return Refuse(404, "Not Found", "unavailable", "unknown number")
            route = "operator" if dialled.kind is Kind.OPERATOR else "internal"
            return self._ring(dialled.number, route)
        if dialled.kind is Kind.EMERGENCY:
            # Any free line, whatever the caller's rights or groups.
            trunks = self._hunt(list(groups(self.db)), busy_trunks, emergency=True)
            if not trunks:
                return Refuse(503, "Service Unavailable", "failed", "emergency call: no line free", "congestion",
                              outside=True)
            return DialOut(dialled.number, trunks, self._caller_id(facts.caller, trunks[0]), "emergency",
                           "emergency")
        if dialled.kind is Kind.OUTSIDE:
            return self._outside(facts, dialled.number, busy_trunks)
        return Refuse(404, "Not Found", "unavailable", "unknown number")

    def _ring(self, number: str, route: str) -> Decision:
        """Ring the extension, unless it is disabled (a person who left the directory)."""
        instead = leaver_destination(self.db, number)
        if instead is None:
            return RingExtension(number, route)
        trail = f"{route}, {number} disabled"
        if not instead:
            return Refuse(410, "Gone", "unavailable", f"extension {number} is disabled (left the directory)")
        if instead.startswith("ext:"):
            return RingExtension(instead[4:], f"{trail} -> {instead}")
        return GoTo(instead, f"{trail} -> {instead}")

    def dial_number(self, dialled: str, *, caller: str, profile: str | None, busy_trunks: dict[str, int],
                    mode: str | None = None) -> Decision:
        """An outside number dialled on someone's behalf (forwarding, a ring group member, a menu):
        `dialled` as from a desk phone (with the outside-line code). `profile` is the class of
        service that applies ('' = the caller extension's own, per mode)."""
        facts = CallFacts(caller=caller, dialled=dialled, auth_user=caller, mode=mode or self.mode())
        plan = load_plan(self.db)
        parsed = plan.classify(dialled)
        if parsed.kind is Kind.EMERGENCY:
            return self._internal(facts, busy_trunks)
        if parsed.kind is not Kind.OUTSIDE:
            return Refuse(404, "Not Found", "unavailable", f"{dialled} is not an outside number "
                          f"(dial the outside-line code {plan.outside_prefix} first)")
        return self._outside(facts, parsed.number, busy_trunks, profile=profile)

    def _outside(self, facts: CallFacts, number: str, busy_trunks: dict[str, int],
                 profile: str | None = None) -> Decision:
        country = str(get_setting(self.db, "country"))
        call_class = classify_number(country, number)
        if call_class is None:
            return Refuse(484, "Address Incomplete", "barred", f"number {number} fits no {country} number pattern",
                          outside=True)
        if profile:
            if call_class not in profiles(self.db).get(profile, frozenset()):
                return Refuse(403, "Forbidden", "barred", f"class of service {profile} does not allow "
                              f"{call_class} calls", outside=True)
        elif not allowed(self.db, facts.caller, facts.mode, call_class):
            profile = effective_profile(self.db, facts.caller, facts.mode)
            return Refuse(403, "Forbidden", "barred",
                          f"class of service {profile} does not allow {call_class} calls in {facts.mode} mode",
                          outside=True)
        if not list_trunks(self.db):
            return Refuse(503, "Service Unavailable", "failed", "no trunk configured", "congestion", outside=True)
        # A system caller (a menu, a route) has no groups of its own: every group is used.
        trunks = self._hunt(extension_groups(self.db, facts.caller), busy_trunks)
        if not trunks:
            return Refuse(486, "All Lines Busy", "busy", "all permitted lines busy", "busy", camp_on=number,
                          outside=True)
        return DialOut(number, trunks, self._caller_id(facts.caller, trunks[0]), call_class,
                       f"outbound {call_class}")

    def _hunt(self, group_names: list[str], busy: dict[str, int], emergency: bool = False) -> tuple[Trunk, ...]:
        """Free trunks of the groups, each group in its own hunting order."""
        all_groups = groups(self.db)
        chosen: list[Trunk] = []
        pool = [(g, *all_groups[g]) for g in group_names if g in all_groups]
        if emergency or not all_groups:
            # No groups configured (a box with one or two lines): every trunk, by name.
            pool.append(("*", "first_free", [t.name for t in list_trunks(self.db)]))
        for name, strategy, members in pool:
            trunks = [t for t in (get_trunk(self.db, m) for m in members) if t is not None]
            free = [t for t in trunks if busy.get(t.name, 0) < t.channels and (emergency or not t.inbound_only)]
            if strategy == "round_robin" and free:
                start = self._round_robin.get(name, 0) % len(free)
                self._round_robin[name] = start + 1
                free = free[start:] + free[:start]
            elif strategy == "least_used":
                free.sort(key=lambda t: busy.get(t.name, 0))
            chosen.extend(t for t in free if t not in chosen)
        return tuple(chosen)

    def _caller_id(self, number: str, trunk: Trunk) -> str:
        """Extension's own, else the trunk's default, else the company number, else the extension."""
        extension = self.db.execute("SELECT caller_id FROM extensions WHERE number = ?", [number]).fetchone()
        for candidate in ((extension[0] if extension else ""), trunk.caller_id,
                          str(get_setting(self.db, "company_number"))):
            if candidate:
                return str(candidate)
        if extension is None:
            # An outside caller sent out again (a menu, a ring group member's mobile): their number
            # is not ours to present; the line's own account number is.
            return trunk.username or number
        return number
