"""Message-waiting indication (RFC 3842): a phone's lamp, or an analog phone's
stutter dial tone, when its extension's mailbox holds new voicemail.

The brain calls `notify_mwi` whenever a mailbox's counts change, and
`notify_all_mwi` after the edge has (re)started. The edge does the SIP:

1. `htable.sets mwi <mailbox> <body>`: the edge keeps each mailbox's current
   message-summary, so a device that registers (or refreshes its registration) or
   SUBSCRIBEs is told at once, without the brain (kamailio.cfg.tmpl, route MWI_*).
2. `tm.t_uac_start NOTIFY sip:<mailbox>@<realm>` with the edge's own loopback
   socket as next hop. The NOTIFY comes back to the edge from that socket, which
   nothing else can send from, so the edge trusts it without any header, looks the
   extension up in `location` and forks it to every registered contact: an
   unsolicited NOTIFY, as Asterisk sends to most desk phones. A message-summary
   NOTIFY from anyone else is refused.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.edge.message_summary import CONTENT_TYPE, MessageSummary, message_summary, parse_message_summary
from firmware.edge.rpc import EdgeRpcError, rpc

if TYPE_CHECKING:
    import sqlite_utils

# Goes into SIP headers and a SIP URI: an extension number or a SIP user name, nothing more.
_MAILBOX = re.compile(r"[0-9A-Za-z._+-]{1,32}")
_EDGE_ADDR = re.compile(r"[0-9A-Za-z.-]+:[0-9]{1,5}")


class MwiError(ValueError):
    """A message-waiting request the edge cannot carry; the message names the value."""


@dataclass(frozen=True)
class MailboxState:
    mailbox: str
    new: int
    saved: int

    @property
    def waiting(self) -> bool:
        return self.new > 0


def _check(edge_addr: str, realm: str, mailbox: str, new: int, saved: int) -> None:
    if not _MAILBOX.fullmatch(mailbox):
        raise MwiError(f"mailbox {mailbox!r} is not an extension number (digits, or letters . _ + -)")
    if not _MAILBOX.fullmatch(realm):
        raise MwiError(f"realm {realm!r} cannot name a SIP account (letters, digits . _ + -)")
    if not _EDGE_ADDR.fullmatch(edge_addr):
        raise MwiError(f"edge address {edge_addr!r} is not host:port (e.g. 127.0.0.1:5060)")
    for label, count in (("new", new), ("saved", saved)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise MwiError(f"{label} message count {count!r} is not a whole number >= 0")


async def notify_mwi(run_dir: Path, edge_addr: str, realm: str, mailbox: str, new: int, saved: int) -> None:
    """Make every registered device of extension `mailbox` show `new` new and `saved` old
    voice messages (lamp on while `new` > 0); devices that register later are told too.

    `edge_addr` is the edge's loopback SIP socket, host:port (the address workers and the
    line gateway use: the SIP address if it is a loopback one, else 127.0.0.1). Returns once
    the edge has taken the request; whether a phone answered is not waited for (a device
    that misses it is told again when it next registers). Raises MwiError for a bad value,
    EdgeRpcError if the edge is not running or refuses."""
    _check(edge_addr, realm, mailbox, new, saved)
    body = message_summary(mailbox, realm, new, saved)
    await rpc(run_dir, "htable.sets", "mwi", f"s:{mailbox}", body)
    headers = (f"From: <sip:voicemail@{realm}>;tag={secrets.token_hex(6)}\r\n"
               f"To: <sip:{mailbox}@{realm}>\r\n"
               "Event: message-summary\r\n"
               f"Content-Type: {CONTENT_TYPE}\r\n")
    await rpc(run_dir, "tm.t_uac_start", "NOTIFY", f"sip:{mailbox}@{realm}", f"sip:{edge_addr}",
              f"udp:{edge_addr}", headers, body)


def mwi_targets(db: sqlite_utils.Database) -> list[MailboxState]:
    """Every mailbox (with messages or not) and its counts, to tell the edge after it
    (re)started: its memory of the mailboxes starts empty."""
    tables = set(db.table_names())
    if "vm_messages" not in tables:
        return []
    boxes = "SELECT number FROM mailboxes UNION " if "mailboxes" in tables else ""
    rows = db.execute(
        f"SELECT b.number, "
        "(SELECT COUNT(*) FROM vm_messages v WHERE v.mailbox = b.number AND v.folder = 'new'), "
        "(SELECT COUNT(*) FROM vm_messages v WHERE v.mailbox = b.number AND v.folder = 'saved') "
        f"FROM ({boxes}SELECT DISTINCT mailbox AS number FROM vm_messages) b "
        "ORDER BY CAST(b.number AS INTEGER), b.number"
    ).fetchall()
    return [MailboxState(str(number), int(new), int(saved)) for number, new, saved in rows]


async def notify_all_mwi(run_dir: Path, edge_addr: str, realm: str, db: sqlite_utils.Database) -> int:
    """`notify_mwi` for every mailbox of `mwi_targets`; how many the edge took. A mailbox
    whose name the edge cannot carry is skipped; an edge that is down raises EdgeRpcError."""
    told = 0
    for state in mwi_targets(db):
        try:
            await notify_mwi(run_dir, edge_addr, realm, state.mailbox, state.new, state.saved)
        except MwiError:
            continue
        told += 1
    return told


__all__ = ["CONTENT_TYPE", "EdgeRpcError", "MailboxState", "MessageSummary", "MwiError", "message_summary",
           "mwi_targets", "notify_all_mwi", "notify_mwi", "parse_message_summary"]
