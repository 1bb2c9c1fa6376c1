"""Call pickup: answering a call that rings somewhere else.

`*8` takes a call ringing at an extension of the picker's pickup group (or in a ring
group whose `pickup_group` is the picker's); `**` + extension takes the call ringing
at that extension (directed pickup). Extensions are in pickup group `1` unless set
otherwise; an extension whose group is `none` can neither pick up nor be picked up.
Only ringing calls are taken; the oldest one first.
"""
from __future__ import annotations

import re

import sqlite_utils

from firmware.dialplan.feature_codes import Argument, FeatureCode

GROUP_PICKUP = "*8"
DIRECTED_PICKUP = re.compile(r"\*\*(?P<number>[0-9]{1,8})")
FEATURE_CODES = (
    FeatureCode(GROUP_PICKUP, Argument.NONE, "pickup", "answer a call ringing in my pickup group"),
    FeatureCode("**", Argument.EXTENSION, "pickup", "answer the call ringing at an extension"),
)
NO_GROUP = "none"
DEFAULT_GROUP = "1"
_GROUP = re.compile(r"[A-Za-z0-9_-]{1,32}")


class PickupError(ValueError):
    pass


def check_group(group: str) -> str:
    if group != NO_GROUP and not _GROUP.fullmatch(group):
        raise PickupError(f"pickup group {group!r} is not accepted; use up to 32 letters, digits, '-' or '_', "
                          f"or {NO_GROUP}")
    return group


def pickup_group(db: sqlite_utils.Database, extension: str) -> str:
    row = db.execute("SELECT pickup_group FROM extensions WHERE number = ?", [extension]).fetchone()
    return str(row[0]) if row and row[0] else NO_GROUP


def set_pickup_group(db: sqlite_utils.Database, extension: str, group: str) -> None:
    from firmware.store.database import write_transaction

    check_group(group)
    with write_transaction(db):
        cursor = db.execute("UPDATE extensions SET pickup_group = ? WHERE number = ?", [group, extension])
        if cursor.rowcount == 0:
            raise PickupError(f"extension {extension} does not exist; see `minipbx ext list`")


def pickup_code(dialled: str) -> tuple[str, str] | None:
    """('group', '') for *8, ('directed', EXT) for **EXT, None for other numbers."""
    if dialled == GROUP_PICKUP:
        return ("group", "")
    match = DIRECTED_PICKUP.fullmatch(dialled)
    if match is not None:
        return ("directed", match.group("number"))
    return None
