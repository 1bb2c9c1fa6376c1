"""The directory sync's configuration: kept in the `directory_config` table, validated as a whole.

`set_config()` is the one way to change it (the CLI and the HTTP API both call it): every
value is checked, then the whole configuration, then it is written in one transaction; a
refused change writes nothing. The bind password is write-only: `public()` says whether it
is set, nothing prints or logs it.
"""
from __future__ import annotations

import re
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from firmware.directory.mapping import FIELDS, PRESET_FILTERS, PRESETS, valid_attribute_name
from firmware.store.database import write_transaction

# Where calls for a leaver's number go (firmware/apps/references.py).
DESTINATION_USES = (
    "SELECT 'the directory sync''s leaver destination' FROM directory_config "
    "WHERE key = 'leaver_destination' AND value = ?",
)

# The extension fields a sync may write; each has a rule.
RULED_FIELDS = ("name", "email", "department", "number", "role")
RULES = ("create", "sync", "never")
RULE_MEANING = {"create": "set when the extension is created, then left alone",
                "sync": "kept as the directory says (the directory wins)",
                "never": "never written by the sync"}
_DEFAULT_RULES = {"name": "sync", "email": "sync", "department": "sync", "number": "create", "role": "sync"}
_RANGE = re.compile(r"([1-9][0-9]{1,5})-([1-9][0-9]{1,5})")


class DirectoryConfigError(ValueError):
    """A configuration value that is not accepted; the message names it and what is."""


@dataclass(frozen=True)
class DirectoryConfig:
    url: str = ""
    starttls: bool = True
    ca_cert: str = ""  # PEM text; '' = the system's trusted authorities
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    base_dn: str = ""
    filter: str = ""  # '' = the preset's
    page_size: int = 500
    timeout: int = 10
    preset: str = "openldap"
    overrides: Mapping[str, str] = field(default_factory=dict)  # field -> attribute ('' = not read)
    rules: Mapping[str, str] = field(default_factory=lambda: dict(_DEFAULT_RULES))
    missing_number: str = "skip"  # assign (next free in number_range) or skip
    number_range: str = ""
    group_source: str = "memberof"  # memberof (attribute of the entry) or search (groups under group_base_dn)
    group_base_dn: str = ""  # '' = base_dn
    group_filter: str = "(|(objectClass=groupOfNames)(objectClass=group))"
    admin_groups: tuple[str, ...] = ()
    # Group -> role (any role of the PBX, custom roles too), tried in order before admin_groups.
    role_groups: tuple[tuple[str, str], ...] = ()
    leaver_destination: str = ""  # '' = the operator extension
    grace_days: int = 30
    mail_passwords: bool = False
    interval_minutes: int = 0  # 0 = only on demand

    @property
    def mapping(self) -> dict[str, str]:
        return {**PRESETS[self.preset], **self.overrides}

    @property
    def search_filter(self) -> str:
        return self.filter or PRESET_FILTERS[self.preset]

    @property
    def ldaps(self) -> bool:
        return self.url.lower().startswith("ldaps://")

    def number_bounds(self) -> tuple[int, int] | None:
        match = _RANGE.fullmatch(self.number_range)
        return (int(match[1]), int(match[2])) if match else None

    def public(self) -> dict[str, Any]:
        """Everything a person may see: the bind password only as set or not set."""
        return {
            "url": self.url, "starttls": self.starttls and not self.ldaps,
            "ca_cert": "(set)" if self.ca_cert else "(system)", "bind_dn": self.bind_dn,
            "bind_password": "(set)" if self.bind_password else "(not set)", "base_dn": self.base_dn,
            "filter": self.search_filter, "page_size": self.page_size, "timeout": self.timeout,
            "preset": self.preset, "mapping": self.mapping, "rules": dict(self.rules),
            "missing_number": self.missing_number, "number_range": self.number_range,
            "group_source": self.group_source, "group_base_dn": self.group_base_dn or self.base_dn,
            "group_filter": self.group_filter, "admin_groups": list(self.admin_groups),
            "role_groups": [f"{group}={role}" for group, role in self.role_groups],
            "leaver_destination": self.leaver_destination or "(operator)", "grace_days": self.grace_days,
            "mail_passwords": self.mail_passwords, "interval_minutes": self.interval_minutes,
        }


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("ldap", "ldaps") or not parts.hostname or parts.path not in ("", "/"):
        raise ValueError
    _ = parts.port  # raises ValueError for a port that is not a number 0-65535
    return value


def _yes_no(value: str) -> bool:
    if value.lower() in ("yes", "on", "true", "1"):
        return True
    if value.lower() in ("no", "off", "false", "0"):
        return False
    raise ValueError


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if not low <= number <= high:
            raise ValueError
        return number
    return parse


def _choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError
        return value
    return parse


def _filter(value: str) -> str:
    if value:
        check_filter(value)
    return value


def check_filter(value: str) -> None:
    """Raise ValueError when an LDAP filter does not parse (RFC 4515), checked as the client will send it."""
    from ldap3.core.exceptions import LDAPInvalidFilterError
    from ldap3.operation.search import compile_filter, parse_filter

    # ldap3 lets an item without an attribute through ("(=x)"); servers refuse it.
    if not (value.startswith("(") and value.endswith(")")) or re.search(r"\(\s*[~<>:]?=", value):
        raise ValueError
    try:
        compile_filter(parse_filter(value, None, True, True, None, False).elements[0])
    except (LDAPInvalidFilterError, IndexError, TypeError, AttributeError):
        raise ValueError from None


def _dn(value: str) -> str:
    if value and "=" not in value:
        raise ValueError
    return value


def _bind_name(value: str) -> str:
    # Active Directory also binds with a user principal name (pbx@example.com) or a down-level name.
    if value and "=" not in value and "@" not in value and "\\" not in value:
        raise ValueError
    return value


def _ca_cert(value: str) -> str:
    if value:
        try:
            ssl.create_default_context().load_verify_locations(cadata=value)
        except (ssl.SSLError, ValueError):
            raise ValueError from None
    return value


def _number_range(value: str) -> str:
    if value:
        match = _RANGE.fullmatch(value)
        if not match or int(match[1]) > int(match[2]):
            raise ValueError
    return value


def _groups(value: str) -> tuple[str, ...]:
    # DNs hold commas, so groups are separated by semicolons.
    return tuple(g.strip() for g in value.split(";") if g.strip())


def _role_groups(value: str) -> tuple[tuple[str, str], ...]:
    """'cn=sales,ou=groups,dc=x=sales-lead; it-staff=admin' -> ((group, role), ...): the role is what
    follows the last '=', so a group DN (full of '=') needs no quoting."""
    pairs = []
    for part in (p.strip() for p in value.split(";") if p.strip()):
        group, sep, role = part.rpartition("=")
        if not sep or not group.strip() or not role.strip():
            raise ValueError
        pairs.append((group.strip(), role.strip()))
    return tuple(pairs)


def _destination(value: str) -> str:
    if value:
        from firmware.apps.destinations import DestinationError, parse_destination

        try:
            parse_destination(value)
        except DestinationError:
            raise ValueError from None
    return value


@dataclass(frozen=True)
class _Key:
    parse: Callable[[str], object]
    accepted: str
    help: str


KEYS: dict[str, _Key] = {
    "url": _Key(_url, "ldap://HOST[:PORT] or ldaps://HOST[:PORT]", "directory server"),
    "starttls": _Key(_yes_no, "yes or no", "ldap:// only: upgrade to TLS with StartTLS before binding"),
    "ca_cert": _Key(_ca_cert, "a PEM certificate (file given to `ldap set --ca-cert`), or '' for the system's",
                    "certificate authority the server's certificate must come from"),
    "bind_dn": _Key(_bind_name, "a DN such as cn=pbx,ou=services,dc=example,dc=com (AD also pbx@example.com or "
                    "EXAMPLE\\pbx), or '' for an anonymous bind",
                    "who the PBX binds as"),
    "bind_password": _Key(str, "a password", "bind password (write-only)"),
    "base_dn": _Key(_dn, "a DN such as ou=people,dc=example,dc=com", "where people are searched"),
    "filter": _Key(_filter, "an LDAP filter in parentheses, e.g. (objectClass=inetOrgPerson), or '' for the "
                   "preset's", "which entries are people of the PBX"),
    "page_size": _Key(_int_range(10, 5000), "a whole number 10-5000", "entries per page of the paged search"),
    "timeout": _Key(_int_range(1, 120), "a whole number of seconds 1-120", "how long to wait for the server"),
    "preset": _Key(_choice(*PRESETS), " or ".join(PRESETS), "attribute preset"),
    "missing_number": _Key(_choice("assign", "skip"), "assign or skip",
                           "a person without a usable number: assign the next free one or skip them"),
    "number_range": _Key(_number_range, "a range such as 300-399, or ''", "numbers assigned to people without one"),
    "group_source": _Key(_choice("memberof", "search"), "memberof or search",
                         "groups from the person's memberOf, or from a search of group entries"),
    "group_base_dn": _Key(_dn, "a DN, or '' for base_dn", "where groups are searched (group_source search)"),
    "group_filter": _Key(_filter, "an LDAP filter in parentheses", "which entries are groups (group_source search)"),
    "admin_groups": _Key(_groups, "group DNs or names separated by ';', or ''",
                         "members are administrators, everyone else a user ('' = roles are not synced)"),
    "role_groups": _Key(_role_groups, "GROUP=ROLE pairs separated by ';' (GROUP a DN or a name, ROLE admin, user "
                        "or a custom role of `minipbx role list`), or ''",
                        "members of a group get its role; the first group that matches wins, before admin_groups"),
    "leaver_destination": _Key(_destination, "a destination such as ext:100, voicemail:100, ivr:main, hangup, "
                               "or '' for the operator", "where calls to a disabled person go"),
    "grace_days": _Key(_int_range(0, 3650), "a whole number of days 0-3650",
                       "days a leaver's extension stays disabled before it is removed"),
    "mail_passwords": _Key(_yes_no, "yes or no", "e-mail new people their SIP account (needs the smtp_ settings)"),
    "interval_minutes": _Key(lambda v: 0 if v == "0" else _int_range(5, 10080)(v),
                             "0 (on demand only) or a whole number of minutes 5-10080",
                             "sync every N minutes while minipbx runs"),
    **{f"map.{name}": _Key(lambda v: v, "an attribute name such as ipPhone, or '' to not read it",
                           f"attribute giving the {name.replace('_', ' ')}") for name in FIELDS},
    **{f"rule.{name}": _Key(_choice(*RULES), "create, sync or never", f"when the sync writes the {name}")
       for name in RULED_FIELDS},
}


def _parse(key: str, value: str) -> object:
    spec = KEYS.get(key)
    if spec is None:
        raise DirectoryConfigError(f"unknown directory setting {key!r}; known: {', '.join(KEYS)}")
    if key.startswith("map.") and value and not valid_attribute_name(value):
        raise DirectoryConfigError(f"{key} = {value!r} is not accepted; use {spec.accepted}")
    try:
        return spec.parse(value)
    except ValueError:
        raise DirectoryConfigError(f"{key} = {value!r} is not accepted; use {spec.accepted}") from None


def _stored(db: sqlite_utils.Database) -> dict[str, str]:
    return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM directory_config").fetchall()}


def _build(values: Mapping[str, str]) -> DirectoryConfig:
    parsed = {key: _parse(key, value) for key, value in values.items()}
    plain: dict[str, Any] = {k: v for k, v in parsed.items() if "." not in k}
    overrides = {k[4:]: str(v) for k, v in parsed.items() if k.startswith("map.")}
    rules = {**_DEFAULT_RULES, **{k[5:]: str(v) for k, v in parsed.items() if k.startswith("rule.")}}
    return DirectoryConfig(**plain, overrides=overrides, rules=rules)


def load_config(db: sqlite_utils.Database) -> DirectoryConfig:
    return _build(_stored(db))


def _check_whole(config: DirectoryConfig) -> None:
    if config.mapping["id"] == "":
        raise DirectoryConfigError("map.id = '' is not accepted: the sync needs a stable id per person "
                                   "(entryUUID, objectGUID) to follow renames")
    if config.mapping["name"] == "":
        raise DirectoryConfigError("map.name = '' is not accepted: every extension needs a name")
    if config.missing_number == "assign" and not config.number_range:
        raise DirectoryConfigError("missing_number = 'assign' needs a number_range to assign from, e.g. "
                                   "number_range=300-399")
    if config.group_source == "memberof" and (config.admin_groups or config.role_groups) and \
            not config.mapping["groups"]:
        raise DirectoryConfigError("admin_groups and role_groups need map.groups (e.g. memberOf) or "
                                   "group_source=search")


def _check_roles(db: sqlite_utils.Database, config: DirectoryConfig) -> None:
    from firmware.access.permissions import role_names

    known = role_names(db)
    for group, role in config.role_groups:
        if role not in known:
            raise DirectoryConfigError(f"role_groups: role {role!r} (for {group}) does not exist; known roles: "
                                       f"{', '.join(known)}")


def set_config(db: sqlite_utils.Database, changes: Mapping[str, str]) -> DirectoryConfig:
    """Validate `changes` (key -> text) against the stored configuration and write them at once.

    A value of '' clears a key back to its default. Returns the configuration now in force.
    """
    stored = _stored(db)
    merged = {**stored, **changes}
    merged = {k: v for k, v in merged.items() if v != "" or k in ("bind_password",)}
    for key in changes:
        _parse(key, changes[key])  # names the bad key before the whole is checked
    config = _build(merged)
    _check_whole(config)
    if "role_groups" in changes:
        _check_roles(db, config)
    if "leaver_destination" in changes and config.leaver_destination:
        from firmware.apps.destinations import DestinationError, check_destination

        try:
            check_destination(db, config.leaver_destination)
        except DestinationError as exc:
            raise DirectoryConfigError(f"leaver_destination is not accepted: {exc}") from None
    with write_transaction(db):
        for key, value in changes.items():
            if value == "":
                db.execute("DELETE FROM directory_config WHERE key = ?", [key])
            else:
                db.execute("INSERT OR REPLACE INTO directory_config (key, value) VALUES (?, ?)", [key, value])
    return config


def require_server(config: DirectoryConfig) -> None:
    """Refuse to talk to a directory before the minimum is configured."""
    if not config.url:
        raise DirectoryConfigError("no directory server is set; `minipbx ldap set url=ldaps://dc1.example.com`")
    if not config.base_dn:
        raise DirectoryConfigError("no base DN is set; `minipbx ldap set base_dn=ou=people,dc=example,dc=com`")
