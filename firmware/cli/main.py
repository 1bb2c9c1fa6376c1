"""The `minipbx` command."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from firmware.admin import cdr, extensions, settings
from firmware.admin.context import Admin
from firmware.admin.errors import INPUT_ERRORS, NotFound
from firmware.api.process import HttpOptions
from firmware.apps.forwarding.config import set_forwarding
from firmware.brain.control import ControlError, ask
from firmware.brain.supervisor import RunOptions, StartError, run
from firmware.cli import (
    api_commands,
    callapp_commands,
    callcontrol_commands,
    icm_commands,
    ldap_commands,
    phonebook_commands,
    prompt_commands,
    routing_commands,
    sim,
    voicemail_commands,
)
from firmware.cli.table import print_table as _print_table
from firmware.edge.config import EdgeConfigError
from firmware.edge.ports import PortInUseError
from firmware.edge.process import EdgeError
from firmware.gateway.simcontrol import SimError
from firmware.store.database import StoreError, open_store
from firmware.store.extensions import add_extension, list_extensions
from firmware.store.settings import SettingError, get_setting
from hal.board import BoardError

DEMO_EXTENSIONS = (("101", "Reception"), ("102", "Sales"), ("103", "Support"), ("104", "Manager"))
DEMO_CREDENTIALS = "demo-credentials.txt"

# Errors a person can cause: printed as one line, exit code 1, no traceback.
USER_ERRORS: tuple[type[Exception], ...] = (
    *icm_commands.ICM_ERRORS, *prompt_commands.PROMPT_ERRORS,
    *routing_commands.ROUTING_ERRORS, *voicemail_commands.VOICEMAIL_ERRORS, StoreError, *INPUT_ERRORS, NotFound,
    *callapp_commands.CALLAPP_ERRORS, *callcontrol_commands.CALLCONTROL_ERRORS,
    BoardError, StartError, EdgeError, EdgeConfigError, PortInUseError, ControlError, SimError,
)


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
                   e.email or "", e.device] for e in listed],
                 ["NUMBER", "NAME", "ROLE", "DEPARTMENT", "E-MAIL", "DEVICE"])
    return 0


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


def cmd_cdr(args: argparse.Namespace) -> int:
    rows = cdr.recent(_admin(args), args.limit)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
        return 0
    _print_table(
        [[str(r["started_at"])[:19], str(r["caller"]), str(r["called"]), str(r["answered_by"] or "-"),
          str(r["disposition"]), f"{r['talk_seconds']:.0f}s", str(r["hangup_cause"])] for r in reversed(rows)],
        ["STARTED (UTC)", "CALLER", "CALLED", "ANSWERED BY", "RESULT", "TALK", "CAUSE"],
    )
    steps = [r for r in reversed(rows) if r.get("history")]
    if steps:
        print("\nsteps after the answer (transfer, pickup, park, hold):")
        for r in steps:
            hold = f"; on hold {r['hold_seconds']:.0f}s" if r.get("hold_seconds") else ""
            print(f"  {str(r['started_at'])[:19]} {r['caller']} -> {r['called']}: {r['history']}{hold}")
    return 0


def cmd_demo_seed(args: argparse.Namespace) -> int:
    """Create the demo extensions once and print how to register a softphone."""
    db = open_store(args.data)
    credentials = args.data / DEMO_CREDENTIALS
    if not list_extensions(db):
        lines = []
        for number, name in DEMO_EXTENSIONS:
            lines.append(f"{number} {add_extension(db, number, name)} {name}")
            # Demo phones that are busy or not answered take a message (check it with *97).
            set_forwarding(db, number, busy=f"voicemail:{number}", no_answer=f"voicemail:{number}",
                           no_answer_seconds=20)
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("\n".join(lines) + "\n")
    print(f"minipbx demo: SIP server {args.sip_addr}:{args.sip_port} (UDP or TCP), realm "
          f"{get_setting(db, 'sip_realm')}")
    if credentials.exists():
        print("Register a softphone (e.g. Linphone, MicroSIP, Zoiper) with one of these accounts:")
        for line in credentials.read_text().splitlines():
            number, password, name = line.split(" ", 2)
            print(f"  user {number}  password {password}  ({name})")
        print(f"then dial another number; unanswered calls go to voicemail, *97 plays it back. "
              f"The list is kept in {credentials}.")
    else:
        print("This data directory already has extensions; see `minipbx ext list`.")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    options = RunOptions(data_dir=args.data, board_path=args.board, sip_addr=args.sip_addr,
                         sip_port=args.sip_port, rtp_base=args.rtp_base, gateway=not args.no_gateway,
                         http=None if args.no_http else HttpOptions(args.http_addr, args.http_port))
    return asyncio.run(run(options))


def cmd_status(args: argparse.Namespace) -> int:
    status = ask(args.data.resolve() / "run" / "control.sock", "status")
    if args.json:
        print(json.dumps(status, indent=2))
        return 0
    edge = status["edge"]
    workers = status["workers"]
    assert isinstance(edge, dict) and isinstance(workers, list)
    print(f"minipbx running (pid {status['pid']}, up {status['uptime_s']} s), SIP on {status['sip']}")
    print(f"edge: {'up' if edge['up'] else 'DOWN'} (pid {edge['pid']})")
    up = sum(1 for w in workers if w["up"])
    print(f"call workers: {up} of {len(workers)} up")
    for w in workers:
        print(f"  worker {w['number']}: {'up' if w['up'] else 'DOWN'} pid {w['pid']} calls {w['calls']} "
              f"restarts {w['restarts']}")
    regs = status["registrations"]
    assert isinstance(regs, list)
    print(f"registrations: {len(regs)}")
    for r in regs:
        print(f"  {r['extension']}  {r['contact']}  {r['user_agent']}")
    gateway = status.get("gateway")
    if isinstance(gateway, dict):
        ports = gateway["ports"]
        print(f"line gateway: {'up' if gateway['up'] else 'DOWN'} (pid {gateway['pid']}), {len(ports)} ports")
        for p in ports:
            hook = "" if "off_hook" not in p else (" off hook" if p["off_hook"] else " on hook")
            fault = f"  FAULT: {p['fault']}" if p.get("fault") else ""
            print(f"  {p['device']:8} ext {p.get('extension', '?'):6} "
                  f"{'registered' if p['registered'] else 'NOT registered'}  {p['state']}{hook}{fault}")
    sync = status.get("directory_sync")
    if isinstance(sync, dict):
        counts = ", ".join(f"{v} {k}" for k, v in sync["counts"].items() if v) or "no changes"
        print(f"directory sync: {sync['at']} {counts if sync['ok'] else 'FAILED: ' + str(sync['error'])}")
    http = status.get("http")
    if isinstance(http, dict):
        print(f"HTTP API: {'up' if http['up'] else 'DOWN'} (pid {http['pid']}) on {http['url']}, "
              f"restarts {http['restarts']}")
    calls = status["active_calls"]
    assert isinstance(calls, list)
    print(f"active calls: {len(calls)}")
    for c in calls:
        print(f"  {c['caller']} -> {c['called']}  {c['state']}  worker {c['worker']}")
    return 0 if edge["up"] and up == len(workers) else 3


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port {text!r} is not a number; use 1-65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range; use 1-65535")
    return port


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistyped command gets one line like every other error (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"minipbx: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minipbx", description="Office telephone exchange")
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="data directory holding the database, logs and runtime files (default ./data)")
    sub = parser.add_subparsers(dest="command", required=True)

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

    runp = sub.add_parser("run", help="run the PBX in the foreground")
    runp.add_argument("--board", type=Path, default=Path("boards/sim.toml"))
    runp.add_argument("--sip-addr", default="127.0.0.1", help="address phones register to (default 127.0.0.1)")
    runp.add_argument("--sip-port", type=_port, default=5060)
    runp.add_argument("--rtp-base", type=_port, default=20000, help="first RTP port of the call workers")
    runp.add_argument("--no-gateway", action="store_true", help="leave the board's ports alone (SIP phones only)")
    runp.add_argument("--http-addr", default="127.0.0.1",
                      help="address of the HTTP API (default 127.0.0.1; any other address is served over HTTPS)")
    runp.add_argument("--http-port", type=_port, default=8080, help="port of the HTTP API (default 8080)")
    runp.add_argument("--no-http", action="store_true", help="do not start the HTTP API")
    runp.add_argument("-v", "--verbose", action="store_true")
    runp.set_defaults(func=cmd_run)

    st = sub.add_parser("status", help="show what runs: edge, workers, registrations, calls")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    cfg = sub.add_parser("config", help="show or change settings")
    cfg.add_argument("action", choices=["list", "get", "set"], nargs="?", default="list")
    cfg.add_argument("key", nargs="?")
    cfg.add_argument("value", nargs="?")
    cfg.set_defaults(func=cmd_config)

    cdr = sub.add_parser("cdr", help="recent call detail records")
    cdr.add_argument("--limit", type=int, default=20)
    cdr.add_argument("--json", action="store_true")
    cdr.set_defaults(func=cmd_cdr)

    demo = sub.add_parser("demo-seed", help="create demo extensions 101-104 and print how to register")
    demo.add_argument("--sip-addr", default="127.0.0.1")
    demo.add_argument("--sip-port", type=_port, default=5060)
    demo.set_defaults(func=cmd_demo_seed)
    routing_commands.add_parsers(sub)
    prompt_commands.add_parsers(sub)
    icm_commands.add_parsers(sub)
    callapp_commands.add_parsers(sub)
    callcontrol_commands.add_parsers(sub)
    voicemail_commands.add_parsers(sub)
    ldap_commands.add_parsers(sub)
    phonebook_commands.add_parsers(sub)
    api_commands.add_parsers(sub)
    sim.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except USER_ERRORS as exc:
        print(f"minipbx: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
