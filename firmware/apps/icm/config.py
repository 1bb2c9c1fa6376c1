"""Returning-caller destinations (`icm:NAME`): how each one finds the employee.

A destination looks in its sources in order - the call records ("cdr") and/or
CRM lookup URLs - and the first that names a usable extension wins; see
firmware/apps/icm/lookup.py. Stored in the `icm_destinations` table.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from urllib.parse import urlsplit

import sqlite_utils

from firmware.apps.destinations import DestinationError, check_destination, parse_destination
from firmware.apps.icm.numbers import check_area_code
from firmware.apps.references import refuse_if_used, where_used
from firmware.store.database import write_transaction

# Where returning-caller destinations send calls (firmware/apps/references.py).
DESTINATION_USES = (
    "SELECT 'returning-caller destination ' || name || ' fallback' FROM icm_destinations WHERE fallback = ?",
)

DAYS = (1, 3650)
TIMEOUT_MS = (100, 10000)
RING_SECONDS = (5, 300)
CDR = "cdr"
SOURCES_ACCEPTED = "cdr or an http:// or https:// URL with a host and {number} where the caller's number goes, " \
                   "e.g. https://crm.example.com/owner?phone={number}"


class IcmError(ValueError):
    """A returning-caller destination that is malformed, unknown or in use; the message says which."""


@dataclass(frozen=True)
class IcmDestination:
    name: str
    days: int = 30  # how far back the call records are searched
    sources: tuple[str, ...] = (CDR,)  # in order; the first usable answer wins
    timeout_ms: int = 1500  # per CRM lookup
    exceptions: tuple[str, ...] = ()  # extensions never chosen this way
    follow_forwarding: bool = False  # the employee's call forwarding applies (else only their own phones ring)
    area_code: str = ""  # '' = the `area_code` setting
    fallback: str = "hangup"  # destination when nobody is found or the employee does not answer
    ring_seconds: int = 20  # how long the employee rings before the fallback

    @property
    def shown_sources(self) -> tuple[str, ...]:
        """The sources for people to read: a password in a CRM URL is masked."""
        return tuple(masked_url(s) for s in self.sources)

    def public(self) -> dict[str, object]:
        """For lists and JSON: passwords in CRM URLs are masked."""
        row = asdict(self)
        row["sources"] = list(self.shown_sources)
        row["exceptions"] = list(self.exceptions)
        return row


def masked_url(source: str) -> str:
    """A source with the password of its URL (if any) replaced by ***."""
    try:
        parts = urlsplit(source)
        if parts.password is None:
            return source
    except ValueError:
        return source
    userinfo, _, hostport = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{userinfo.partition(':')[0]}:***@{hostport}").geturl()


def _from_row(row: dict[str, object]) -> IcmDestination:
    sources = json.loads(str(row["sources"] or "[]"))
    return IcmDestination(
        name=str(row["name"]),
        days=int(str(row["days"])),
        sources=tuple(str(s) for s in sources),
        timeout_ms=int(str(row["timeout_ms"])),
        exceptions=tuple(e for e in str(row["exceptions"] or "").split(",") if e),
        follow_forwarding=bool(row["follow_forwarding"]),
        area_code=str(row["area_code"] or ""),
        fallback=str(row["fallback"] or "hangup"),
        ring_seconds=int(str(row["ring_seconds"])),
    )


def get_icm(db: sqlite_utils.Database, name: str) -> IcmDestination | None:
    rows = list(db.query("SELECT * FROM icm_destinations WHERE name = ?", [name]))
    return _from_row(rows[0]) if rows else None


def list_icm(db: sqlite_utils.Database) -> list[IcmDestination]:
    return [_from_row(row) for row in db.query("SELECT * FROM icm_destinations ORDER BY name")]


def _check_name(name: str) -> str:
    try:
        parse_destination(f"icm:{name}")
    except DestinationError:
        raise IcmError(f"name {name!r} is not accepted; use 1-40 letters, digits, '_', '.', '-' "
                       "starting with a letter or digit") from None
    return name


def _check_int(what: str, value: int, bounds: tuple[int, int], unit: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise IcmError(f"{what} {value!r} is not accepted; use a whole number of {unit} {low}-{high}")
    return value


def check_source(source: str) -> str:
    """A source as stored: `cdr` or a CRM URL template; IcmError otherwise."""
    source = source.strip()
    if source == CDR:
        return source
    bad = f"source {source!r} is not accepted"
    try:
        parts = urlsplit(source)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise IcmError(f"{bad}: the address is malformed; use {SOURCES_ACCEPTED}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise IcmError(f"{bad}; use {SOURCES_ACCEPTED}")
    if "{number}" not in parts.path + parts.query:
        raise IcmError(f"{bad}: it has no {{number}} in its path or query for the caller's number; "
                       f"use {SOURCES_ACCEPTED}")
    if any(c.isspace() or not c.isprintable() for c in source) or len(source) > 1000:
        raise IcmError(f"{bad}: a URL has no spaces or control characters and at most 1000 characters")
    return source


def _check_sources(sources: Sequence[str]) -> tuple[str, ...]:
    if isinstance(sources, str):
        sources = [sources]
    checked = tuple(check_source(s) for s in sources)
    if not checked:
        raise IcmError(f"no source given; use one or more of: {SOURCES_ACCEPTED}")
    for source in checked:
        if checked.count(source) > 1:
            raise IcmError(f"source {source!r} is listed twice; give each source once")
    return checked


def _check_exceptions(db: sqlite_utils.Database, exceptions: Sequence[str]) -> tuple[str, ...]:
    if isinstance(exceptions, str):
        exceptions = exceptions.split(",")
    checked: list[str] = []
    for number in (e.strip() for e in exceptions):
        if not number:
            continue
        if not db.execute("SELECT 1 FROM extensions WHERE number = ?", [number]).fetchone():
            raise IcmError(f"exception {number!r} is not an existing extension; give extension numbers "
                           "(see `ext list`)")
        if number not in checked:
            checked.append(number)
    return tuple(checked)


def _check_fallback(db: sqlite_utils.Database, name: str, fallback: str) -> str:
    try:
        normal = check_destination(db, fallback)
    except DestinationError as exc:
        raise IcmError(f"fallback {fallback!r} is not accepted: {exc}") from None
    if normal == f"icm:{name}":
        raise IcmError(f"fallback {fallback!r} is not accepted: it is this destination itself; "
                       "give another destination, e.g. ext:101 or hangup")
    return normal


def set_icm(
    db: sqlite_utils.Database,
    name: str,
    *,
    days: int | None = None,
    sources: Sequence[str] | None = None,
    timeout_ms: int | None = None,
    exceptions: Sequence[str] | None = None,
    follow_forwarding: bool | None = None,
    area_code: str | None = None,
    fallback: str | None = None,
    ring_seconds: int | None = None,
) -> IcmDestination:
    """Create or change a returning-caller destination; return it as stored.

    A field left None keeps its current value (a new destination: the default).
    Only the fields given are checked, so a later change of `days` still works
    after an excepted extension was removed. Nothing is written when any is refused.
    """
    _check_name(name)
    with write_transaction(db):
        current = get_icm(db, name) or IcmDestination(name)
        changes: dict[str, object] = {}
        if days is not None:
            changes["days"] = _check_int("days", days, DAYS, "days")
        if sources is not None:
            changes["sources"] = _check_sources(sources)
        if timeout_ms is not None:
            changes["timeout_ms"] = _check_int("timeout", timeout_ms, TIMEOUT_MS, "milliseconds")
        if exceptions is not None:
            changes["exceptions"] = _check_exceptions(db, exceptions)
        if follow_forwarding is not None:
            changes["follow_forwarding"] = bool(follow_forwarding)
        if area_code is not None:
            try:
                changes["area_code"] = check_area_code(area_code)
            except ValueError as exc:
                raise IcmError(str(exc)) from None
        if fallback is not None:
            changes["fallback"] = _check_fallback(db, name, fallback)
        if ring_seconds is not None:
            changes["ring_seconds"] = _check_int("ring time", ring_seconds, RING_SECONDS, "seconds")
        icm = replace(current, **changes)  # type: ignore[arg-type]
        db.execute(
            "INSERT OR REPLACE INTO icm_destinations (name, days, sources, timeout_ms, exceptions, "
            "follow_forwarding, area_code, fallback, ring_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [icm.name, icm.days, json.dumps(list(icm.sources)), icm.timeout_ms, ",".join(icm.exceptions),
             int(icm.follow_forwarding), icm.area_code, icm.fallback, icm.ring_seconds],
        )
    return icm


def remove_icm(db: sqlite_utils.Database, name: str) -> None:
    """Delete a returning-caller destination; refused while a route, menu or forwarding still sends calls to it."""
    with write_transaction(db):
        if get_icm(db, name) is None:
            raise IcmError(f"returning-caller destination {name!r} does not exist; see `icm list`")
        refuse_if_used(f"icm:{name}", where_used(db, f"icm:{name}"), f"returning-caller destination {name}",
                       IcmError)
        db.execute("DELETE FROM icm_destinations WHERE name = ?", [name])
