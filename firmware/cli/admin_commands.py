"""`minipbx ext`, `config` and `cdr`: extensions, settings and call records, through the admin layer."""
from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from firmware.admin import cdr, extensions, scenarios, settings
from firmware.admin.context import Admin
from firmware.cli.table import print_table as _print_table
from firmware.store.database import open_store
from firmware.store.settings import SettingError


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def cmd_ext_add(args: argparse.Namespace) -> int:
    created = extensions.add(_admin(args), extensions.NewExtension(
        number=args.number, name=args.name, password=args.password, email=args.email,
        department=args.department, role=args.role))
    print(f"extension {args.number} ({created.extension.name}) created")
    if created.sip_password.generated:
        secret = created.sip_password.secret
        print(f"SIP user {args.number}, password {secret}  (shown once; store it in the phone now)")
    return 0


def cmd_ext_list(args: argparse.Namespace) -> int:
    listed = extensions.list_all(_admin(args))
    if args.json:
        print(json.dumps([e.model_dump(exclude={"web_login"}) for e in listed], indent=2))
        return 0
    if not listed:
        print("no extensions; add one with `minipbx ext add NUMBER --name NAME`")
        return 0
    # People who left the directory: login refused, calls diverted (firmware/directory/leavers.py).
    db = open_store(args.data)
    disabled = {str(row[0]) for row in db.execute("SELECT number FROM extensions WHERE disabled_at != ''")}
    _print_table([[e.number, e.name + (" (disabled)" if e.number in disabled else ""), e.role, e.department or "",
                   e.email or "", e.device, _changed(e)] for e in listed],
                 ["NUMBER", "NAME", "ROLE", "DEPARTMENT", "E-MAIL", "DEVICE", "CHANGED"])
    return 0


def _changed(extension: extensions.ExtensionView) -> str:
    """Changes made at a phone's keypad are named, so the office sees what the installer did there."""
    if not extension.changed_by.startswith("keypad"):
        return ""
    return f"changed by {extension.changed_by} at {extension.changed_at[:16].replace('T', ' ')}"


def cmd_ext_remove(args: argparse.Namespace) -> int:
    extensions.remove(_admin(args), args.number)
    print(f"extension {args.number} removed")
    return 0


def cmd_ext_passwd(args: argparse.Namespace) -> int:
    secret = extensions.set_sip_password(_admin(args), args.number, args.password)
    print(f"extension {args.number}: new SIP password set")
    if secret.generated:
        print(f"SIP user {args.number}, password {secret.secret}  (shown once)")
    return 0


def cmd_ext_webpasswd(args: argparse.Namespace) -> int:
    secret = extensions.set_web_login(_admin(args), args.number, args.password)
    print(f"extension {args.number}: new web password set (the SIP password is unchanged)")
    if secret.generated:
        print(f"web login {args.number}, password {secret.secret}  (shown once)")
    return 0


def cmd_ext_set(args: argparse.Namespace) -> int:
    changed = extensions.change(_admin(args), args.number, extensions.ExtensionChange(
        name=args.name, email=args.email, department=args.department, role=args.role))
    print(f"extension {changed.number}: {changed.name}, role {changed.role}"
          f"{', ' + changed.department if changed.department else ''}{', ' + changed.email if changed.email else ''}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    admin = _admin(args)
    if args.action == "set":
        if args.key is None or args.value is None:
            raise SettingError("usage: minipbx config set KEY VALUE")
        changed = settings.change(admin, args.key, args.value)
        when = " (applies from the next start of minipbx)" if changed.applies_at_next_start else ""
        print(f"{args.key} = {settings.shown(args.key, args.value)}{when}")
        return 0
    if args.action == "get":
        if args.key is None:
            raise SettingError("usage: minipbx config get KEY")
        print(settings.get(admin, args.key).value)
        return 0
    _print_table([[s.key, s.value, s.meaning] for s in settings.list_all(admin)], ["KEY", "VALUE", "MEANING"])
    return 0


def cmd_cdr_by(args: argparse.Namespace) -> int:
    query = cdr.CdrQuery(since=args.since, until=args.until)
    figures = cdr.breakdown(_admin(args), query, args.by)
    if args.json:
        print(json.dumps([f.model_dump() for f in figures], indent=2))
        return 0
    _print_table(
        [[f.key, str(f.calls), str(f.made), str(f.received), str(f.answered), str(f.missed),
          f"{f.talk_seconds:.0f}s", f"{f.average_wait_seconds:.1f}s"] for f in figures],
        [args.by.upper(), "CALLS", "MADE", "RECEIVED", "ANSWERED", "MISSED", "TALK", "AVG WAIT"],
    )
    return 0


def cmd_cdr_scenarios(args: argparse.Namespace) -> int:
    query = cdr.CdrQuery(since=args.since, until=args.until)
    figures = scenarios.scenarios(_admin(args), query, args.split)
    if args.json:
        print(json.dumps([f.model_dump(exclude_none=True) for f in figures], indent=2))
        return 0
    split = [args.split.upper()] if args.split else []
    _print_table(
        [[f.kind, f.entry, *([f.value or "-"] if args.split else []), str(f.calls), str(f.completed), str(f.no_talk),
          str(f.transferred), str(f.by_employee), str(f.repeated), f"{f.average_seconds:.0f}s",
          f"{f.average_talk_seconds:.0f}s"] for f in figures],
        ["KIND", "ENTRY", *split, "CALLS", "COMPLETED", "NO_TALK", "TRANSFERRED", "BY_EMPLOYEE", "REPEATED", "AVG",
         "AVG_TALK"],
    )
    return 0


def cmd_cdr(args: argparse.Namespace) -> int:
    if args.scenarios or args.split:
        return cmd_cdr_scenarios(args)
    if args.by:
        return cmd_cdr_by(args)
    rows = cdr.recent(_admin(args), args.limit)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    _print_table(
        [[str(r["started_at"])[:19], str(r.get("direction") or ""), str(r["caller"]), str(r["called"]),
          str(r["answered_by"] or "-"), str(r["disposition"]), f"{r['talk_seconds']:.0f}s", str(r["hangup_cause"])]
         for r in reversed(rows)],
        ["STARTED (UTC)", "DIR", "CALLER", "CALLED", "ANSWERED BY", "RESULT", "TALK", "CAUSE"],
    )
    steps = [r for r in reversed(rows) if r.get("history")]
    if steps:
        print("\nsteps after the answer (transfer, pickup, park, hold):")
        for r in steps:
            hold = f"; on hold {r['hold_seconds']:.0f}s" if r.get("hold_seconds") else ""
            print(f"  {str(r['started_at'])[:19]} {r['caller']} -> {r['called']}: {r['history']}{hold}")
    return 0


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date or time; use e.g. 2026-03-02 or "
                                         "2026-03-02T09:00") from None


def add_parsers(sub: Any) -> None:
    ext = sub.add_parser("ext", help="manage extensions").add_subparsers(dest="ext_command", required=True)
    add = ext.add_parser("add", help="create an extension and its SIP account")
    add.add_argument("number")
    add.add_argument("--name", required=True)
    add.add_argument("--password", help="SIP password (default: a strong one is generated and shown once)")
    add.add_argument("--email")
    add.add_argument("--department")
    add.add_argument("--role", default="user", help="user, admin or a custom role (`minipbx role list`)")
    add.set_defaults(func=cmd_ext_add)
    lst = ext.add_parser("list", help="list extensions")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_ext_list)
    rm = ext.add_parser("remove", help="delete an extension and its SIP account")
    rm.add_argument("number")
    rm.set_defaults(func=cmd_ext_remove)
    pw = ext.add_parser("passwd", help="set a new SIP password")
    pw.add_argument("number")
    pw.add_argument("--password", help="new password (default: generate one)")
    pw.set_defaults(func=cmd_ext_passwd)
    wpw = ext.add_parser("webpasswd", help="set the web (HTTP API) password, separate from the SIP one")
    wpw.add_argument("number")
    wpw.add_argument("--password", help="new password (default: generate one)")
    wpw.set_defaults(func=cmd_ext_webpasswd)
    eset = ext.add_parser("set", help="change an extension's name, e-mail, department or role")
    eset.add_argument("number")
    eset.add_argument("--name")
    eset.add_argument("--email", help="'' clears it")
    eset.add_argument("--department", help="'' clears it")
    eset.add_argument("--role", help="user, admin or a custom role (`minipbx role list`)")
    eset.set_defaults(func=cmd_ext_set)

    cfg = sub.add_parser("config", help="show or change settings")
    cfg.add_argument("action", choices=["list", "get", "set"], nargs="?", default="list")
    cfg.add_argument("key", nargs="?")
    cfg.add_argument("value", nargs="?")
    cfg.set_defaults(func=cmd_config)

    records = sub.add_parser("cdr", help="recent call records, or their figures per extension, trunk or direction")
    records.add_argument("--limit", type=int, default=20)
    records.add_argument("--json", action="store_true")
    records.add_argument("--by", choices=cdr.GROUPS, help="figures per extension, trunk or direction instead of rows")
    records.add_argument("--scenarios", action="store_true",
                         help="figures per trunk, number dialled and voice menu instead of rows")
    records.add_argument("--split", choices=list(scenarios.DIMENSIONS),
                         help="the figures per scenario, each entry point split by this second dimension")
    records.add_argument("--since", type=_when,
                         help="with --by or --scenarios: calls started at or after (ISO date/time, UTC)")
    records.add_argument("--until", type=_when, help="with --by or --scenarios: calls started before")
    records.set_defaults(func=cmd_cdr)
