"""The company phonebook for desk phones: extensions in service, what the directory says about
them (title, department, mobile), and the shared external contacts an administrator adds.

Formats the phones read as a remote phonebook over HTTP(S): Yealink (`YealinkIPPhoneDirectory`),
Grandstream (`AddressBook`, fetched as .../phonebook.xml) and CSV. `serve()` answers one
request, with the phone's own SIP account as its credentials (HTTP Basic, checked against
the digest Kamailio uses, so a leaver's phone is refused too); the HTTP server calls it.

`caller_name()` gives the name for an inbound caller's number, for the caller ID shown on
the phones.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.store.extensions import realm
from firmware.store.passwords import digest_ha1
from firmware.store.settings import get_setting

LABELS = ("work", "mobile", "home")
_YEALINK_LABEL = {"work": "Work", "mobile": "Mobile", "home": "Home"}
_GRANDSTREAM_TYPE = {"work": "Work", "mobile": "Cell", "home": "Home"}
_PHONE_NUMBER = re.compile(r"\+?[0-9][0-9 ()./-]{1,30}")
# Caller numbers arrive in many forms (+4930..., 004930..., 030...); matched on their end.
_MIN_MATCH_DIGITS = 6


class PhonebookError(ValueError):
    """A contact that is not accepted; the message names the value and what is."""


@dataclass(frozen=True)
class Contact:
    name: str
    numbers: tuple[tuple[str, str], ...]  # (label, number as a desk phone dials it)
    department: str = ""
    title: str = ""
    shared: bool = False  # an external contact, not an extension


def _dialable(outside_prefix: str, number: str) -> str:
    """An outside number as dialled from a desk phone: the access code first, no spaces."""
    digits = "".join(c for c in number if c.isdigit() or c == "+")
    return outside_prefix + digits


def contacts(db: sqlite_utils.Database) -> list[Contact]:
    """Everyone in the phonebook, sorted by name."""
    prefix = str(get_setting(db, "outside_prefix"))
    people = []
    rows = db.execute(
        "SELECT e.number, e.name, COALESCE(e.department, ''), COALESCE(p.title, ''), COALESCE(p.mobile, '') "
        "FROM extensions e LEFT JOIN directory_people p ON p.number = e.number "
        "WHERE e.disabled_at = '' ORDER BY e.name").fetchall()
    for number, name, department, title, mobile in rows:
        numbers = [("work", str(number))]
        if mobile:
            numbers.append(("mobile", _dialable(prefix, str(mobile))))
        people.append(Contact(str(name), tuple(numbers), str(department), str(title)))
    shared: dict[str, list[tuple[str, str]]] = {}
    for name, number, label in db.execute(
            "SELECT name, number, label FROM phonebook_contacts ORDER BY name, rowid").fetchall():
        shared.setdefault(str(name), []).append((str(label), _dialable(prefix, str(number))))
    people += [Contact(name, tuple(numbers), shared=True) for name, numbers in shared.items()]
    return sorted(people, key=lambda c: c.name.lower())


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + bytes(ET.tostring(root, encoding="utf-8")) + b"\n"


def yealink_xml(entries: list[Contact]) -> bytes:
    root = ET.Element("YealinkIPPhoneDirectory")
    for contact in entries:
        entry = ET.SubElement(root, "DirectoryEntry")
        ET.SubElement(entry, "Name").text = contact.name
        for label, number in contact.numbers:
            ET.SubElement(entry, "Telephone", label=_YEALINK_LABEL[label]).text = number
    return _xml(root)


def grandstream_xml(entries: list[Contact]) -> bytes:
    root = ET.Element("AddressBook")
    for contact in entries:
        entry = ET.SubElement(root, "Contact")
        first, _, last = contact.name.rpartition(" ") if " " in contact.name else (contact.name, "", "")
        ET.SubElement(entry, "LastName").text = last
        ET.SubElement(entry, "FirstName").text = first
        for label, number in contact.numbers:
            phone = ET.SubElement(entry, "Phone", type=_GRANDSTREAM_TYPE[label])
            ET.SubElement(phone, "phonenumber").text = number
            ET.SubElement(phone, "accountindex").text = "1"
    return _xml(root)


def csv_text(entries: list[Contact]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "work", "mobile", "home", "department", "title"])
    for contact in entries:
        numbers = dict(contact.numbers)
        writer.writerow([contact.name, numbers.get("work", ""), numbers.get("mobile", ""), numbers.get("home", ""),
                         contact.department, contact.title])
    return out.getvalue().encode()


FORMATS = {"yealink": yealink_xml, "grandstream": grandstream_xml, "csv": csv_text}
# Where phones fetch each format (Grandstream phones add /phonebook.xml to the path they are given).
PATHS = {"/phonebook/yealink.xml": "yealink", "/phonebook/grandstream/phonebook.xml": "grandstream",
         "/phonebook/contacts.csv": "csv"}
_CONTENT_TYPES = {"yealink": "text/xml; charset=utf-8", "grandstream": "text/xml; charset=utf-8",
                  "csv": "text/csv; charset=utf-8"}


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c in name for c in "\r\n\t"):
        raise PhonebookError(f"contact name {name!r} is not accepted; use 1-64 characters on one line")
    return name


def _check_number(number: str) -> str:
    if not _PHONE_NUMBER.fullmatch(number.strip()):
        raise PhonebookError(f"number {number!r} is not accepted; use an outside number as written, e.g. "
                             "+49 30 1234567 or 030 1234567 (without the outside-line code)")
    return "".join(c for c in number if c.isdigit() or c == "+")


def add_contact(db: sqlite_utils.Database, name: str, number: str, label: str = "work") -> None:
    """A shared external contact; a second number for the same name is another row."""
    name, number = _check_name(name), _check_number(number)
    if label not in LABELS:
        raise PhonebookError(f"label {label!r} is not accepted; use one of: {', '.join(LABELS)}")
    with write_transaction(db):
        if db.execute("SELECT 1 FROM phonebook_contacts WHERE name = ? AND number = ?", [name, number]).fetchone():
            raise PhonebookError(f"{name} with {number} is already in the phonebook")
        db.table("phonebook_contacts").insert({"name": name, "number": number, "label": label,
                                               "created_at": datetime.now(UTC).isoformat(timespec="seconds")})


def remove_contact(db: sqlite_utils.Database, name: str, number: str | None = None) -> int:
    """Remove a shared contact (all its numbers, or one); return how many rows went."""
    with write_transaction(db):
        if number is None:
            cursor = db.execute("DELETE FROM phonebook_contacts WHERE name = ?", [name])
        else:
            cursor = db.execute("DELETE FROM phonebook_contacts WHERE name = ? AND number = ?",
                                [name, _check_number(number)])
    if cursor.rowcount == 0:
        raise PhonebookError(f"no shared contact {name!r}{f' with {number}' if number else ''}; "
                             "see `minipbx phonebook list`")
    return int(cursor.rowcount)


def _significant(number: str) -> str:
    """Digits without '+' and leading zeros: '+49 30 123' and '030 123' end the same way."""
    return "".join(c for c in number if c.isdigit()).lstrip("0")


def caller_name(db: sqlite_utils.Database, number: str) -> str | None:
    """The phonebook name for an outside caller's number (shared contacts, then directory mobiles)."""
    wanted = _significant(number)
    if len(wanted) < _MIN_MATCH_DIGITS:
        return None
    candidates = [(str(n), str(m)) for n, m in db.execute("SELECT name, number FROM phonebook_contacts")]
    candidates += [(str(n), str(m)) for n, m in db.execute(
        "SELECT e.name, p.mobile FROM directory_people p JOIN extensions e ON e.number = p.number "
        "WHERE p.mobile != '' AND e.disabled_at = ''")]
    for name, known in candidates:
        have = _significant(known)
        if len(have) >= _MIN_MATCH_DIGITS and (have.endswith(wanted) or wanted.endswith(have)):
            return name
    return None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _phone_credentials(db: sqlite_utils.Database, authorization: str) -> bool:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    if not sep:
        return False
    row = db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [user]).fetchone()
    return row is not None and row[0] == digest_ha1(user, realm(db), password)[0]


def serve(db: sqlite_utils.Database, path: str, authorization: str) -> Reply:
    """Answer a phone's GET for `path` (its `Authorization` header, '' if none)."""
    fmt = PATHS.get(path.split("?", 1)[0])
    if fmt is None:
        return Reply(404, (("Content-Type", "text/plain; charset=utf-8"),),
                     f"no phonebook here; use {', '.join(PATHS)}\n".encode())
    if not _phone_credentials(db, authorization):
        # The phone's own SIP account (user and password) is its login.
        return Reply(401, (("WWW-Authenticate", f'Basic realm="{realm(db)} phonebook", charset="UTF-8"'),
                           ("Content-Type", "text/plain; charset=utf-8")), b"log in with the phone's SIP account\n")
    return Reply(200, (("Content-Type", _CONTENT_TYPES[fmt]), ("Cache-Control", "no-cache")),
                 FORMATS[fmt](contacts(db)))
