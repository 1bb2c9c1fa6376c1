"""`minipbx conf set|list|show|remove|who`: conference rooms (firmware/admin/conference.py)."""
from __future__ import annotations

import argparse
from typing import Any

from firmware.admin import conference
from firmware.admin.context import Admin
from firmware.cli.table import print_table
from firmware.store.database import open_store


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data, create=False), args.data)


def _yes_no(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def cmd_set(args: argparse.Namespace) -> int:
    room = conference.set_room(_admin(args), args.number, conference.RoomChange(
        name=args.name, pin=args.pin, moderator_pin=args.moderator_pin, max_parties=args.max_parties,
        music_alone=_yes_no(args.music_alone)))
    print(f"conference room {room.number}: up to {room.max_parties} parties"
          f"{', PIN' if room.has_pin else ''}{', moderator PIN' if room.has_moderator_pin else ''}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    print_table([[r.number, r.name or "-", "yes" if r.has_pin else "no", "yes" if r.has_moderator_pin else "no",
                  r.max_parties, "yes" if r.music_alone else "no"] for r in conference.list_all(_admin(args))],
                ["ROOM", "NAME", "PIN", "MODERATOR", "MAX", "MUSIC ALONE"])
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    room = conference.get(_admin(args), args.number)
    for key, value in room.model_dump().items():
        print(f"{key}: {value}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    conference.remove(_admin(args), args.number)
    print(f"conference room {args.number} removed")
    return 0


def cmd_who(args: argparse.Namespace) -> int:
    now = conference.who(_admin(args), args.number)
    if not now.members:
        print(f"conference room {args.number}: nobody")
        return 0
    print(f"conference room {args.number}: {len(now.members)} in the room{' (locked)' if now.locked else ''}")
    print_table([[m.who, "moderator" if m.moderator else "", "muted" if m.muted else "", m.since]
                 for m in now.members], ["WHO", "ROLE", "MUTE", "SINCE (UTC)"])
    return 0


def add_parsers(sub: Any) -> None:
    conf = sub.add_parser("conf", help="conference rooms: set, list, show, remove, who").add_subparsers(
        dest="conf_command", required=True)
    cset = conf.add_parser("set", help="create a room or change it (numbers: setting conference_numbers)")
    cset.add_argument("number")
    cset.add_argument("--name")
    cset.add_argument("--pin", help="4-10 digits callers key in; '' = none")
    cset.add_argument("--moderator-pin", help="4-10 digits for the moderator (*7 lock, *9 drop the last); '' = none")
    cset.add_argument("--max-parties", type=int, help="2-50 (default 10)")
    cset.add_argument("--music-alone", choices=("yes", "no"), help="music while someone is alone (default yes)")
    cset.set_defaults(func=cmd_set)
    conf.add_parser("list").set_defaults(func=cmd_list)
    for name, func, helptext in (("show", cmd_show, "one room's settings"), ("remove", cmd_remove, "delete a room"),
                                 ("who", cmd_who, "who is in the room now")):
        p = conf.add_parser(name, help=helptext)
        p.add_argument("number")
        p.set_defaults(func=func)
