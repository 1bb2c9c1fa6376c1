"""Where a destination is used: what stops a ring group or a voice menu from being removed.

Every table that holds a destination text is listed here, so removing something
that calls still reach is refused with the places named, instead of leaving
routes that lead nowhere.
"""
from __future__ import annotations

import sqlite_utils

from firmware.store.settings import get_setting

# (query returning one description per row that holds the destination, with one `?` for it)
_USES = (
    "SELECT 'inbound route ' || trunk || '/' || CASE did WHEN '' THEN 'any' ELSE did END || '/' || mode "
    "FROM inbound_routes WHERE destination = ?",
    "SELECT 'VIP caller ' || number FROM caller_lists WHERE list = 'vip' AND destination = ?",
    "SELECT 'voice menu ' || menu || ' key ' || key FROM ivr_options WHERE destination = ?",
    "SELECT 'voice menu ' || name || ' default' FROM ivr_menus WHERE default_dest = ?",
    "SELECT 'ring group ' || name || ' no-answer' FROM ring_groups WHERE no_answer = ?",
    "SELECT 'returning-caller destination ' || name || ' fallback' FROM icm_destinations WHERE fallback = ?",
    "SELECT 'queue ' || name || ' overflow' FROM queues WHERE overflow = ?",
    "SELECT 'queue ' || name || ' leave key' FROM queues WHERE leave_destination = ?",
    "SELECT 'queue ' || queue || ' agents' FROM queue_members WHERE extension = ?",
    *(f"SELECT 'forwarding of ' || number || ' ({label})' FROM forwarding WHERE {column} = ?"
      for column, label in (("always", "always"), ("busy", "busy"), ("no_answer", "no answer"),
                            ("unregistered", "unregistered"))),
)


def where_used(db: sqlite_utils.Database, destination: str) -> list[str]:
    """Descriptions of every place that sends calls to `destination` (its normal form), in table order."""
    return [str(row[0]) for query in _USES for row in db.execute(query, [destination]).fetchall()]


def extension_uses(db: sqlite_utils.Database, number: str) -> list[str]:
    """What would lead nowhere if the extension went (others' forwarding to it is cleared by the removal)."""
    uses = [u for d in (f"ext:{number}", f"voicemail:{number}") for u in where_used(db, d)
            if not u.startswith("forwarding of ")]
    if str(get_setting(db, "operator_extension")) == number:
        uses.insert(0, "the operator_extension setting")
    return uses


def refuse_if_used(destination: str, uses: list[str], what: str, error: type[ValueError]) -> None:
    """Raise `error` naming the places (at most five) that still send calls to `destination`."""
    if not uses:
        return
    shown = ", ".join(uses[:5]) + (f" and {len(uses) - 5} more" if len(uses) > 5 else "")
    raise error(f"{what} cannot be removed: {destination} is still used by {shown}; change those first")
