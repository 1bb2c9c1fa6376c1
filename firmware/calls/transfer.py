"""Reading a transfer request: where to, and (attended transfer) which call replaces whom.

A phone's transfer key sends REFER with `Refer-To: <sip:NUMBER@pbx>` (blind) or
`Refer-To: <sip:NUMBER@pbx?Replaces=CALLID%3Bto-tag%3DT%3Bfrom-tag%3DF>` (attended:
the consultation call, named by its SIP Call-ID, takes the place of the transferrer).
Only numbers of this PBX are accepted: a Refer-To naming another domain is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

_URI = re.compile(r"<?\s*sips?:(?P<user>[^@;?>\s]+)@(?P<host>[^;?>\s]+)(?P<rest>[^>]*)>?", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9*#+]{1,32}")


class TransferError(ValueError):
    """A transfer request that cannot be carried out; the text says why."""


@dataclass(frozen=True)
class TransferTarget:
    number: str  # as dialled from a desk phone
    replaces: str = ""  # SIP Call-ID of the call that replaces the transferrer (attended)


def parse_refer_to(value: str, our_hosts: set[str]) -> TransferTarget:
    match = _URI.search(value)
    if match is None:
        raise TransferError(f"Refer-To {value[:80]!r} is not a SIP URI")
    host = match.group("host").lower()
    if host.split(":")[0] not in our_hosts and host not in our_hosts:
        raise TransferError(f"Refer-To {value[:80]!r} names another domain ({host}); only numbers of this PBX")
    number = unquote(match.group("user"))
    if not _NUMBER.fullmatch(number):
        raise TransferError(f"Refer-To {value[:80]!r}: {number!r} is not a number")
    replaces = ""
    rest = match.group("rest")
    _, _, query = rest.partition("?")
    for part in query.split("&"):
        name, _, raw = part.partition("=")
        if name.lower() == "replaces":
            replaces = unquote(raw).split(";", 1)[0].strip()
    return TransferTarget(number, replaces)
