"""`minipbx trunk|group|route|mode|cos ...`: trunks, routes, modes and rights."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import caller_lists as caller_admin
from firmware.admin import classes_of_service as cos_admin
from firmware.admin import dialing as dialing_admin
from firmware.admin import inbound_routes as route_admin
from firmware.admin import modes as mode_admin
from firmware.admin import trunk_groups as group_admin
from firmware.admin import trunks as trunk_admin
from firmware.admin.context import Actor, Admin
from firmware.cli.table import print_table as _table
from firmware.dialplan.cos import CosError
from firmware.modes.state import holidays as list_holidays
from firmware.modes.state import (
    intervals,
    mode_now,
)
from firmware.modes.timetable import MODES, TimetableError
from firmware.store.database import open_store
from firmware.trunks.config import STRATEGIES, TrunkError
from firmware.trunks.inbound import RouteError

ROUTING_ERRORS = (TrunkError, RouteError, TimetableError, CosError)


# ---- trunks ---------------------------------------------------------------------
def cmd_trunk_add(args: argparse.Namespace) -> int:
    trunk = trunk_admin.add(Admin(open_store(args.data), args.data), trunk_admin.NewTrunk.model_validate({
        "name": args.name, "host": args.host, "port": args.port, "transport": args.transport, "domain": args.domain,
        "username": args.username or "", "password": args.password or "",
        "auth_username": args.auth_username or "", "register": not args.no_register,
        "caller_id": args.caller_id or "", "send_pai": args.pai, "privacy": args.privacy or "",
        "inbound_only": args.inbound_only, "channels": args.channels,
    }))
    how = "registers as " + trunk.username if trunk.register_ else "IP-authenticated peer"
    print(f"trunk {trunk.name} added: {trunk.host}:{trunk.port}/{trunk.transport}, {how}")
    return 0


def cmd_trunk_list(args: argparse.Namespace) -> int:
    trunks = trunk_admin.list_all(Admin(open_store(args.data), args.data))
    if args.json:
        print(json.dumps([t.model_dump(by_alias=True) for t in trunks], indent=2))
        return 0
    _table([[t.name, t.kind, f"{t.host}:{t.port}", t.username or "-", "yes" if t.register_ else "no",
             t.caller_id or "-", t.channels, "inbound only" if t.inbound_only else ""] for t in trunks],
           ["NAME", "KIND", "ADDRESS", "USER", "REGISTER", "CALLER ID", "CHANNELS", ""])
    return 0


def cmd_trunk_remove(args: argparse.Namespace) -> int:
    trunk_admin.remove(Admin(open_store(args.data), args.data), args.name)
    print(f"trunk {args.name} removed")
    return 0


def cmd_group_set(args: argparse.Namespace) -> int:
    group = group_admin.set_group(Admin(open_store(args.data), args.data), args.name,
                                  group_admin.TrunkGroupChange(trunks=args.trunks, strategy=args.strategy))
    print(f"trunk group {group.name}: {group.strategy} over {', '.join(group.trunks)}")
    return 0


def cmd_group_list(args: argparse.Namespace) -> int:
    _table([[g.name, g.strategy, ", ".join(g.trunks)] for g in group_admin.list_all(Admin(open_store(args.data),
                                                                                         args.data))],
           ["GROUP", "STRATEGY", "TRUNKS (in order)"])
    return 0


def cmd_group_remove(args: argparse.Namespace) -> int:
    group_admin.remove(Admin(open_store(args.data), args.data), args.name)
    print(f"trunk group {args.name} removed")
    return 0


# ---- inbound routes ----------------------------------------------------------------
def cmd_route_set(args: argparse.Namespace) -> int:
    route = route_admin.set_route(Admin(open_store(args.data), args.data), args.trunk, args.did, args.mode,
                                  route_admin.RouteChange(destination=args.destination, music=args.music))
    music = f" (music on hold: {route.music})" if route.music else ""
    print(f"calls on {route.trunk} to {route.did or 'any number'} in {route.mode} mode -> {route.destination}{music}")
    return 0


def cmd_route_list(args: argparse.Namespace) -> int:
    _table([[r.trunk, r.did or "any", r.mode, r.destination, r.music or "default"]
            for r in route_admin.list_all(Admin(open_store(args.data), args.data))],
           ["TRUNK", "DIALLED", "MODE", "DESTINATION", "MUSIC"])
    return 0


def cmd_route_remove(args: argparse.Namespace) -> int:
    route_admin.remove(Admin(open_store(args.data), args.data), args.trunk, args.did, args.mode)
    print(f"calls on {args.trunk} to {args.did or 'any number'} in {args.mode} mode: route removed")
    return 0


def cmd_route_caller(args: argparse.Namespace) -> int:
    caller_admin.set_caller(Admin(open_store(args.data), args.data), args.list, args.number, args.destination or "",
                            args.note or "")
    print(f"{args.number} on the {args.list} list")
    return 0


# ---- modes ---------------------------------------------------------------------------
def cmd_mode_show(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    state = mode_now(db)
    print(f"mode: {state.mode} ({state.reason})")
    if args.verbose:
        for interval in intervals(db):
            print(f"  {interval}")
        for day, name in sorted(list_holidays(db).items()):
            print(f"  holiday {day} {name}")
    return 0


def cmd_mode_set(args: argparse.Namespace) -> int:
    admin = Admin(open_store(args.data), args.data, Actor(args.by, "local"))
    change = mode_admin.ModeChange(mode=args.mode, kind="fixed" if args.fixed else "temporary")
    state = mode_admin.override(admin, change)
    print(f"mode: {state.mode} ({state.reason})")
    return 0


def cmd_mode_auto(args: argparse.Namespace) -> int:
    state = mode_admin.back_to_timetable(Admin(open_store(args.data), args.data, Actor(args.by, "local")))
    print(f"mode: {state.mode} ({state.reason})")
    return 0


def cmd_mode_schedule(args: argparse.Namespace) -> int:
    mode_admin.set_schedule(Admin(open_store(args.data), args.data), args.days, args.spec)
    print(f"timetable for {args.days}: {args.spec or 'night all day'}")
    return 0


def cmd_mode_holiday(args: argparse.Namespace) -> int:
    admin = Admin(open_store(args.data), args.data)
    if args.remove:
        mode_admin.remove_holiday(admin, args.date)
        print(f"{args.date} is no longer a holiday")
    else:
        mode_admin.add_holiday(admin, args.date, args.name or "")
        print(f"{args.date} is a holiday ({args.name})")
    return 0


def cmd_mode_log(args: argparse.Namespace) -> int:
    entries = mode_admin.log(Admin(open_store(args.data), args.data), args.limit)
    _table([[e.at, e.mode, e.reason, e.by] for e in reversed(entries)], ["AT", "MODE", "WHY", "BY"])
    return 0


# ---- class of service, caller ID, lines -------------------------------------------------
def cmd_cos_list(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    _table([[c.name, ", ".join(sorted(c.allows))] for c in cos_admin.list_all(Admin(db, args.data))],
           ["CLASS OF SERVICE", "ALLOWS"])
    rows = db.execute("SELECT number, mode, cos FROM mode_cos ORDER BY number, mode").fetchall()
    if rows:
        print()
        _table([list(r) for r in rows], ["EXTENSION", "MODE", "CLASS OF SERVICE"])
    return 0


def cmd_cos_define(args: argparse.Namespace) -> int:
    change = cos_admin.ClassOfServiceChange(allows=args.classes.split(","))
    profile = cos_admin.set_profile(Admin(open_store(args.data), args.data), args.name, change)
    print(f"class of service {profile.name}: {','.join(profile.allows)}")
    return 0


def cmd_cos_remove(args: argparse.Namespace) -> int:
    cos_admin.remove(Admin(open_store(args.data), args.data), args.name)
    print(f"class of service {args.name} removed")
    return 0


def cmd_cos_assign(args: argparse.Namespace) -> int:
    cos_admin.assign(Admin(open_store(args.data), args.data), args.number, args.profile, args.mode or "")
    print(f"{'everyone' if args.number == '*' else args.number}: {args.profile}"
          f"{' in ' + args.mode + ' mode' if args.mode else ''}")
    return 0


def cmd_cos_unassign(args: argparse.Namespace) -> int:
    cos_admin.unassign(Admin(open_store(args.data), args.data), args.number, args.mode)
    who = "everyone" if args.number == "*" else args.number
    print(f"{who}: no class of service of its own in {args.mode} mode")
    return 0


def cmd_cos_callerid(args: argparse.Namespace) -> int:
    dialing_admin.set_caller_id(Admin(open_store(args.data), args.data), args.number,
                                dialing_admin.CallerIdChange(caller_id=args.caller_id))
    print(f"{args.number} calls out as {args.caller_id or 'the trunk default'}")
    return 0


def cmd_cos_lines(args: argparse.Namespace) -> int:
    dialing_admin.set_lines(Admin(open_store(args.data), args.data), args.number,
                            dialing_admin.LinesChange(groups=args.groups))
    print(f"{args.number} may use: {', '.join(args.groups) or 'every trunk group'}")
    return 0


def add_parsers(sub: Any) -> None:
    trunk = sub.add_parser("trunk", help="lines to the outside: SIP trunks").add_subparsers(
        dest="trunk_command", required=True)
    add = trunk.add_parser("add", help="add a SIP trunk")
    add.add_argument("name")
    add.add_argument("--host", required=True)
    add.add_argument("--port", type=int, default=5060)
    add.add_argument("--transport", default="udp")
    add.add_argument("--domain", help="provider's SIP domain (default: the host)")
    add.add_argument("--username")
    add.add_argument("--password")
    add.add_argument("--auth-username", help="if the provider wants a different digest user")
    add.add_argument("--no-register", action="store_true", help="an IP-authenticated peer; no registration")
    add.add_argument("--caller-id", help="default outbound number on this trunk")
    add.add_argument("--pai", action="store_true", help="send P-Asserted-Identity")
    add.add_argument("--privacy", help="Privacy header value: id or none")
    add.add_argument("--inbound-only", action="store_true", help="keep this line free for incoming calls")
    add.add_argument("--channels", type=int, default=30)
    add.set_defaults(func=cmd_trunk_add)
    lst = trunk.add_parser("list")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_trunk_list)
    rm = trunk.add_parser("remove")
    rm.add_argument("name")
    rm.set_defaults(func=cmd_trunk_remove)

    group = sub.add_parser("group", help="trunk groups and their hunting order").add_subparsers(
        dest="group_command", required=True)
    gset = group.add_parser("set", help="create or replace a trunk group")
    gset.add_argument("name")
    gset.add_argument("trunks", nargs="+")
    gset.add_argument("--strategy", default="first_free", choices=STRATEGIES)
    gset.set_defaults(func=cmd_group_set)
    group.add_parser("list").set_defaults(func=cmd_group_list)
    grm = group.add_parser("remove", help="delete a trunk group no extension's lines name")
    grm.add_argument("name")
    grm.set_defaults(func=cmd_group_remove)

    route = sub.add_parser("route", help="where calls from trunks go").add_subparsers(
        dest="route_command", required=True)
    rset = route.add_parser("set", help="destination for calls on a trunk (per number and mode)")
    rset.add_argument("trunk")
    rset.add_argument("destination", help="ext:N, group:NAME, ivr:NAME, voicemail:N, vmaccess, number:DIGITS, "
                                          "icm:NAME or hangup")
    rset.add_argument("--did", default="", help="the dialled number (default: any)")
    rset.add_argument("--mode", default="*", help="day, lunch, break, night, holiday, or * (every mode)")
    rset.add_argument("--music", default="", help="music class these callers hear on hold (`minipbx moh list`)")
    rset.set_defaults(func=cmd_route_set)
    route.add_parser("list").set_defaults(func=cmd_route_list)
    rrm = route.add_parser("remove", help="delete the route of a trunk, dialled number and mode")
    rrm.add_argument("trunk")
    rrm.add_argument("--did", default="", help="the dialled number (default: any)")
    rrm.add_argument("--mode", default="*", help="day, lunch, break, night, holiday, or * (every mode)")
    rrm.set_defaults(func=cmd_route_remove)
    for name, helptext in (("block", "refuse calls from a number"), ("vip", "send a caller straight somewhere")):
        caller = route.add_parser(name, help=helptext)
        caller.add_argument("number")
        if name == "vip":
            caller.add_argument("destination", help="where the caller goes: ext:N, group:NAME, ivr:NAME, ...")
        caller.add_argument("--note")
        caller.set_defaults(func=cmd_route_caller, list="blocked" if name == "block" else "vip",
                            **({"destination": ""} if name == "block" else {}))

    mode = sub.add_parser("mode", help="operating modes: day, lunch, break, night, holiday")
    mode.add_argument("-v", "--verbose", action="store_true", help="also show the timetable and holidays")
    mode.set_defaults(func=cmd_mode_show)
    msub = mode.add_subparsers(dest="mode_command")
    mset = msub.add_parser("set", help="switch now (until the next scheduled change, or --fixed)")
    mset.add_argument("mode", choices=MODES)
    mset.add_argument("--fixed", action="store_true", help="stay until `mode auto`")
    mset.add_argument("--by", default="command line")
    mset.set_defaults(func=cmd_mode_set)
    auto = msub.add_parser("auto", help="back to the timetable")
    auto.add_argument("--by", default="command line")
    auto.set_defaults(func=cmd_mode_auto)
    sched = msub.add_parser("schedule", help="set the timetable of some weekdays")
    sched.add_argument("days", help="e.g. mon-fri, sat, mon,wed")
    sched.add_argument("spec", help="e.g. '08:00-12:00 day, 12:00-13:00 lunch, 13:00-17:00 day' ('' = night)")
    sched.set_defaults(func=cmd_mode_schedule)
    hol = msub.add_parser("holiday", help="mark a date as a holiday")
    hol.add_argument("date", help="YYYY-MM-DD")
    hol.add_argument("name", nargs="?")
    hol.add_argument("--remove", action="store_true")
    hol.set_defaults(func=cmd_mode_holiday)
    mlog = msub.add_parser("log", help="recent mode changes and who made them")
    mlog.add_argument("--limit", type=int, default=20)
    mlog.set_defaults(func=cmd_mode_log)

    cos = sub.add_parser("cos", help="class of service, caller ID and lines per extension").add_subparsers(
        dest="cos_command", required=True)
    cos.add_parser("list").set_defaults(func=cmd_cos_list)
    define = cos.add_parser("define", help="create or change a class of service")
    define.add_argument("name")
    define.add_argument("classes", help="comma list of internal, local, national, mobile, international, "
                                        "premium, and the right 'modes'")
    define.set_defaults(func=cmd_cos_define)
    crm = cos.add_parser("remove", help="delete a class of service nobody dials with")
    crm.add_argument("name")
    crm.set_defaults(func=cmd_cos_remove)
    assign = cos.add_parser("assign", help="give an extension (or * = everyone, per mode) a class of service")
    assign.add_argument("number")
    assign.add_argument("profile")
    assign.add_argument("--mode", help="only in this mode")
    assign.set_defaults(func=cmd_cos_assign)
    unassign = cos.add_parser("unassign", help="an extension's (or everyone's, *) class of service in a mode "
                                               "no longer applies")
    unassign.add_argument("number")
    unassign.add_argument("--mode", required=True, help="day, lunch, break, night or holiday")
    unassign.set_defaults(func=cmd_cos_unassign)
    callerid = cos.add_parser("callerid", help="outbound caller ID of an extension ('' = trunk default)")
    callerid.add_argument("number")
    callerid.add_argument("caller_id")
    callerid.set_defaults(func=cmd_cos_callerid)
    lines = cos.add_parser("lines", help="trunk groups an extension may use, in order (none = all)")
    lines.add_argument("number")
    lines.add_argument("groups", nargs="*")
    lines.set_defaults(func=cmd_cos_lines)
