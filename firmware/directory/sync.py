"""One directory sync: read the directory, plan, carry the plan out, log what happened.

The changes are written in one transaction after the whole directory has been read, so a
sync that fails (server unreachable, wrong password, a search cut short) changes nothing.
An answer with nobody in it never disables everyone: it is refused as an error.

New SIP passwords exist only in the returned result (the CLI shows them once) and, with
mail_passwords, in the e-mail to the person; they are never logged.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from firmware.apps.references import extension_uses
from firmware.directory.client import DirectoryError, group_members, open_directory, paged_search
from firmware.directory.config import DirectoryConfig, DirectoryConfigError, load_config, require_server
from firmware.directory.leavers import disable_extension, enable_extension, now_text
from firmware.directory.mapping import FIELDS, read_person
from firmware.directory.plan import Create, Disable, Enable, Known, Plan, Remove, Update, make_plan
from firmware.edge.registrations import drop_live_registrations
from firmware.store.database import write_transaction
from firmware.store.extensions import EMAIL_PATTERN, ExtensionError, add_extension, get_extension, remove_extension
from firmware.store.passwords import WeakPasswordError
from firmware.store.settings import get_setting

log = logging.getLogger("minipbx.directory")


@dataclass(frozen=True)
class NewAccount:
    number: str
    name: str
    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class SyncResult:
    dry_run: bool
    plan: Plan
    done: tuple[str, ...] = ()  # one line per change carried out
    notes: tuple[str, ...] = ()  # skipped people, missing attributes, changes that could not be made
    accounts: tuple[NewAccount, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DirectoryRead:
    people: list[Any]
    groups: dict[str, tuple[str, ...]]
    notes: list[str]
    entries: int


def read_directory(config: DirectoryConfig) -> DirectoryRead:
    """Everyone the filter matches, read through the mapping; DirectoryError when it cannot be read whole."""
    require_server(config)
    mapping = config.mapping
    attributes = sorted({a for a in mapping.values() if a})
    with open_directory(config) as connection:
        entries = paged_search(connection, config, config.base_dn, config.search_filter, attributes)
        groups = group_members(connection, config) if config.group_source == "search" else {}
    notes = []
    present = {name for entry in entries for name, values in entry.attributes.items() if values}
    for name in FIELDS:
        attribute = mapping[name]
        if entries and attribute and attribute.lower() not in present and name not in ("account_control", "groups"):
            notes.append(f"no entry has the attribute {attribute} (map.{name}); check the mapping")
    if entries and mapping["id"].lower() not in present:
        raise DirectoryError("mapping", f"no entry has the attribute {mapping['id']} that map.id names; without a "
                             "stable id nothing can be synced (entryUUID for OpenLDAP, objectGUID for AD)")
    return DirectoryRead([read_person(e, mapping) for e in entries], groups, notes, len(entries))


def _known(db: sqlite_utils.Database) -> list[Known]:
    rows = db.execute(
        "SELECT p.entry_id, p.number, e.number IS NOT NULL, COALESCE(e.name, ''), COALESCE(e.email, ''), "
        "COALESCE(e.department, ''), COALESCE(e.role, 'user'), p.title, p.mobile, p.dn, "
        "COALESCE(e.disabled_at, '') FROM directory_people p LEFT JOIN extensions e ON e.number = p.number"
    ).fetchall()
    return [Known(str(r[0]), str(r[1]), bool(r[2]), *(str(v) for v in r[3:])) for r in rows]


def _taken(db: sqlite_utils.Database) -> set[str]:
    return {str(row[0]) for row in db.execute(
        "SELECT number FROM extensions UNION SELECT username FROM subscriber UNION "
        "SELECT number FROM ring_groups WHERE number != '' UNION SELECT username FROM gateway_accounts")}


def plan_sync(db: sqlite_utils.Database, config: DirectoryConfig) -> tuple[Plan, DirectoryRead]:
    read = read_directory(config)
    known = _known(db)
    usable = [p for p in read.people if p.entry_id]
    if not usable and any(k.exists and not k.disabled_at for k in known):
        raise DirectoryError("empty", f"the directory returned nobody for filter {config.search_filter} under "
                             f"{config.base_dn}; nothing was changed (a sync never disables everyone at once)")
    plan = make_plan(config, read.people, read.groups, known, _taken(db), datetime.now(UTC))
    return plan, read


def _clean_name(name: str) -> str:
    # The store refuses quotes and angle brackets (they break SIP display names).
    return "".join(c for c in name if c not in '"<>\r\n').strip()[:64]


def _email(text: str) -> str | None:
    return text if EMAIL_PATTERN.fullmatch(text) else None


def _remember(db: sqlite_utils.Database, change: Create | Update, number: str) -> None:
    person = change.person
    db.execute(
        "INSERT INTO directory_people (entry_id, number, dn, title, mobile, synced_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(entry_id) DO UPDATE SET number = excluded.number, dn = excluded.dn, title = excluded.title, "
        "mobile = excluded.mobile, synced_at = excluded.synced_at",
        [person.entry_id, number, person.dn, person.title, person.mobile, now_text()])


def _create(db: sqlite_utils.Database, config: DirectoryConfig, change: Create) -> NewAccount:
    person = change.person
    rules = config.rules
    email = _email(person.email) if rules["email"] != "never" else None
    department = (person.department or None) if rules["department"] != "never" else None
    role = change.role if rules["role"] != "never" else "user"
    password = add_extension(db, change.number, _clean_name(person.name), email=email, department=department,
                             role=role)
    _remember(db, change, change.number)
    return NewAccount(change.number, _clean_name(person.name), email or "", password)


def _update(db: sqlite_utils.Database, config: DirectoryConfig, change: Update) -> NewAccount | None:
    columns = {"name": "name", "email": "email", "department": "department", "role": "role"}
    for name, (_, new) in change.fields.items():
        if name in columns:
            value: str | None = _clean_name(new) if name == "name" else new
            if name == "email":
                value = _email(new)
            elif name == "department":
                value = new or None
            db.execute(f"UPDATE extensions SET {columns[name]} = ? WHERE number = ?", [value, change.number])
    _remember(db, change, change.number)
    if not change.renumber_to:
        return None
    uses = extension_uses(db, change.number)
    if uses:
        raise ExtensionError(f"not renumbered to {change.renumber_to}: ext:{change.number} is still used by "
                             f"{', '.join(uses[:5])}; change those first")
    old = get_extension(db, change.number)
    assert old is not None
    remove_extension(db, change.number)
    password = add_extension(db, change.renumber_to, old.name, email=old.email, department=old.department,
                             role=old.role)
    _remember(db, change, change.renumber_to)
    return NewAccount(change.renumber_to, old.name, old.email or "", password)


def _apply(db: sqlite_utils.Database, config: DirectoryConfig, plan: Plan) -> tuple[list[str], list[str],
                                                                                      list[NewAccount]]:
    done: list[str] = []
    notes: list[str] = []
    accounts: list[NewAccount] = []
    for change in plan.changes:
        try:
            # Each change is a savepoint: one refused change leaves the others standing.
            with write_transaction(db):
                if isinstance(change, Create):
                    accounts.append(_create(db, config, change))
                elif isinstance(change, Update):
                    account = _update(db, config, change)
                    if account is not None:
                        accounts.append(account)
                elif isinstance(change, Disable):
                    disable_extension(db, change.number, change.reason)
                elif isinstance(change, Enable):
                    enable_extension(db, change.number)
                elif isinstance(change, Remove):
                    uses = extension_uses(db, change.number)
                    if uses:
                        raise ExtensionError(f"not removed: ext:{change.number} is still used by "
                                             f"{', '.join(uses[:5])}; change those first (it stays disabled)")
                    remove_extension(db, change.number)
                    db.execute("DELETE FROM directory_people WHERE number = ?", [change.number])
            done.append(change.describe())
        except (ExtensionError, WeakPasswordError) as exc:
            notes.append(f"{change.describe()}: {exc}")
    # The directory's view of everyone still there (a moved entry's DN, when nothing else changed).
    for person in plan.seen:
        db.execute("UPDATE directory_people SET dn = ?, synced_at = ? WHERE entry_id = ?",
                   [person.dn, now_text(), person.entry_id])
    return done, notes, accounts


def _mail_accounts(db: sqlite_utils.Database, accounts: list[NewAccount]) -> list[str]:
    from firmware.apps.voicemail.mailer import MailError, send_text_mail

    notes = []
    sip = f"realm {get_setting(db, 'sip_realm')}"
    for account in accounts:
        if not account.email:
            notes.append(f"SIP account {account.number} not e-mailed: {account.name} has no e-mail address")
            continue
        body = (f"Hello {account.name},\n\nyour office phone extension is {account.number}.\n"
                f"Set up your desk phone or softphone with:\n\n  user     {account.number}\n"
                f"  password {account.password}\n  {sip}\n  server   the PBX's address (ask your administrator)\n")
        try:
            send_text_mail(db, account.email, f"Your phone extension {account.number}", body)
        except MailError as exc:
            notes.append(f"SIP account {account.number} not e-mailed to {account.email}: {exc}")
    return notes


def _log(db: sqlite_utils.Database, started: str, trigger: str, *, error: str = "",
         counts: dict[str, int] | None = None, details: list[str] | None = None) -> None:
    counts = counts or {}
    with write_transaction(db):
        db.table("directory_log").insert({
            "started_at": started, "finished_at": now_text(), "trigger": trigger, "ok": 0 if error else 1,
            **{k: counts.get(k, 0) for k in ("added", "updated", "disabled", "enabled", "removed")},
            "error": error, "details": json.dumps(details or []),
        })


def sync_directory(db: sqlite_utils.Database, data_dir: Path, *, dry_run: bool = False,
                   trigger: str = "command") -> SyncResult:
    """Bring extensions in line with the directory (or, with dry_run, only say how).

    Raises DirectoryError (logged, nothing changed) when the directory cannot be read whole.
    """
    started = now_text()
    try:
        config = load_config(db)
        plan, read = plan_sync(db, config)
    except (DirectoryError, DirectoryConfigError) as exc:
        if not dry_run:
            _log(db, started, trigger, error=str(exc))
        raise
    notes = list(read.notes) + list(plan.notes)
    if dry_run:
        return SyncResult(True, plan, tuple(c.describe() for c in plan.changes), tuple(notes))
    with write_transaction(db):
        done, refused, accounts = _apply(db, config, plan)
    notes += refused
    kinds = {"added": "create", "updated": "update", "disabled": "disable", "enabled": "enable", "removed": "remove"}
    counts = {key: sum(1 for line in done if line.startswith(word + " ")) for key, word in kinds.items()}
    disabled = [c.number for c in plan.changes if isinstance(c, Disable) and c.describe() in done]
    drop_live_registrations(db, data_dir / "run", disabled)
    if config.mail_passwords and accounts:
        notes += _mail_accounts(db, accounts)
    _log(db, started, trigger, counts=counts, details=done + notes)
    for line in notes:
        log.info("directory sync: %s", line)
    return SyncResult(False, plan, tuple(done), tuple(notes), tuple(accounts), counts)


@dataclass(frozen=True)
class LogRow:
    started_at: str
    finished_at: str
    trigger: str
    ok: bool
    counts: dict[str, int]
    error: str
    details: list[str]


def sync_log(db: sqlite_utils.Database, limit: int = 20) -> list[LogRow]:
    """The most recent syncs, newest first."""
    rows = db.execute("SELECT started_at, finished_at, trigger, ok, added, updated, disabled, enabled, removed, "
                      "error, details FROM directory_log ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [LogRow(str(r[0]), str(r[1] or ""), str(r[2] or ""), bool(r[3]),
                   dict(zip(("added", "updated", "disabled", "enabled", "removed"), (int(v) for v in r[4:9]),
                            strict=True)), str(r[9] or ""), list(json.loads(r[10] or "[]"))) for r in rows]


@dataclass(frozen=True)
class CheckReport:
    entries: int
    people: int
    notes: tuple[str, ...]
    sample: tuple[str, ...]  # a few people as the mapping reads them


def check_directory(db: sqlite_utils.Database) -> CheckReport:
    """Connect, bind and search as a sync would, change nothing; DirectoryError when it fails."""
    config = load_config(db)
    read = read_directory(config)
    sample = tuple(f"{p.name or '?'}  number {p.number or '-'}  {p.email or '-'}  "
                   f"{'DISABLED' if p.disabled else ''}".rstrip() for p in read.people[:5])
    return CheckReport(read.entries, sum(1 for p in read.people if p.entry_id), tuple(read.notes), sample)


def last_sync_status(db: sqlite_utils.Database) -> dict[str, object] | None:
    """The last sync for `minipbx status` and the API: when, whether it worked, counts or the error."""
    rows = sync_log(db, 1)
    if not rows:
        return None
    row = rows[0]
    return {"at": row.started_at, "trigger": row.trigger, "ok": row.ok, "counts": row.counts, "error": row.error}
