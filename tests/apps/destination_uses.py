"""The routes, VIP callers and voice menus that can send calls to a destination, set up at once:
what must block removing the ring group or queue they name (firmware/apps/references.py)."""
from __future__ import annotations

import sqlite_utils

from firmware.apps.ivr.config import set_menu, set_option
from firmware.trunks.config import add_sip_trunk
from firmware.trunks.inbound import set_caller_list, set_route

# How the refusal names them, in the order it lists them.
NAMED = "inbound route prov/any/night, VIP caller 0301234567, voice menu main key 1, voice menu main default"


def send_calls_to(db: sqlite_utils.Database, destination: str) -> None:
    add_sip_trunk(db, "prov", "192.0.2.1", username="acme", password="Trunk-pass-1234")
    set_route(db, "prov", "", "night", destination)
    set_caller_list(db, "vip", "0301234567", destination)
    set_menu(db, "main", default_dest=destination)
    set_option(db, "main", "1", destination)


def send_calls_elsewhere(db: sqlite_utils.Database) -> None:
    set_route(db, "prov", "", "night", "ext:101")
    set_caller_list(db, "vip", "0301234567", "ext:101")
    set_menu(db, "main", default_dest="hangup")
    set_option(db, "main", "1", "ext:102")
