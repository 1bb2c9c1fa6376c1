"""Who should take a returning caller: the employee who last talked with the
number, or the one a CRM names.

`find_employee()` asks the destination's sources in order and the first usable
answer wins. An answer is usable when it is an existing extension that is not
one of the destination's exceptions; otherwise the next source is asked (for
the call records: the next most recent call first). The router turns the answer
into ringing (with or without the employee's forwarding, per `follow_forwarding`)
and uses the fallback when nobody is found.

Call records: a call counts when it was answered and went through a trunk (an
inbound call from the number, answered by an extension; or an outbound call
from an extension to the number) within the last `days` days. The brain writes
outbound calls with the number as the extension dialled it, outside-line access
code included (camp-on callbacks without it): both are matched.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from firmware.apps.icm.config import CDR, IcmDestination
from firmware.apps.icm.crm import CrmError, ask_crm, public_url
from firmware.apps.icm.numbers import CallerNumber, check_area_code, normalise
from firmware.store.settings import get_setting

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    extension: str
    source: str  # "cdr", or the CRM URL as configured (with {number})


def area_code_for(db: sqlite_utils.Database, icm: IcmDestination) -> str:
    """The destination's own area code, else the `area_code` setting ('' = none)."""
    area_code = icm.area_code or str(get_setting(db, "area_code"))
    try:
        return check_area_code(area_code)
    except ValueError as exc:
        log.warning("icm %s: %s; local numbers are matched without it", icm.name, exc)
        return ""


def caller_number(db: sqlite_utils.Database, icm: IcmDestination, caller: str) -> CallerNumber | None:
    """The caller's number normalised for this destination; None for anonymous or malformed callers."""
    return normalise(caller, area_code_for(db, icm))


async def find_employee(db: sqlite_utils.Database, icm: IcmDestination, caller: str, *,
                        now: datetime | None = None) -> Found | None:
    """The extension that should take a call from `caller`, and which source named it.

    None at once for an anonymous or malformed caller number, and when no source
    names a usable extension. Each CRM source takes at most `icm.timeout_ms`.
    """
    number = caller_number(db, icm, caller)
    if number is None:
        log.info("icm %s: caller %r has no usable number; nobody to look up", icm.name, caller)
        return None
    for source in icm.sources:
        if source == CDR:
            extension = last_talked_with(db, icm, number, now=now)
            if extension is None:
                log.info("icm %s: no answered call with %s in the call records of the last %d days",
                         icm.name, number.canonical, icm.days)
        else:
            extension = await _ask_crm(db, icm, source, number)
        if extension is not None:
            return Found(extension, source)
    return None


def last_talked_with(db: sqlite_utils.Database, icm: IcmDestination, number: CallerNumber, *,
                     now: datetime | None = None) -> str | None:
    """The extension of the most recent answered trunk call with `number` in the last
    `icm.days` days before `now`, skipping exceptions and extensions that no longer exist."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    until = now.astimezone(UTC)
    since = until - timedelta(days=icm.days)
    prefix = str(get_setting(db, "outside_prefix"))
    forms = sorted(number.forms)
    dialled = sorted(number.forms | {prefix + form for form in number.forms})
    rows = db.execute(
        "SELECT caller, answered_by FROM cdr"
        " WHERE disposition = 'answered' AND started_at >= ? AND started_at <= ?"
        " AND trunk IS NOT NULL AND trunk != ''"
        f" AND (caller IN ({', '.join('?' * len(forms))}) OR called IN ({', '.join('?' * len(dialled))}))"
        " ORDER BY started_at DESC, id DESC",
        [since.isoformat(timespec="milliseconds"), until.isoformat(timespec="milliseconds"), *forms, *dialled],
    )
    skipped: set[str] = set()
    for caller, answered_by in rows:
        # Inbound: the number called and an extension answered. Outbound: an extension called the number.
        extension = answered_by if caller in number.forms else caller
        if not extension or extension in skipped:
            continue
        if extension in icm.exceptions or not _exists(db, extension):
            skipped.add(extension)
            continue
        return str(extension)
    return None


async def _ask_crm(db: sqlite_utils.Database, icm: IcmDestination, url: str, number: CallerNumber) -> str | None:
    where = public_url(url)
    try:
        extension = await ask_crm(url, number.canonical, icm.timeout_ms)
    except CrmError as exc:
        log.warning("icm %s: CRM %s for %s: %s; trying the next source", icm.name, where, number.canonical, exc)
        return None
    if extension in icm.exceptions:
        log.warning("icm %s: CRM %s names %s for %s, an exception of this destination; trying the next source",
                    icm.name, where, extension, number.canonical)
        return None
    if not _exists(db, extension):
        log.warning("icm %s: CRM %s names %s for %s, which is not an extension; trying the next source",
                    icm.name, where, extension, number.canonical)
        return None
    return extension


def _exists(db: sqlite_utils.Database, extension: str) -> bool:
    return db.execute("SELECT 1 FROM extensions WHERE number = ?", [extension]).fetchone() is not None
