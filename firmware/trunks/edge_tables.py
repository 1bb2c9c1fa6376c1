"""Writing trunks into the tables the edge (Kamailio) reads.

- uacreg: one row per registering SIP trunk (uac module registers it);
- address: the provider's address, tagged with the trunk name (permissions
  module), so an incoming call is recognised by where it comes from;
- trunk_htable: how to send a call out on each trunk (htable `trunks`).
The running edge reloads them on request (see firmware/edge/control.py).
"""
from __future__ import annotations

import socket

import sqlite_utils

REGISTRATION_EXPIRES = 300


def _resolve(host: str) -> str:
    try:
        return socket.gethostbyname(host)
    except OSError:
        return host


def sync_edge_tables(db: sqlite_utils.Database) -> None:
    """Rewrite the edge's trunk tables from `trunks` (inside the caller's transaction)."""
    db.execute("DELETE FROM uacreg")
    db.execute("DELETE FROM address")
    db.execute("DELETE FROM trunk_htable")
    rows = db.execute("SELECT name, kind, host, port, transport, domain, username, password, auth_username, "
                      "register FROM trunks WHERE kind = 'sip'").fetchall()
    for name, _kind, host, port, transport, domain, username, password, auth_username, register in rows:
        proxy = f"sip:{host}:{port};transport={transport}"
        if register:
            db.execute(
                "INSERT INTO uacreg (l_uuid, l_username, l_domain, r_username, r_domain, realm, auth_username, "
                "auth_password, auth_proxy, expires, flags, reg_delay, contact_addr, socket) "
                "VALUES (?, ?, ?, ?, ?, '', ?, ?, ?, ?, 0, 0, '', '')",
                [name, name, domain, username, domain, auth_username or username, password, proxy,
                 REGISTRATION_EXPIRES],
            )
        db.execute("INSERT INTO address (grp, ip_addr, mask, port, tag) VALUES (1, ?, 32, 0, ?)",
                   [_resolve(host), name])
        for key, value in (("proxy", proxy), ("domain", domain), ("user", auth_username or username),
                           ("pass", password)):
            db.execute("INSERT INTO trunk_htable (key_name, key_type, value_type, key_value, expires) "
                       "VALUES (?, 0, 0, ?, 0)", [f"{name}::{key}", value])
