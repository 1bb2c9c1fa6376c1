"""Which conversations are recorded: a policy per extension, ring group and trunk (or trunk + DID).

    always     every conversation of it is recorded, from the answer on; *1 cannot stop it
    on_demand  recorded while a party who may (an extension) has pressed *1
    never      not recorded, and *1 is refused

A conversation takes the policies of everything it touches: the extensions talking, the
ring groups the call went through, the trunk it came in or went out on, and for an
incoming call the trunk + dialled number (DID). `never` anywhere wins (a works council's
phone is never recorded, whatever line the call came on), then `always` anywhere, else
`on_demand`. An extension without a policy of its own has the `call_recording` setting's.

Policies are rows of `recording_policies` keyed by the target's text: `ext:101`,
`group:sales`, `trunk:sip1`, `trunk:sip1/0301234567`. A target removed takes its policy
with it (the removal operations of extensions, ring groups and trunks delete the row),
so a number given to someone new never inherits the old owner's policy.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlite_utils

from firmware.store.database import write_transaction
from firmware.store.settings import get_setting

ALWAYS, ON_DEMAND, NEVER = "always", "on_demand", "never"
POLICIES = (ALWAYS, ON_DEMAND, NEVER)
_TARGET = re.compile(r"(ext|group|trunk):([A-Za-z0-9][A-Za-z0-9_.-]{0,39})(?:/(\+?[0-9]{1,20}))?")


class PolicyError(ValueError):
    """A policy or target that is not accepted; the text names it and what is."""


@dataclass(frozen=True)
class Verdict:
    policy: str
    because: str  # which target's policy decided, for the call's history


def check_policy(policy: str) -> str:
    if policy not in POLICIES:
        raise PolicyError(f"recording policy {policy!r} is not known; use {', '.join(POLICIES)}")
    return policy


def check_target(db: sqlite_utils.Database, target: str) -> str:
    """The target in its normal form, if it names something that exists."""
    match = _TARGET.fullmatch(target.strip())
    if match is None:
        raise PolicyError(f"recording target {target!r} is not accepted; use ext:NUMBER, group:NAME, "
                          "trunk:NAME or trunk:NAME/DIALLED-NUMBER")
    kind, name, did = match.groups()
    if did and kind != "trunk":
        raise PolicyError(f"recording target {target!r}: only a trunk has dialled numbers (trunk:NAME/DID)")
    table, column, listing = {"ext": ("extensions", "number", "ext list"),
                              "group": ("ring_groups", "name", "ringgroup list"),
                              "trunk": ("trunks", "name", "trunk list")}[kind]
    if not db.execute(f"SELECT 1 FROM {table} WHERE {column} = ?", [name]).fetchone():
        what = {"ext": "extension", "group": "ring group", "trunk": "trunk"}[kind]
        raise PolicyError(f"{what} {name} does not exist; see `{listing}`")
    return f"{kind}:{name}" + (f"/{did}" if did else "")


def set_policy(db: sqlite_utils.Database, target: str, policy: str) -> str:
    """Give the target a policy ('' removes its own, so the default applies); returns the target."""
    target = check_target(db, target)
    with write_transaction(db):
        if policy:
            db.execute("INSERT OR REPLACE INTO recording_policies (target, policy) VALUES (?, ?)",
                       [target, check_policy(policy)])
        else:
            db.execute("DELETE FROM recording_policies WHERE target = ?", [target])
    return target


def policies(db: sqlite_utils.Database) -> dict[str, str]:
    return {str(t): str(p) for t, p in db.execute("SELECT target, policy FROM recording_policies ORDER BY target")}


def forget_targets(db: sqlite_utils.Database, *targets: str) -> None:
    """Called inside the transaction that removes the targets (an extension, a group, a trunk)."""
    for target in targets:
        db.conn.execute("DELETE FROM recording_policies WHERE target = ? OR target LIKE ?",
                        [target, f"{target}/%"])


def verdict(db: sqlite_utils.Database, *, extensions: list[str], groups: list[str], trunk: str = "",
            did: str = "") -> Verdict:
    """The policy of a conversation between these extensions, on a call that went through these
    groups and this trunk (and DID)."""
    own = policies(db)
    default = str(get_setting(db, "call_recording"))
    said: list[tuple[str, str]] = []
    for number in extensions:
        target = f"ext:{number}"
        said.append((target, own.get(target, default)))
    said += [(f"group:{g}", own[f"group:{g}"]) for g in groups if f"group:{g}" in own]
    if trunk:
        said += [(t, own[t]) for t in (f"trunk:{trunk}", f"trunk:{trunk}/{did}" if did else "") if t in own]
    for policy in (NEVER, ALWAYS):
        for target, said_policy in said:
            if said_policy == policy:
                return Verdict(policy, f"{target} records always" if policy == ALWAYS else
                               f"{target} is never recorded")
    return Verdict(ON_DEMAND, "on demand (*1)")
