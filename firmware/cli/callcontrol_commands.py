"""`minipbx pickup ...`, `minipbx moh ...`: call pickup groups and music on hold."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from firmware.admin import music as music_admin
from firmware.admin.context import Admin
from firmware.calls.music import DEFAULT_CLASS, MusicError
from firmware.calls.pickup import PickupError, pickup_group, set_pickup_group
from firmware.cli.table import print_table as _table
from firmware.store.database import open_store

CALLCONTROL_ERRORS = (PickupError, MusicError)



def cmd_pickup_set(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    set_pickup_group(db, args.number, args.group)
    if args.group == "none":
        print(f"extension {args.number}: excluded from call pickup")
    else:
        print(f"extension {args.number}: pickup group {args.group} (*8 answers calls ringing in it)")
    return 0


def cmd_pickup_list(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    numbers = [str(n) for (n,) in db.execute("SELECT number FROM extensions ORDER BY number").fetchall()]
    _table([[n, pickup_group(db, n)] for n in numbers], ["EXTENSION", "PICKUP GROUP"])
    return 0


def cmd_moh_upload(args: argparse.Namespace) -> int:
    made = music_admin.upload(Admin(open_store(args.data, create=False), args.data), args.name, Path(args.file))
    print(f"music class {made.name}: {made.seconds:.1f} s from {args.file}")
    return 0


def cmd_moh_list(args: argparse.Namespace) -> int:
    classes = music_admin.list_all(Admin(open_store(args.data, create=False), args.data))
    _table([[c.name, "built in" if c.built_in else f"{c.seconds:.1f}s", c.created_at or "-",
             ", ".join(c.used_by) or "-"] for c in classes], ["CLASS", "LENGTH", "UPLOADED", "USED BY"])
    return 0


def cmd_moh_remove(args: argparse.Namespace) -> int:
    fallback = music_admin.remove(Admin(open_store(args.data, create=False), args.data), args.name)
    print(f"music class {args.name} removed; held callers hear {fallback}")
    return 0


def add_parsers(sub: Any) -> None:
    pickup = sub.add_parser("pickup", help="call pickup groups (*8 answers a ringing colleague's call)")
    psub = pickup.add_subparsers(dest="pickup_command", required=True)
    pset = psub.add_parser("set", help="put an extension in a pickup group ('none' = excluded from pickup)")
    pset.add_argument("number")
    pset.add_argument("group")
    pset.set_defaults(func=cmd_pickup_set)
    psub.add_parser("list", help="every extension's pickup group").set_defaults(func=cmd_pickup_list)
    moh = sub.add_parser("moh", help="music on hold classes")
    msub = moh.add_subparsers(dest="moh_command", required=True)
    up = msub.add_parser("upload", help="music for a class (WAV, MP3, OGG, FLAC; converted to 8 kHz)")
    up.add_argument("name", help=f"class name ({DEFAULT_CLASS} = what every held caller hears)")
    up.add_argument("file")
    up.set_defaults(func=cmd_moh_upload)
    msub.add_parser("list", help="the music classes").set_defaults(func=cmd_moh_list)
    rm = msub.add_parser("remove", help="remove an uploaded class")
    rm.add_argument("name")
    rm.set_defaults(func=cmd_moh_remove)
