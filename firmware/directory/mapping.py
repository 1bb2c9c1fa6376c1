"""Which directory attribute gives which fact about a person, and reading one entry with it.

Two presets cover the directories offices run: Active Directory (and Samba AD) and
OpenLDAP-style `inetOrgPerson` trees (also FreeIPA). Any field can be pointed at another
attribute, including one an administrator added to the schema.
"""
from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

# The facts a sync reads from an entry. `account_control` is AD's userAccountControl:
# bit 2 (ACCOUNTDISABLE) means the account is disabled. `groups` is the attribute that
# lists the entry's groups (memberOf) when groups are not found by a group search.
FIELDS = ("id", "name", "title", "department", "number", "mobile", "email", "account_control", "groups")

PRESETS: dict[str, dict[str, str]] = {
    "ad": {
        "id": "objectGUID",
        "name": "displayName",
        "title": "title",
        "department": "department",
        "number": "ipPhone",
        "mobile": "mobile",
        "email": "mail",
        "account_control": "userAccountControl",
        "groups": "memberOf",
    },
    "openldap": {
        "id": "entryUUID",
        "name": "cn",
        "title": "title",
        "department": "ou",
        "number": "telephoneNumber",
        "mobile": "mobile",
        "email": "mail",
        "account_control": "",
        "groups": "memberOf",
    },
}
# People only: AD keeps computers in objectClass=user too, so objectCategory=person narrows it.
PRESET_FILTERS = {
    "ad": "(&(objectCategory=person)(objectClass=user))",
    "openldap": "(objectClass=inetOrgPerson)",
}
# Binary attributes whose value is a GUID; AD stores objectGUID little-endian.
_GUID_ATTRIBUTES = frozenset({"objectguid"})
_ACCOUNTDISABLE = 0x2
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,63}|[0-9]+(\.[0-9]+)+")


def valid_attribute_name(name: str) -> bool:
    """An LDAP attribute description: a name (letters, digits, hyphens) or an OID."""
    return bool(_ATTRIBUTE_NAME.fullmatch(name))


@dataclass(frozen=True)
class Entry:
    """One directory entry as the server sent it: attribute names lower-cased, values as bytes."""
    dn: str
    attributes: Mapping[str, tuple[bytes, ...]]


@dataclass(frozen=True)
class Person:
    """What the directory says about one person, read through the field mapping."""
    entry_id: str
    dn: str
    name: str
    title: str
    department: str
    number: str  # as written in the directory, not yet checked against the numbering plan
    mobile: str
    email: str
    disabled: bool
    groups: tuple[str, ...]  # group DNs (memberOf), when the groups come from the entry


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace").strip()


def first_value(entry: Entry, attribute: str) -> str:
    if not attribute:
        return ""
    values = entry.attributes.get(attribute.lower(), ())
    if not values:
        return ""
    if attribute.lower() in _GUID_ATTRIBUTES and len(values[0]) == 16:
        return str(uuid.UUID(bytes_le=values[0]))
    return _text(values[0])


def read_person(entry: Entry, mapping: Mapping[str, str]) -> Person:
    control = first_value(entry, mapping["account_control"])
    disabled = control.isdigit() and bool(int(control) & _ACCOUNTDISABLE)
    groups_attribute = mapping["groups"].lower()
    groups = tuple(_text(v) for v in entry.attributes.get(groups_attribute, ())) if groups_attribute else ()
    return Person(
        entry_id=first_value(entry, mapping["id"]),
        dn=entry.dn,
        name=first_value(entry, mapping["name"]),
        title=first_value(entry, mapping["title"]),
        department=first_value(entry, mapping["department"]),
        number=first_value(entry, mapping["number"]),
        mobile=first_value(entry, mapping["mobile"]),
        email=first_value(entry, mapping["email"]),
        disabled=disabled,
        groups=groups,
    )


def normal_dn(dn: str) -> str:
    """A DN compared the way directories compare them here: case and spaces around separators ignored."""
    return re.sub(r"\s*([,=+])\s*", r"\1", dn.strip()).lower()


def first_rdn_value(dn: str) -> str:
    """'cn=PBX Admins,ou=groups,dc=example' -> 'pbx admins'."""
    head = normal_dn(dn).split(",", 1)[0]
    return head.split("=", 1)[1] if "=" in head else head
