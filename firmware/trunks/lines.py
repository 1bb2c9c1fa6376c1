"""Exchange lines (FXO ports) as trunks: how a line's calls look on SIP.

The line gateway registers one internal SIP account per line, `line-<port>`. A call the
network brings in arrives from that account with the caller ID in the From display
("<number> <name>": the From user must stay the account, which the edge checks against
the digest user); a call out on the line goes to that account, the number to dial in
`X-Minipbx-Dial`. Routing sees only a trunk named after the port.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

LINE_PREFIX = "line-"
DIAL_HEADER = "X-Minipbx-Dial"


@dataclass(frozen=True)
class LineCall:
    trunk: str  # the line's trunk name (its port)
    number: str  # the network's caller ID, 'anonymous' when withheld
    name: str


def line_account(trunk: str) -> str:
    return LINE_PREFIX + trunk


def line_call(db: sqlite_utils.Database, auth_user: str, display: str) -> LineCall | None:
    """The line call an incoming call from `auth_user` is, or None for any other caller."""
    trunk = line_trunk(db, auth_user)
    if trunk is None:
        return None
    number, name = parse_line_caller(display)
    return LineCall(trunk, number, name)


def line_trunk(db: sqlite_utils.Database, auth_user: str) -> str | None:
    """The FXO trunk whose internal account `auth_user` is, or None for any other account."""
    if not auth_user.startswith(LINE_PREFIX):
        return None
    row = db.execute("SELECT device FROM gateway_accounts WHERE username = ?", [auth_user]).fetchone()
    return str(row[0]) if row else None


def line_caller_display(number: str, name: str) -> str:
    """The From display name of a call the gateway places for an FXO line: the caller's
    number, then a space and the caller's name. The From user must stay the line's own
    account (the edge checks it against the digest user), so the caller ID rides here."""
    return f"{number} {name}".strip() if number else ""


def parse_line_caller(display: str) -> tuple[str, str]:
    """(number, name) from a line call's From display; ('anonymous', '') when the network sent none."""
    number, _, name = display.strip().partition(" ")
    if not number or number in ("P", "O"):
        # P = withheld, O = unavailable (how network caller ID says it).
        return "anonymous", name.strip()
    return number, name.strip()
