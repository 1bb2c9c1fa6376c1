"""`minipbx run`, `status` and `demo-seed`: the PBX itself and what runs.

`status` is what an installer types on a slow box (and the console runs it), so this
module imports only the control socket's client; `run` and `demo-seed` import what
they need when they are asked for.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
from pathlib import Path
from typing import Any

from firmware.brain.control import ControlError, ask

DEMO_EXTENSIONS = (("101", "Reception"), ("102", "Sales"), ("103", "Support"), ("104", "Manager"))
DEMO_CREDENTIALS = "demo-credentials.txt"
DEMO_ADMIN_PIN = "demo-admin-pin.txt"
# What `status` can fail with; main.py checks these before importing every module's errors.
CLI_ERRORS = (ControlError,)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    """Create the demo extensions once and print how to register a softphone."""
    from firmware.apps.forwarding.config import set_forwarding
    from firmware.store.database import open_store
    from firmware.store.extensions import add_extension, list_extensions
    from firmware.store.settings import get_setting

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
    pin = _demo_admin_pin(args.data)
    print(f"Admin PIN {pin}: dial *99 from a phone to program the box from its keypad. "
          f"Kept in {args.data / DEMO_ADMIN_PIN}.")
    return 0


def _demo_admin_pin(data: Path) -> str:
    """The demo's admin PIN, generated once as first boot generates the appliance's (never a fixed
    default) and stored hashed where `make run` points the PBX (--admin-pin-dir DATA/appliance);
    the plain PIN is kept beside the demo's SIP passwords, for the developer."""
    from firmware.appliance.credentials import PIN_FILE, generate_pin, store_admin_pin

    shown = data / DEMO_ADMIN_PIN
    if shown.exists() and (data / "appliance" / PIN_FILE).exists():
        return shown.read_text().strip()
    pin = generate_pin()
    (data / "appliance").mkdir(mode=0o700, parents=True, exist_ok=True)
    store_admin_pin(data / "appliance", pin)
    fd = os.open(shown, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(pin + "\n")
    return pin


def cmd_run(args: argparse.Namespace) -> int:
    from firmware.api.process import HttpOptions
    from firmware.brain.supervisor import RunOptions, run

    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    options = RunOptions(data_dir=args.data, board_path=args.board, sip_addr=args.sip_addr,
                         sip_port=args.sip_port, rtp_base=args.rtp_base, gateway=not args.no_gateway,
                         http=None if args.no_http else HttpOptions(args.http_addr, args.http_port,
                                                                    args.https_addr, args.https_port),
                         admin_pin_dir=args.admin_pin_dir)
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
        print(f"HTTP API: {'up' if http['up'] else 'DOWN'} (pid {http['pid']}) on "
              f"{', '.join(http.get('urls') or [http['url']])}, "
              f"restarts {http['restarts']}")
    calls = status["active_calls"]
    assert isinstance(calls, list)
    print(f"active calls: {len(calls)}")
    for c in calls:
        print(f"  {c['caller']} -> {c['called']}  {c['state']}  worker {c['worker']}")
    parked = status.get("parked")
    for slot in parked if isinstance(parked, list) else []:
        paged = f", paged to group {slot['paged']} (*86 takes it)" if slot.get("paged") else ""
        print(f"  parked at {slot['slot']} by {slot['parker']}{paged}")
    rooms = status.get("conferences")
    for room in rooms if isinstance(rooms, list) else []:
        who = ", ".join(str(m["who"]) for m in room["members"])
        print(f"  conference {room['room']}{' (locked)' if room['locked'] else ''}: {who}")
    return 0 if edge["up"] and up == len(workers) else 3


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port {text!r} is not a number; use 1-65535") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is out of range; use 1-65535")
    return port


def add_parsers(sub: Any) -> None:
    runp = sub.add_parser("run", help="run the PBX in the foreground")
    runp.add_argument("--board", type=Path, default=Path("boards/sim.toml"))
    runp.add_argument("--sip-addr", default="127.0.0.1", help="address phones register to (default 127.0.0.1)")
    runp.add_argument("--sip-port", type=_port, default=5060)
    runp.add_argument("--rtp-base", type=_port, default=20000, help="first RTP port of the call workers")
    runp.add_argument("--no-gateway", action="store_true", help="leave the board's ports alone (SIP phones only)")
    runp.add_argument("--http-addr", default="127.0.0.1",
                      help="address of the HTTP API (default 127.0.0.1; any other address is served over HTTPS)")
    runp.add_argument("--http-port", type=_port, default=8080, help="port of the HTTP API (default 8080)")
    runp.add_argument("--https-addr", default=None,
                      help="also serve the API over HTTPS on this address (the appliance: its LAN address), "
                           "while --http-addr stays plain HTTP on loopback")
    runp.add_argument("--https-port", type=_port, default=443, help="port of --https-addr (default 443)")
    runp.add_argument("--no-http", action="store_true", help="do not start the HTTP API")
    runp.add_argument("--admin-pin-dir", type=Path, default=None,
                      help="the folder of the admin PIN (admin-pin.json) keypad programming checks; default: "
                           "the appliance's, DATA/../appliance")
    runp.add_argument("-v", "--verbose", action="store_true")
    runp.set_defaults(func=cmd_run)

    st = sub.add_parser("status", help="show what runs: edge, workers, registrations, calls")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)

    demo = sub.add_parser("demo-seed", help="create demo extensions 101-104 and print how to register")
    demo.add_argument("--sip-addr", default="127.0.0.1")
    demo.add_argument("--sip-port", type=_port, default=5060)
    demo.set_defaults(func=cmd_demo_seed)
