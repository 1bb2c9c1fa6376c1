"""`minipbx door ...`: door stations (firmware/admin/doors.py): where a visitor's ring goes per
mode, the open code and times, opening a door, and the log of openings."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import doors
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import ControlError
from firmware.cli.table import print_table
from firmware.door.config import ALL_MODES, DoorError
from firmware.store.database import open_store

# Named here so a refusal is printed without importing every other command's errors (main.py).
CLI_ERRORS = (DoorError, NotFound, ControlError)


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def _routes(door: doors.DoorView) -> str:
    if not door.routes:
        return "the operator extension"
    return ", ".join(f"{'other modes' if mode == ALL_MODES else mode}: {dest}" for mode, dest in door.routes.items())


def _describe(door: doors.DoorView) -> str:
    return (f"door {door.name} (extension {door.extension}): rings {_routes(door)} for {door.ring_seconds} s; "
            f"{door.open_code} opens it for {door.open_seconds} s")


def cmd_list(args: argparse.Namespace) -> int:
    listed = doors.list_all(_admin(args))
    if args.json:
        print(json.dumps([d.model_dump() for d in listed], indent=2))
    elif not listed:
        print("no door stations: the board file has no [door.NAME] port (or the PBX has not started with it yet)")
    else:
        print_table([[d.name, d.extension, _routes(d), d.open_code, f"{d.open_seconds}s", f"{d.ring_seconds}s"]
                     for d in listed], ["DOOR", "EXTENSION", "RINGS", "OPEN CODE", "OPENS", "RINGS FOR"])
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    door = doors.set_door(_admin(args), args.name, doors.DoorChange(
        destination=args.dest, mode=args.mode, open_code=args.code, open_seconds=args.open_seconds,
        ring_seconds=args.ring_seconds))
    print(_describe(door))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    door = doors.get(_admin(args), args.name)
    print(json.dumps(door.model_dump(), indent=2) if args.json else _describe(door))
    return 0


def cmd_open(args: argparse.Namespace) -> int:
    opened = doors.open_door(_admin(args), args.name)
    print(f"door {opened.door} open for {opened.seconds} s")
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    entries = doors.log(_admin(args), args.name, args.limit)
    if args.json:
        print(json.dumps([e.model_dump() for e in entries], indent=2))
    elif not entries:
        print("no door openings yet")
    else:
        print_table([[e.at.replace("T", " ")[:19], e.door, e.by, e.how, f"{e.seconds}s" if e.seconds else "-",
                      e.result or "opened"] for e in entries], ["WHEN (UTC)", "DOOR", "BY", "HOW", "OPEN", "RESULT"])
    return 0


def add_parsers(sub: Any) -> None:
    door = sub.add_parser("door", help="door stations: where visitors ring, the lock, the log").add_subparsers(
        dest="door_command", required=True)
    dlist = door.add_parser("list", help="every door station")
    dlist.add_argument("--json", action="store_true")
    dlist.set_defaults(func=cmd_list)
    dshow = door.add_parser("show", help="one door's settings")
    dshow.add_argument("name")
    dshow.add_argument("--json", action="store_true")
    dshow.set_defaults(func=cmd_show)
    dset = door.add_parser("set", help="where a visitor's ring goes (per mode), the open code and times")
    dset.add_argument("name", help="the door port, e.g. door1")
    dset.add_argument("--dest", help="where a visitor's ring goes, e.g. group:reception, voicemail:100 ('' = "
                                     "remove that mode's route)")
    dset.add_argument("--mode", default=ALL_MODES,
                      help="the mode --dest is for: day, lunch, break, night, holiday (default *: every mode "
                           "without a route of its own)")
    dset.add_argument("--code", help="the open code pressed in a call with the door, e.g. *5")
    dset.add_argument("--open-seconds", type=int, help="how long the lock opens (1-30, default 5)")
    dset.add_argument("--ring-seconds", type=int, help="a visitor's call ends unanswered after (5-120, default 30)")
    dset.set_defaults(func=cmd_set)
    dopen = door.add_parser("open", help="open a door's lock now (for its open time)")
    dopen.add_argument("name")
    dopen.set_defaults(func=cmd_open)
    dlog = door.add_parser("log", help="who opened which door when, and how")
    dlog.add_argument("name", nargs="?", help="one door (default: every door)")
    dlog.add_argument("--limit", type=int, default=50)
    dlog.add_argument("--json", action="store_true")
    dlog.set_defaults(func=cmd_log)
