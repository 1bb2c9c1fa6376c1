"""`minipbx ringgroup|fwd|dnd|ivr ...`: ring groups, call forwarding, do-not-disturb and voice menus.

The brain reads these tables for each call, so a change applies to the next call
without telling the running PBX anything."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import forwarding as forwarding_admin
from firmware.admin import menus, ringgroups
from firmware.admin.context import Admin
from firmware.apps.forwarding.config import WHICH, Forwarding, ForwardingError
from firmware.apps.ivr.config import IvrError
from firmware.apps.ringgroups.config import (
    STRATEGIES,
    RingGroupError,
)
from firmware.cli.table import print_table as _table
from firmware.store.database import open_store

CALLAPP_ERRORS = (RingGroupError, ForwardingError, IvrError)
# How forwardings are spelled on the command line (no-answer) and in the store (no_answer).
_FWD_WORDS = tuple(w.replace("_", "-") for w in WHICH)


# ---- ring groups ---------------------------------------------------------------------------------
def _members(text: str) -> list[str]:
    return [m.strip() for m in text.split(",") if m.strip()]


def _describe_group(group: ringgroups.RingGroupView) -> str:
    number = f" on {group.number}" if group.number else ""
    if group.park_number:
        number += f" (page and park on {group.park_number})"
    step = f", {group.step_seconds} s each" if group.strategy != "all" else ""
    return (f"ring group {group.name}{number}: {group.strategy}{step}, {group.timeout} s, then "
            f"{group.no_answer or 'release'}; members {', '.join(group.members) or '(none)'}")


def cmd_ringgroup_set(args: argparse.Namespace) -> int:
    group = ringgroups.set_group(_admin(args), args.name, ringgroups.RingGroupChange(
        number=args.number, strategy=args.strategy, step_seconds=args.step, timeout=args.timeout,
        no_answer=args.no_answer, pickup_group=args.pickup_group,
        members=None if args.members is None else _members(args.members),
        pagers=None if args.pagers is None else _members(args.pagers),
        park_number=args.park_number,
    ))
    print(_describe_group(group))
    return 0


def cmd_ringgroup_list(args: argparse.Namespace) -> int:
    groups = ringgroups.list_all(_admin(args))
    if args.json:
        print(json.dumps([g.model_dump() for g in groups], indent=2))
        return 0
    if not groups:
        print("no ring groups; add one with `minipbx ringgroup set NAME --members 101,102`")
        return 0
    _table([[g.name, g.number or "-", g.strategy, "-" if g.strategy == "all" else f"{g.step_seconds}s",
             f"{g.timeout}s", g.no_answer or "release", g.pickup_group or "-", ",".join(g.members) or "-"]
            for g in groups],
           ["NAME", "NUMBER", "STRATEGY", "STEP", "TIMEOUT", "NO ANSWER", "PICKUP", "MEMBERS (in order)"])
    return 0


def cmd_ringgroup_remove(args: argparse.Namespace) -> int:
    ringgroups.remove(_admin(args), args.name)
    print(f"ring group {args.name} removed")
    return 0


# ---- forwarding and do-not-disturb -----------------------------------------------------------
def _describe_forwarding(fwd: Forwarding) -> list[str]:
    lines = [f"extension {fwd.number}: do not disturb {'ON' if fwd.dnd else 'off'}"]
    for which in WHICH:
        target = getattr(fwd, which) or "-"
        after = f" after {fwd.no_answer_seconds} s" if which == "no_answer" and fwd.no_answer else ""
        lines.append(f"  {which.replace('_', '-'):13} {target}{after}")
    return lines


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def _describe(view: forwarding_admin.ForwardingView) -> str:
    return "\n".join(_describe_forwarding(Forwarding(**view.model_dump())))


def cmd_fwd_show(args: argparse.Namespace) -> int:
    print(_describe(forwarding_admin.show(_admin(args), args.number)))
    return 0


def cmd_fwd_set(args: argparse.Namespace) -> int:
    which = args.which.replace("-", "_")
    if args.after is not None and which != "no_answer":
        raise ForwardingError(f"--after {args.after} goes with no-answer forwarding (how long the phone rings "
                              f"first), not with {args.which}")
    change = forwarding_admin.ForwardingChange.model_validate(
        {which: args.destination, **({"no_answer_seconds": args.after} if args.after is not None else {})})
    print(_describe(forwarding_admin.change(_admin(args), args.number, change)))
    return 0


def cmd_fwd_clear(args: argparse.Namespace) -> int:
    print(_describe(forwarding_admin.clear(_admin(args), args.number, args.which)))
    return 0


def cmd_dnd(args: argparse.Namespace) -> int:
    fwd = forwarding_admin.set_dnd(_admin(args), args.number, args.state == "on")
    print(f"extension {fwd.number}: do not disturb {'ON' if fwd.dnd else 'off'}")
    return 0


# ---- voice menus ---------------------------------------------------------------------------------
def _public_menu(menu: menus.MenuView) -> dict[str, object]:
    """A menu as `ivr list --json` shows it: whether there is a PIN, never the PIN."""
    return {**menu.model_dump(exclude={"has_pin"}), "pin": menu.has_pin}


def _describe_menu(menu: menus.MenuView) -> list[str]:
    lines = [
        f"voice menu {menu.name}",
        f"  greeting      {menu.greeting or '-'}",
        f"  language      {menu.language or 'system'}",
        f"  timeout       {menu.timeout} s, {menu.max_invalid} wrong keys, then {menu.default_dest}",
        f"  direct dial   {'yes' if menu.direct_dial else 'no'}",
        f"  dial out      {menu.outside_cos or 'no'}{' (PIN)' if menu.outside_cos and menu.has_pin else ''}",
        f"  PIN           {'set' if menu.has_pin else 'none'}",
    ]
    lines += [f"  key {key:9} {dest}" for key, dest in menu.options.items()] or ["  (no keys set)"]
    return lines


def cmd_ivr_set(args: argparse.Namespace) -> int:
    menu = menus.set_menu(_admin(args), args.name, menus.MenuChange(
        greeting=args.greeting, timeout=args.timeout, max_invalid=args.max_invalid, default_dest=args.default,
        direct_dial=args.direct_dial, outside_cos=args.outside_cos, pin="" if args.no_pin else args.pin,
        language=args.language))
    print("\n".join(_describe_menu(menu)))
    return 0


def cmd_ivr_option(args: argparse.Namespace) -> int:
    if args.remove == (args.destination is not None):
        raise IvrError(f"key {args.key} of menu {args.name}: give a destination (e.g. ext:101) or --remove"
                       f"{', not both' if args.remove else ''}")
    if args.remove:
        menus.remove_option(_admin(args), args.name, args.key)
        print(f"voice menu {args.name}: key {args.key} removed")
    else:
        menu = menus.set_option(_admin(args), args.name, args.key, args.destination)
        print(f"voice menu {args.name}: key {args.key} -> {menu.options[args.key]}")
    return 0


def cmd_ivr_list(args: argparse.Namespace) -> int:
    found = menus.list_all(_admin(args))
    if args.json:
        print(json.dumps([_public_menu(m) for m in found], indent=2))
        return 0
    if not found:
        print("no voice menus; add one with `minipbx ivr set NAME --greeting PROMPT`")
        return 0
    _table([[m.name, m.greeting or "-", m.default_dest, "yes" if m.direct_dial else "no", m.outside_cos or "-",
             " ".join(f"{k}={d}" for k, d in m.options.items()) or "-"] for m in found],
           ["NAME", "GREETING", "DEFAULT", "DIRECT DIAL", "DIAL OUT", "KEYS"])
    return 0


def cmd_ivr_show(args: argparse.Namespace) -> int:
    print("\n".join(_describe_menu(menus.get(_admin(args), args.name))))
    return 0


def cmd_ivr_remove(args: argparse.Namespace) -> int:
    menus.remove(_admin(args), args.name)
    print(f"voice menu {args.name} removed")
    return 0


def add_parsers(sub: Any) -> None:
    rg = sub.add_parser("ringgroup", help="ring groups: one number, several phones").add_subparsers(
        dest="ringgroup_command", required=True)
    rset = rg.add_parser("set", help="create a ring group or change it")
    rset.add_argument("name")
    rset.add_argument("--number", help="an internal number that rings the group ('' = none)")
    rset.add_argument("--strategy", choices=STRATEGIES,
                      help="all at once, linear (one by one), cascade (one more every step), or page (a one-way "
                           "announcement: every idle member's phone answers by itself)")
    rset.add_argument("--step", type=int, help="seconds each member rings before the next (linear, cascade)")
    rset.add_argument("--timeout", type=int, help="seconds before the no-answer destination")
    rset.add_argument("--no-answer", help="destination when nobody answers, e.g. voicemail:101 ('' = release)")
    rset.add_argument("--pickup-group", help="group for call pickup ('' = none)")
    rset.add_argument("--members", help="in ringing order: 101,102,number:0171234567 ('' = none)")
    rset.add_argument("--pagers", help="strategy page: extensions that may page the group, e.g. 100,101 ('' = all)")
    rset.add_argument("--park-number", help="strategy page: a call transferred to this number is parked and "
                      "its slot announced to the group (\"call on 7 0 1\"); *86 takes it ('' = none)")
    rset.set_defaults(func=cmd_ringgroup_set)
    rlist = rg.add_parser("list")
    rlist.add_argument("--json", action="store_true")
    rlist.set_defaults(func=cmd_ringgroup_list)
    rrm = rg.add_parser("remove")
    rrm.add_argument("name")
    rrm.set_defaults(func=cmd_ringgroup_remove)

    fwd = sub.add_parser("fwd", help="call forwarding of an extension").add_subparsers(
        dest="fwd_command", required=True)
    fshow = fwd.add_parser("show", help="forwarding and do-not-disturb of an extension")
    fshow.add_argument("number")
    fshow.set_defaults(func=cmd_fwd_show)
    fset = fwd.add_parser("set", help="forward calls: always, when busy, when not answered, when no phone is on")
    fset.add_argument("number")
    fset.add_argument("which", choices=_FWD_WORDS)
    fset.add_argument("destination", help="ext:N, number:DIGITS (with the access code), voicemail:N, or the "
                                          "digits as keyed on the phone")
    fset.add_argument("--after", type=int, help="no-answer: seconds the phone rings first (5-120)")
    fset.set_defaults(func=cmd_fwd_set)
    fclear = fwd.add_parser("clear", help="stop forwarding")
    fclear.add_argument("number")
    fclear.add_argument("which", choices=(*_FWD_WORDS, "all"))
    fclear.set_defaults(func=cmd_fwd_clear)

    dnd = sub.add_parser("dnd", help="do not disturb: the phone does not ring")
    dnd.add_argument("number")
    dnd.add_argument("state", choices=("on", "off"))
    dnd.set_defaults(func=cmd_dnd)

    ivr = sub.add_parser("ivr", help="voice menus").add_subparsers(dest="ivr_command", required=True)
    iset = ivr.add_parser("set", help="create a voice menu or change it")
    iset.add_argument("name")
    iset.add_argument("--greeting", help="prompt played first ('' = none)")
    iset.add_argument("--timeout", type=int, help="seconds to wait for a key after the greeting (1-60)")
    iset.add_argument("--max-invalid", type=int, help="wrong keys or timeouts before the default (1-10)")
    iset.add_argument("--default", help="where callers go after the timeout or too many wrong keys")
    iset.add_argument("--direct-dial", action=argparse.BooleanOptionalAction, default=None,
                      help="callers may key an extension number")
    iset.add_argument("--outside-cos", help="class of service for dialling out from the menu ('' = none)")
    pin = iset.add_mutually_exclusive_group()
    pin.add_argument("--pin", help="PIN callers key before dialling out (4-10 digits)")
    pin.add_argument("--no-pin", action="store_true", help="remove the PIN")
    iset.add_argument("--language", help="en, de, or '' for the system language")
    iset.set_defaults(func=cmd_ivr_set)
    iopt = ivr.add_parser("option", help="where a key leads (or --remove)")
    iopt.add_argument("name")
    iopt.add_argument("key", help="0-9, * or #")
    iopt.add_argument("destination", nargs="?", help="e.g. ext:101, group:sales, ivr:other, voicemail:101")
    iopt.add_argument("--remove", action="store_true")
    iopt.set_defaults(func=cmd_ivr_option)
    ilist = ivr.add_parser("list")
    ilist.add_argument("--json", action="store_true")
    ilist.set_defaults(func=cmd_ivr_list)
    ishow = ivr.add_parser("show")
    ishow.add_argument("name")
    ishow.set_defaults(func=cmd_ivr_show)
    irm = ivr.add_parser("remove")
    irm.add_argument("name")
    irm.set_defaults(func=cmd_ivr_remove)
