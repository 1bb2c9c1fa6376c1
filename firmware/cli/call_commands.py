"""`minipbx call list|dial|transfer|hangup`: calls in progress, click-to-call, transfer and
hanging up, from a shell.

The same operations as the HTTP API's /api/calls (firmware/admin/calls.py); the running PBX
carries them out, so they need `minipbx run` up for the data directory.
"""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import calls
from firmware.admin.brain import live_calls
from firmware.admin.context import Admin
from firmware.store.database import open_store


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def cmd_list(args: argparse.Namespace) -> int:
    now = live_calls(args.data)
    if args.json:
        print(json.dumps([c.model_dump() for c in now], indent=2))
        return 0
    if not now:
        print("no calls in progress")
    for c in now:
        talking = f" with {c.answered_by}" if c.answered_by else ""
        print(f"{c.id}  {c.caller} -> {c.called}  {c.state}{talking}  since {c.started_at}"
              f"{'  trunk ' + c.trunk if c.trunk else ''}")
    return 0


def cmd_dial(args: argparse.Namespace) -> int:
    started = calls.originate(_admin(args), calls.NewCall(**{"from": args.extension, "to": args.number}))
    print(f"call {started.call}: ringing {args.extension}; {args.number} is dialled once it answers")
    return 0


def cmd_transfer(args: argparse.Namespace) -> int:
    calls.transfer(_admin(args), args.call, calls.CallTransfer(to=args.number, extension=args.by or ""))
    print(f"call {args.call}: transferred to {args.number}")
    return 0


def cmd_hangup(args: argparse.Namespace) -> int:
    calls.hang_up(_admin(args), args.call)
    print(f"call {args.call}: hung up")
    return 0


def add_parsers(sub: Any) -> None:
    call = sub.add_parser("call", help="calls in progress: list, click-to-call, transfer, hang up").add_subparsers(
        dest="call_command", required=True)
    ls = call.add_parser("list", help="calls in progress, with their ids")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    dial = call.add_parser("dial", help="ring an extension's phones, then dial a number as that extension")
    dial.add_argument("extension", help="the extension whose phones ring first, e.g. 101")
    dial.add_argument("number", help="what it then dials, as it would from its phone (e.g. 0 + an outside number)")
    dial.set_defaults(func=cmd_dial)
    move = call.add_parser("transfer", help="a party of the call sends the other party on, as its transfer key would")
    move.add_argument("call", help="the call's id, from `minipbx call list`")
    move.add_argument("number", help="where the other party goes (an extension, a group, the park number, ...)")
    move.add_argument("--by", help="the extension that transfers (needed when both parties are extensions)")
    move.set_defaults(func=cmd_transfer)
    hang = call.add_parser("hangup", help="end a call in progress (every party of it)")
    hang.add_argument("call", help="the call's id, from `minipbx call list`")
    hang.set_defaults(func=cmd_hangup)
