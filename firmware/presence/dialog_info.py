"""RFC 4235 dialog-info documents: one per watched extension or park slot."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

CONTENT_TYPE = "application/dialog-info+xml"
NAMESPACE = "urn:ietf:params:xml:ns:dialog-info"
# The Call-ID a ringing dialog is published with: `pickup-<extension>-<leg>`. A desk phone
# whose lamp key picks up with an INVITE carrying `Replaces: <call-id>;to-tag=..;from-tag=..`
# (Snom, Yealink and Polycom do, with these attributes) sends it back, and the edge turns that
# INVITE into the directed pickup code `**<extension>` (kamailio.cfg.tmpl, route PICKUP).
# The real legs' Call-IDs would lead nowhere: the phone's INVITE reaches a worker that may not
# hold the ringing leg, and only the brain joins calls.
PICKUP_PREFIX = "pickup-"
PICKUP_REMOTE_TAG = "minipbx"

DialogState = Literal["early", "confirmed"]
Direction = Literal["initiator", "recipient"]


@dataclass(frozen=True)
class Dialog:
    """One call the watched extension (or slot) is in.

    `held`: the watched party put it on hold; phones show that lamp differently (RFC 4235's
    local target with +sip.rendering=no, as Asterisk sends it)."""
    id: str
    state: DialogState
    direction: Direction
    remote: str = ""  # the other party's number ('' when nobody yet)
    remote_name: str = ""
    held: bool = False


def _identity(tag: str, number: str, name: str, realm: str, held: bool = False) -> str:
    uri = f"sip:{number}@{realm}"
    display = f" display={quoteattr(name)}" if name else ""
    rendering = '<param pname="+sip.rendering" pvalue="no"/>' if held else ""
    return (f"<{tag}><identity{display}>{escape(uri)}</identity>"
            f"<target uri={quoteattr(uri)}>{rendering}</target></{tag}>")


def render(entity: str, realm: str, dialogs: tuple[Dialog, ...], version: int = 0) -> str:
    """The full state of `entity` (an extension or slot number). Idle is a document with no
    dialog (RFC 4235: full state, no dialogs), not a terminated dialog as Asterisk sends:
    Kamailio's presence module will neither change nor withdraw a publication whose
    dialog is terminated, and a lamp goes from idle to ringing many times a day. (A
    watcher's first NOTIFY before anything was published is the module's own terminated
    dummy dialog.)"""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<dialog-info xmlns="{NAMESPACE}" version="{version}" state="full" '
             f'entity={quoteattr(f"sip:{entity}@{realm}")}>']
    for dialog in dialogs:
        handle = ""
        if dialog.state == "early":
            handle = (f" call-id={quoteattr(f'{PICKUP_PREFIX}{entity}-{dialog.id}')}"
                      f" local-tag={quoteattr(dialog.id)} remote-tag={quoteattr(PICKUP_REMOTE_TAG)}")
        parts.append(f'<dialog id={quoteattr(dialog.id)}{handle} direction="{dialog.direction}">'
                     f"<state>{dialog.state}</state>")
        parts.append(_identity("local", entity, "", realm, dialog.held))
        if dialog.remote:
            parts.append(_identity("remote", dialog.remote, dialog.remote_name, realm))
        parts.append("</dialog>")
    parts.append("</dialog-info>")
    return "\n".join(parts) + "\n"
