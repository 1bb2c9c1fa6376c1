"""Where a destination is used: what stops a ring group, a voice menu or a queue from being removed.

Every table that holds a destination text is declared by the feature that owns it
(`DESTINATION_USES` in its module: a query returning one description per row that
sends calls to the destination, with one `?` for it), so removing something that
calls still reach is refused with the places named, instead of leaving routes that
lead nowhere. A new table of destinations is one declaration beside its code.
"""
from __future__ import annotations

from functools import cache

import sqlite_utils

from firmware.store.settings import get_setting


@cache
def uses() -> tuple[str, ...]:
    """Every declared query, in the order the refusals name them. Imported here, not at module
    load, as the destination kinds are (apps/destinations.py)."""
    from firmware.apps.forwarding.config import DESTINATION_USES as FORWARDING
    from firmware.apps.icm.config import DESTINATION_USES as ICM
    from firmware.apps.ivr.config import DESTINATION_USES as MENUS
    from firmware.apps.ringgroups.config import DESTINATION_USES as GROUPS
    from firmware.directory.config import DESTINATION_USES as DIRECTORY
    from firmware.door.config import DESTINATION_USES as DOORS
    from firmware.queues.config import DESTINATION_USES as QUEUES
    from firmware.trunks.inbound import DESTINATION_USES as ROUTES

    return (*ROUTES, *MENUS, *GROUPS, *ICM, *QUEUES, *FORWARDING, *DOORS, *DIRECTORY)


def where_used(db: sqlite_utils.Database, destination: str) -> list[str]:
    """Descriptions of every place that sends calls to `destination` (its normal form), in table order."""
    return [str(row[0]) for query in uses() for row in db.execute(query, [destination]).fetchall()]


def extension_uses(db: sqlite_utils.Database, number: str) -> list[str]:
    """What would lead nowhere if the extension went (others' forwarding to it is cleared by the removal)."""
    found = [u for d in (f"ext:{number}", f"voicemail:{number}") for u in where_used(db, d)
             if not u.startswith("forwarding of ")]
    if str(get_setting(db, "operator_extension")) == number:
        found.insert(0, "the operator_extension setting")
    return found


def refuse_if_used(destination: str, found: list[str], what: str, error: type[ValueError]) -> None:
    """Raise `error` naming the places (at most five) that still send calls to `destination`."""
    if not found:
        return
    shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
    raise error(f"{what} cannot be removed: {destination} is still used by {shown}; change those first")
