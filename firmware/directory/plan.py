"""What a sync changes: directory people + what the store holds -> a list of changes.

`make_plan()` has no side effects (like the router's `decide`): a dry run prints its
changes, a real sync carries them out (sync.py). Each change says in one line what it does.

Per person, by the stable id:

    new in the directory  -> Create (a number from the directory, or the next free one in
                             number_range, or skipped), unless disabled there
    known, still there    -> Update (fields whose rule is `sync`), Enable if it was disabled
    disabled there / gone -> Disable (at once)
    disabled > grace_days -> Remove
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from firmware.directory.config import DirectoryConfig
from firmware.directory.mapping import Person, first_rdn_value, normal_dn
from firmware.store.extensions import NUMBER_PATTERN


@dataclass(frozen=True)
class Known:
    """A person the sync created earlier, as the store holds them now."""
    entry_id: str
    number: str
    exists: bool  # False when the extension was removed by hand since
    name: str
    email: str
    department: str
    role: str
    title: str
    mobile: str
    dn: str
    disabled_at: str  # '' = in service


@dataclass(frozen=True)
class Create:
    person: Person
    number: str
    role: str

    def describe(self) -> str:
        return f"create {self.number} {self.person.name} ({self.role})"


@dataclass(frozen=True)
class Update:
    person: Person
    number: str
    # field -> (old, new); name, email, department, role go to the extension, title and mobile
    # to the phonebook.
    fields: Mapping[str, tuple[str, str]]
    renumber_to: str = ""

    def describe(self) -> str:
        parts = [f"{k} {old!r} -> {new!r}" for k, (old, new) in self.fields.items()]
        if self.renumber_to:
            parts.insert(0, f"number -> {self.renumber_to}")
        return f"update {self.number} {self.person.name}: {', '.join(parts)}"


@dataclass(frozen=True)
class Disable:
    number: str
    name: str
    reason: str

    def describe(self) -> str:
        return f"disable {self.number} {self.name}: {self.reason}"


@dataclass(frozen=True)
class Enable:
    number: str
    name: str

    def describe(self) -> str:
        return f"enable {self.number} {self.name}: back in the directory"


@dataclass(frozen=True)
class Remove:
    number: str
    name: str
    disabled_at: str

    def describe(self) -> str:
        return f"remove {self.number} {self.name}: disabled since {self.disabled_at[:10]}, grace period over"


Change = Create | Update | Disable | Enable | Remove


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    notes: tuple[str, ...]  # people skipped and why; mapped attributes no entry has
    seen: tuple[Person, ...] = field(default=(), repr=False)  # everyone read, in service or not

    def count(self, kind: type) -> int:
        return sum(1 for c in self.changes if isinstance(c, kind))


def directory_number(text: str) -> str:
    """The extension number a directory value gives ('' = none usable): spaces, dashes, dots dropped."""
    digits = "".join(c for c in text if c not in " -./()")
    return digits if NUMBER_PATTERN.fullmatch(digits) else ""


def role_of(person: Person, group_dns: Iterable[str], config: DirectoryConfig) -> str | None:
    """The role the person's groups give: the first of role_groups they are in, else admin for
    admin_groups, else user; None when roles are not synced (neither is set)."""
    if not config.admin_groups and not config.role_groups:
        return None
    dns = list(group_dns)

    def member_of(groups: Iterable[str]) -> bool:
        wanted = {normal_dn(g) for g in groups if "=" in g}
        names = {g.strip().lower() for g in groups if "=" not in g}
        return any(normal_dn(dn) in wanted or first_rdn_value(dn) in names for dn in dns)

    for group, role in config.role_groups:
        if member_of([group]):
            return role
    return "admin" if member_of(config.admin_groups) else "user"


def _free_numbers(config: DirectoryConfig, taken: set[str]) -> Iterable[str]:
    bounds = config.number_bounds()
    if bounds is None:
        return
    for value in range(bounds[0], bounds[1] + 1):
        if str(value) not in taken:
            yield str(value)


def make_plan(config: DirectoryConfig, people: list[Person], groups: Mapping[str, tuple[str, ...]],
              known: list[Known], taken: set[str], now: datetime) -> Plan:
    """The changes that bring the store in line with the directory.

    `groups` is member DN (normalised) -> group DNs, for group_source=search; `taken` every
    number already in use (extensions, ring groups, SIP accounts).
    """
    changes: list[Change] = []
    notes: list[str] = []
    by_id = {k.entry_id: k for k in known}
    taken = set(taken)
    claimed: dict[str, str] = {}  # number -> who got it in this plan
    free = iter(_free_numbers(config, taken))
    seen: list[Person] = []
    present: set[str] = set()

    for person in sorted(people, key=lambda p: normal_dn(p.dn)):
        if not person.entry_id:
            notes.append(f"skipped {person.dn}: it has no {config.mapping['id']} (the stable id)")
            continue
        if person.entry_id in present:
            continue  # the same entry reached twice (overlapping search roots)
        present.add(person.entry_id)
        seen.append(person)
        group_dns = person.groups if config.group_source == "memberof" else groups.get(normal_dn(person.dn), ())
        role = role_of(person, group_dns, config)
        mine = by_id.get(person.entry_id)
        if mine is not None and mine.exists:
            if person.disabled:
                if not mine.disabled_at:
                    changes.append(Disable(mine.number, mine.name, "account disabled in the directory"))
                continue
            if mine.disabled_at:
                changes.append(Enable(mine.number, mine.name))
            changes.extend(_updates(config, person, mine, role, taken | set(claimed), notes))
            continue
        if person.disabled:
            continue  # a disabled account never gets an extension
        if not person.name:
            notes.append(f"skipped {person.dn}: it has no {config.mapping['name']} (the name)")
            continue
        wanted = mine.number if mine is not None else directory_number(person.number)
        if person.number and not wanted:
            notes.append(f"{person.name}: {person.number!r} is not an extension number (2-6 digits)")
        if wanted and (wanted in claimed or (wanted in taken and mine is None)):
            owner = next((k.name for k in known if k.number == wanted), "")
            other = claimed.get(wanted) or (f"{owner}'s (from the directory)" if owner else
                                            "an existing extension not from the directory")
            notes.append(f"skipped {person.name}: number {wanted} is already {other}")
            continue
        if not wanted:
            if config.missing_number != "assign":
                notes.append(f"skipped {person.name}: no number in {config.mapping['number'] or 'the directory'} "
                             "(missing_number=skip)")
                continue
            wanted = next((n for n in free if n not in claimed), "")
            if not wanted:
                notes.append(f"skipped {person.name}: no free number left in {config.number_range}")
                continue
        claimed[wanted] = person.name
        changes.append(Create(person, wanted, role or "user"))

    for mine in known:
        if mine.entry_id in present or not mine.exists:
            continue
        if not mine.disabled_at:
            changes.append(Disable(mine.number, mine.name, "no longer in the directory (deleted, or outside "
                                   "base_dn/filter)"))
    # Removal counts from when the person was disabled, by an earlier sync; coming back stops it.
    enabled = {c.number for c in changes if isinstance(c, Enable)}
    for mine in known:
        if mine.exists and mine.disabled_at and mine.number not in enabled and \
                now - datetime.fromisoformat(mine.disabled_at) >= timedelta(days=config.grace_days):
            changes.append(Remove(mine.number, mine.name, mine.disabled_at))
    return Plan(tuple(changes), tuple(notes), tuple(seen))


def _updates(config: DirectoryConfig, person: Person, mine: Known, role: str | None, taken: set[str],
             notes: list[str]) -> list[Change]:
    fields: dict[str, tuple[str, str]] = {}
    wanted = {"name": person.name, "email": person.email, "department": person.department}
    if role is not None:
        wanted["role"] = role
    current = {"name": mine.name, "email": mine.email, "department": mine.department, "role": mine.role}
    for name, new in wanted.items():
        if config.rules.get(name) == "sync" and new != current[name] and (new or name != "name"):
            fields[name] = (current[name], new)
    for name, new, old in (("title", person.title, mine.title), ("mobile", person.mobile, mine.mobile)):
        if new != old:
            fields[name] = (old, new)
    renumber = ""
    if config.rules.get("number") == "sync" and person.number:
        number = directory_number(person.number)
        if number and number != mine.number:
            if number in taken:
                notes.append(f"{person.name}: number {mine.number} not changed to {number}: {number} is taken")
            else:
                renumber = number
    if fields or renumber:
        return [Update(person, mine.number, fields, renumber)]
    return []
