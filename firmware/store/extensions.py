"""Extensions (people and their phones) and their SIP credentials."""
from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.store.passwords import check_password, digest_ha1, generate_keyable_password, generate_password
from firmware.store.settings import get_setting

# 2-6 digits; a leading 0 is kept free for the outside-line access code.
NUMBER_PATTERN = re.compile(r"[1-9][0-9]{1,5}")
ROLES = ("user", "admin")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class ExtensionError(ValueError):
    """A bad or conflicting extension; the message names the value and what is accepted."""


@dataclass(frozen=True)
class Extension:
    number: str
    name: str
    email: str | None
    department: str | None
    role: str
    # The board port this extension is ('' = a SIP phone); see firmware/gateway/accounts.py.
    device: str = ""


def validate_number(number: str) -> str:
    if not NUMBER_PATTERN.fullmatch(number):
        raise ExtensionError(
            f"extension number {number!r} is not valid; use 2-6 digits not starting with 0 (e.g. 101)"
        )
    return number


def _validate_fields(db: sqlite_utils.Database, name: str, email: str | None, role: str) -> str:
    name = name.strip()
    if not name:
        raise ExtensionError("name is empty; give the person's or the phone's name, e.g. --name 'Front desk'")
    if len(name) > 64 or any(c in name for c in '"<>\r\n'):
        raise ExtensionError(f"name {name!r} is not accepted; use up to 64 characters without quotes or <>")
    if email is not None and not EMAIL_PATTERN.fullmatch(email):
        raise ExtensionError(f"e-mail {email!r} is not an address; use name@example.com")
    # Besides user and admin, the custom roles made for the HTTP API (firmware/access/permissions.py).
    roles = [*ROLES, *(r[0] for r in db.execute("SELECT name FROM roles ORDER BY name").fetchall())]
    if role not in roles:
        raise ExtensionError(f"role {role!r} is not accepted; use one of: {', '.join(roles)}")
    return name


def _check_plan(db: sqlite_utils.Database, number: str) -> None:
    from firmware.dialplan.numbering import PlanError
    from firmware.dialplan.plan import check_extension_number, load_plan

    try:
        check_extension_number(load_plan(db), number)
    except PlanError as exc:
        raise ExtensionError(f"extension number {number} is not accepted: {exc}") from None
    group = db.execute("SELECT name FROM ring_groups WHERE number = ?", [number]).fetchone()
    if group is not None:
        raise ExtensionError(f"extension number {number} is not accepted: it is the number of ring group "
                             f"{group[0]}; choose another number or change the group's")
    queue = db.execute("SELECT name FROM queues WHERE number = ?", [number]).fetchone()
    if queue is not None:
        raise ExtensionError(f"extension number {number} is not accepted: it is the number of queue "
                             f"{queue[0]}; choose another number or change the queue's")
    if db.execute("SELECT 1 FROM conference_rooms WHERE number = ?", [number]).fetchone():
        raise ExtensionError(f"extension number {number} is not accepted: it is conference room {number}; "
                             "choose another number or remove the room (`conf remove`)")
    paging = db.execute("SELECT name FROM ring_groups WHERE park_number = ?", [number]).fetchone()
    if paging is not None:
        raise ExtensionError(f"extension number {number} is not accepted: it is the page-and-park number of "
                             f"paging group {paging[0]}; choose another number or change the group's")


def realm(db: sqlite_utils.Database) -> str:
    return str(get_setting(db, "sip_realm"))


def add_extension(
    db: sqlite_utils.Database,
    number: str,
    name: str,
    *,
    password: str | None = None,
    email: str | None = None,
    department: str | None = None,
    role: str = "user",
    keyable: bool = False,
) -> str:
    """Create an extension with its SIP account; return the SIP password (generated when none is
    given: digits only when `keyable`, to be spoken and keyed on a phone).

    Both rows are written in one transaction, so a failure leaves nothing behind.
    """
    validate_number(number)
    _check_plan(db, number)
    name = _validate_fields(db, name, email, role)
    password = _chosen_password(password, number, keyable)
    ha1, ha1b = digest_ha1(number, realm(db), password)
    exists = f"extension {number} already exists; pick another number or `ext remove` it first"
    try:
        with write_transaction(db):
            if get_extension(db, number) is not None:
                raise ExtensionError(exists)
            db.table("extensions").insert(
                {
                    "number": number,
                    "name": name,
                    "email": email,
                    "department": department,
                    "role": role,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
            # The plain password is never stored: Kamailio checks digests against ha1.
            db.table("subscriber").insert(
                {"username": number, "domain": realm(db), "password": "", "ha1": ha1, "ha1b": ha1b}
            )
    except sqlite3.IntegrityError as exc:
        # A SIP account left without its extension (a hand edit, an older tool).
        if "UNIQUE" not in str(exc):
            raise
        raise ExtensionError(
            f"SIP account {number} already exists without an extension; `ext remove {number}` deletes it"
        ) from None
    return password


def _chosen_password(password: str | None, number: str, keyable: bool) -> str:
    if password is None:
        return generate_keyable_password() if keyable else generate_password()
    check_password(password, number)
    return password


def set_password(db: sqlite_utils.Database, number: str, password: str | None = None, *,
                 keyable: bool = False) -> str:
    """Replace an extension's SIP password; return the new one."""
    if get_extension(db, number) is None:
        raise ExtensionError(f"extension {number} does not exist; see `ext list`")
    password = _chosen_password(password, number, keyable)
    ha1, ha1b = digest_ha1(number, realm(db), password)
    with write_transaction(db):
        db.conn.execute("UPDATE subscriber SET ha1 = ?, ha1b = ? WHERE username = ?", [ha1, ha1b, number])
    return password


def update_extension(db: sqlite_utils.Database, number: str, *, name: str | None = None,
                     email: str | None = None, department: str | None = None, role: str | None = None) -> Extension:
    """Change what is given (None = keep); '' clears the e-mail or the department."""
    current = get_extension(db, number)
    if current is None:
        raise ExtensionError(f"extension {number} does not exist; see `ext list`")
    new_email = current.email if email is None else (email or None)
    new_department = current.department if department is None else (department or None)
    new_name = _validate_fields(db, current.name if name is None else name, new_email,
                                current.role if role is None else role)
    with write_transaction(db):
        db.execute("UPDATE extensions SET name = ?, email = ?, department = ?, role = ? WHERE number = ?",
                   [new_name, new_email, new_department, current.role if role is None else role, number])
        # A role taken away ends the sessions it opened: their rights were the old role's.
        if role is not None and role != current.role:
            db.execute("DELETE FROM api_sessions WHERE login = ?", [number])
    updated = get_extension(db, number)
    assert updated is not None
    return updated


def remove_extension(db: sqlite_utils.Database, number: str) -> None:
    """Delete an extension, its SIP account and its registrations (also a SIP account left alone)."""
    account = db.execute("SELECT 1 FROM subscriber WHERE username = ?", [number]).fetchone()
    if get_extension(db, number) is None and account is None:
        raise ExtensionError(f"extension {number} does not exist; see `ext list`")
    with write_transaction(db):
        # A number given to someone new must not inherit the old owner's mailbox, PIN, forwarding,
        # or place (and login) in ring groups and queues. Rows that refer to the extension go first
        # (foreign keys).
        for table, column in (("forwarding", "number"), ("mailboxes", "number"), ("vm_messages", "mailbox"),
                              ("ring_group_members", "member"), ("queue_members", "extension"),
                              ("queue_group_pauses", "extension"),
                              ("extension_groups", "number"), ("extensions", "number"), ("subscriber", "username"),
                              ("location", "username"), ("gateway_accounts", "username"), ("web_passwords", "login"),
                              ("api_sessions", "login"), ("recording_mail", "extension")):
            db.conn.execute(f"DELETE FROM {table} WHERE {column} = ?", [number])
        db.conn.execute("DELETE FROM pin_failures WHERE scope = ?", [f"voicemail:{number}"])
        from firmware.recording.policy import forget_targets

        forget_targets(db, f"ext:{number}")
        for name, pagers in db.conn.execute("SELECT name, pagers FROM ring_groups WHERE pagers != ''").fetchall():
            kept = ",".join(p for p in str(pagers).split(",") if p != number)
            if kept != pagers:
                # The last allowed pager gone: nobody may page it, not everyone.
                db.conn.execute("UPDATE ring_groups SET pagers = ? WHERE name = ?", [kept or "-", name])
        # Others' forwarding to this extension or its mailbox would now lead nowhere.
        for which in ("always", "busy", "no_answer", "unregistered"):
            db.conn.execute(f"UPDATE forwarding SET {which} = '' WHERE {which} IN (?, ?)",
                            [f"ext:{number}", f"voicemail:{number}"])
    # The files go after the rows, so no row ever points at a deleted file.
    data_dir = Path(db.conn.execute("PRAGMA database_list").fetchone()[2]).parent
    shutil.rmtree(data_dir / "voicemail" / number, ignore_errors=True)


def get_extension(db: sqlite_utils.Database, number: str) -> Extension | None:
    row = db.execute(
        "SELECT number, name, email, department, role, device FROM extensions WHERE number = ?", [number]
    ).fetchone()
    return Extension(*row) if row else None


def list_extensions(db: sqlite_utils.Database) -> list[Extension]:
    rows = db.execute(
        "SELECT number, name, email, department, role, device FROM extensions ORDER BY CAST(number AS INTEGER)"
    ).fetchall()
    return [Extension(*row) for row in rows]
