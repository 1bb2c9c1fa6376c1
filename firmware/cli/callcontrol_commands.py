"""`minipbx pickup ...`, `minipbx moh ...`: call pickup groups and music on hold."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from firmware.calls.music import DEFAULT_CLASS, PROMPT_PREFIX, MusicError, classes_in_use, prompt_name
from firmware.calls.pickup import PickupError, pickup_group, set_pickup_group
from firmware.cli.table import print_table as _table
from firmware.prompts.library import CUSTOM_NAME, PromptError
from firmware.prompts.upload import import_audio, list_prompts, remove_prompt
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


def _check_class(name: str) -> str:
    if not CUSTOM_NAME.fullmatch(PROMPT_PREFIX + name):
        raise PromptError(f"music class {name!r} is not accepted; use letters, digits, '-' or '_'")
    return name


def cmd_moh_upload(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    prompt = import_audio(db, args.data, prompt_name(_check_class(args.name)), Path(args.file))
    print(f"music class {args.name}: {prompt.seconds:.1f} s from {args.file}")
    return 0


def cmd_moh_list(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    uploaded = {p.name[len(PROMPT_PREFIX):]: p for p in list_prompts(db) if p.name.startswith(PROMPT_PREFIX)}
    rows = [[name, f"{p.seconds:.1f}s", p.created_at] for name, p in sorted(uploaded.items())]
    if DEFAULT_CLASS not in uploaded:
        rows.insert(0, [DEFAULT_CLASS, "built in", "-"])
    _table(rows, ["CLASS", "LENGTH", "UPLOADED"])
    return 0


def cmd_moh_remove(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    users = classes_in_use(db, _check_class(args.name))
    if users and args.name != DEFAULT_CLASS:
        raise MusicError(f"music class {args.name} is still used by {', '.join(users)}; "
                         "set those routes' --music first")
    remove_prompt(db, args.data, prompt_name(args.name))
    fallback = "the built-in melody" if args.name == DEFAULT_CLASS else f"class {DEFAULT_CLASS}"
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
