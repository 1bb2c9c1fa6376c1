"""`minipbx dect ...`: DECT handsets (firmware/admin/dect.py): pair a new one, list them, remove one."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import dect
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import ControlError
from firmware.cli.table import print_table
from firmware.dect.pairing import DEFAULT_WINDOW_SECONDS, DectPairingError
from firmware.store.database import open_store

# Named here so a refusal is printed without importing every other command's errors (main.py).
CLI_ERRORS = (DectPairingError, ControlError, NotFound)


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def cmd_pair(args: argparse.Namespace) -> int:
    admin = _admin(args)
    known = {h.port for h in dect.handsets(admin)}
    opened = dect.pair(admin, dect.PairRequest(seconds=args.seconds, extension=args.ext))
    print(f"DECT subscription window open for {opened.seconds} s: put the new handset into registration "
          f"(base PIN) now; it becomes extension {opened.extension}")
    if args.no_wait:
        return 0
    paired = dect.wait_for_new(admin, known, opened.seconds + 5)
    if paired is None:
        print(f"no handset subscribed within {opened.seconds} s; the window is closed")
        return 1
    print(f"extension {paired.extension}: DECT handset {paired.port} (IPUI {paired.ipui}), cell {paired.cell}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    listed = dect.handsets(_admin(args))
    if args.json:
        print(json.dumps([h.model_dump() for h in listed], indent=2))
    elif not listed:
        print("no DECT handsets are subscribed; pair one with `minipbx dect pair`")
    else:
        print_table([[h.extension, h.port, h.ipui, f"{h.base}/{h.cell}", "yes" if h.registered else "no",
                      h.last_seen.replace("T", " ")[:19] + ("" if h.in_range else " (out of range)")]
                     for h in listed], ["EXTENSION", "PORT", "IPUI", "BASE/CELL", "REGISTERED", "LAST SEEN (UTC)"])
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    removed = dect.remove(_admin(args), args.handset, dect.RemoveRequest(remove_extension=args.remove_extension))
    kept = ("removed" if removed.extension_removed
            else "kept without a phone (`minipbx ext remove` to remove it, `ext passwd` for a SIP phone)")
    print(f"DECT handset {removed.port} deregistered; it can no longer call. Extension {removed.extension} {kept}")
    return 0


def add_parsers(sub: Any) -> None:
    cmd = sub.add_parser("dect", help="DECT handsets: pair a new one, list them, remove one").add_subparsers(
        dest="dect_command", required=True)
    pair = cmd.add_parser("pair", help="open the subscription window; the new handset gets the next free extension")
    pair.add_argument("--seconds", type=int, default=DEFAULT_WINDOW_SECONDS,
                      help=f"how long new handsets may subscribe (1-255, default {DEFAULT_WINDOW_SECONDS})")
    pair.add_argument("--ext", help="the extension the new handset gets (default: the lowest free number)")
    pair.add_argument("--no-wait", action="store_true", help="do not wait for the handset to subscribe")
    pair.set_defaults(func=cmd_pair)
    dlist = cmd.add_parser("list", help="every subscribed handset: extension, identity, cell, registered, last seen")
    dlist.add_argument("--json", action="store_true")
    dlist.set_defaults(func=cmd_list)
    remove = cmd.add_parser("remove", help="deregister a handset from the DECT module (its extension stays)")
    remove.add_argument("handset", metavar="HANDSET|EXT", help="the handset's port (dect3) or its extension")
    remove.add_argument("--remove-extension", action="store_true",
                        help="also remove its extension (refused while routes, menus or queues use it)")
    remove.set_defaults(func=cmd_remove)
