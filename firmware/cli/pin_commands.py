"""`minipbx pin ...`: PIN failures and locks (firmware/admin/pins.py)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import pins
from firmware.admin.context import Admin
from firmware.cli.table import print_table
from firmware.store.database import open_store


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def cmd_failures(args: argparse.Namespace) -> int:
    listed = pins.failures(_admin(args))
    if args.json:
        print(json.dumps([f.model_dump() for f in listed], indent=2))
    elif not listed:
        print("no wrong PINs are counted")
    else:
        print_table([[f.target, f.level, str(f.failures), f"{f.locked_seconds:.0f} s" if f.locked_seconds else "",
                      f.last_failure_at.replace("T", " ")[:19]] for f in listed],
                    ["TARGET", "LEVEL", "FAILURES", "LOCKED FOR", "LAST FAILURE (UTC)"])
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    removed = pins.unlock(_admin(args), args.target, args.level)
    print(f"{args.target}: {removed} failure count{'s' if removed != 1 else ''} cleared; it may be tried again")
    return 0


def add_parsers(sub: Any) -> None:
    cmd = sub.add_parser("pin", help="wrong PINs counted and locks: list them, lift one").add_subparsers(
        dest="pin_command", required=True)
    listed = cmd.add_parser("failures", help="every counter: target, level, failures, lock left, last failure")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=cmd_failures)
    unlock = cmd.add_parser("unlock", help="forget a target's wrong PINs (all levels, or --level one)")
    unlock.add_argument("target", help="voicemail:101, disa:MENU, conf:800, web-login, admin-pin (keypad programming)")
    unlock.add_argument("--level", help="only this level, e.g. trunk:prov, number:0301234567, * (all sources)")
    unlock.set_defaults(func=cmd_unlock)
