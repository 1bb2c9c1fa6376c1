"""`minipbx icm set|list|remove|lookup`: returning-caller destinations (`icm:NAME`)."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from typing import Any

from firmware.apps.icm.config import (
    IcmDestination,
    IcmError,
    get_icm,
    list_icm,
    masked_url,
    remove_icm,
    set_icm,
)
from firmware.apps.icm.lookup import area_code_for, caller_number, find_employee
from firmware.store.database import open_store
from firmware.store.extensions import get_extension

ICM_ERRORS = (IcmError,)
# `icm lookup` exit code when no source names anybody (the call would go to the fallback).
NOBODY_FOUND = 3


def _source_text(source: str) -> str:
    return "the call records" if source == "cdr" else f"CRM {masked_url(source)}"


def describe(icm: IcmDestination, area_code: str) -> str:
    """One paragraph a person reads: what the destination does."""
    area = f"area code {area_code}" if area_code else "no area code"
    if not icm.area_code:
        area += " (from the area_code setting)"
    return "\n".join([
        f"icm:{icm.name}",
        f"  asks, in order: {', then '.join(_source_text(s) for s in icm.sources)}",
        f"  call records of the last {icm.days} days; each CRM lookup waits at most {icm.timeout_ms} ms",
        f"  never chosen: {', '.join(icm.exceptions) or 'nobody excluded'}",
        f"  the employee's forwarding is {'followed' if icm.follow_forwarding else 'ignored'}; "
        f"rings {icm.ring_seconds} s",
        f"  local numbers: {area}",
        f"  nobody found or no answer -> {icm.fallback}",
    ])


def cmd_icm_set(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    icm = set_icm(
        db, args.name, days=args.days, sources=args.sources, timeout_ms=args.timeout_ms,
        exceptions=args.exceptions, follow_forwarding=args.follow_forwarding, area_code=args.area_code,
        fallback=args.fallback, ring_seconds=args.ring_seconds,
    )
    print(describe(icm, area_code_for(db, icm)))
    return 0


def cmd_icm_list(args: argparse.Namespace) -> int:
    destinations = list_icm(open_store(args.data))
    if args.json:
        print(json.dumps([icm.public() for icm in destinations], indent=2))
        return 0
    rows = [[icm.name, ", ".join(icm.shown_sources), str(icm.days), str(icm.timeout_ms),
             ",".join(icm.exceptions) or "-", "follow" if icm.follow_forwarding else "ignore",
             icm.area_code or "(setting)", icm.fallback, str(icm.ring_seconds)] for icm in destinations]
    header = ["NAME", "SOURCES (in order)", "DAYS", "TIMEOUT MS", "EXCEPT", "FORWARDING", "AREA CODE",
              "FALLBACK", "RING S"]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_icm_remove(args: argparse.Namespace) -> int:
    remove_icm(open_store(args.data), args.name)
    print(f"icm:{args.name} removed")
    return 0


def cmd_icm_lookup(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    icm = get_icm(db, args.name)
    if icm is None:
        raise IcmError(f"returning-caller destination {args.name!r} does not exist; see `icm list`")
    number = caller_number(db, icm, args.number)
    if number is None:
        print(f"{args.number!r} is not a phone number (anonymous or malformed): nobody to look up; "
              f"the call goes to {icm.fallback}")
        return NOBODY_FOUND
    others = sorted(number.forms - {number.canonical})
    print(f"number {number.canonical}" + (f" (also matched as {', '.join(others)})" if others else ""))
    # Why each source gave nothing is logged; an installer wants to see it here.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("  %(message)s"))
    logger = logging.getLogger("firmware.apps.icm")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        found = asyncio.run(find_employee(db, icm, args.number))
    finally:
        logger.removeHandler(handler)
    if found is None:
        print(f"nobody found; the call goes to {icm.fallback}")
        return NOBODY_FOUND
    extension = get_extension(db, found.extension)
    name = f" ({extension.name})" if extension is not None else ""
    forwarding = "with" if icm.follow_forwarding else "without"
    print(f"{found.extension}{name}, from {_source_text(found.source)}; rings {icm.ring_seconds} s "
          f"{forwarding} the employee's forwarding, then {icm.fallback}")
    return 0


def add_parsers(sub: Any) -> None:
    icm = sub.add_parser("icm", help="returning callers: to the employee who last talked with them").add_subparsers(
        dest="icm_command", required=True)
    iset = icm.add_parser("set", help="create or change a returning-caller destination (icm:NAME)",
                          description="Options left out keep their current value (a new destination: "
                                      "the default).")
    iset.add_argument("name")
    iset.add_argument("--days", type=int, help="how far back the call records are searched (1-3650, default 30)")
    iset.add_argument("--source", dest="sources", action="extend", nargs="+", metavar="cdr|URL",
                      help="where to look, in order: cdr (the call records) or a CRM URL with {number} "
                           "(default: cdr)")
    iset.add_argument("--timeout-ms", type=int, help="longest wait for each CRM lookup (100-10000, default 1500)")
    iset.add_argument("--except", dest="exceptions", action="extend", nargs="+", metavar="EXT",
                      help="extensions never chosen this way ('' = none)")
    forwarding = iset.add_mutually_exclusive_group()
    forwarding.add_argument("--follow-forwarding", dest="follow_forwarding", action="store_true", default=None,
                            help="the employee's forwarding applies")
    forwarding.add_argument("--ignore-forwarding", dest="follow_forwarding", action="store_false",
                            help="ring the employee's own phones only (default)")
    iset.add_argument("--area-code", help="put before local numbers, e.g. 030 or +4930 ('' = the area_code setting)")
    iset.add_argument("--fallback", help="destination when nobody is found or answers (default hangup)")
    iset.add_argument("--ring-seconds", type=int, help="how long the employee rings (5-300, default 20)")
    iset.set_defaults(func=cmd_icm_set)
    lst = icm.add_parser("list", help="returning-caller destinations")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_icm_list)
    rm = icm.add_parser("remove", help="delete a returning-caller destination no route uses")
    rm.add_argument("name")
    rm.set_defaults(func=cmd_icm_remove)
    look = icm.add_parser("lookup", help="who a caller would reach, and from which source (exit 3: nobody)")
    look.add_argument("name")
    look.add_argument("number", help="the caller's number as the line presents it")
    look.set_defaults(func=cmd_icm_lookup)
