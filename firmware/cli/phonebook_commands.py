"""`minipbx phonebook add|remove|list|export|lookup`: the desk phones' company phonebook."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from firmware.cli.user_errors import reported
from firmware.directory.phonebook import (
    FORMATS,
    LABELS,
    PhonebookError,
    add_contact,
    caller_name,
    contacts,
    remove_contact,
)
from firmware.store.database import open_store

_one_line = reported(PhonebookError)


def cmd_add(args: argparse.Namespace) -> int:
    add_contact(open_store(args.data), args.name, args.number, args.label)
    print(f"{args.name} ({args.label} {args.number}) added to the phonebook")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    count = remove_contact(open_store(args.data), args.name, args.number)
    print(f"{args.name}: {count} number(s) removed from the phonebook")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    entries = contacts(open_store(args.data))
    if args.json:
        print(json.dumps([e.__dict__ for e in entries], indent=2))
        return 0
    for entry in entries:
        numbers = ", ".join(f"{label} {number}" for label, number in entry.numbers)
        extra = " / ".join(x for x in (entry.title, entry.department) if x)
        print(f"{entry.name:32} {numbers}{'  (' + extra + ')' if extra else ''}{'  [shared]' if entry.shared else ''}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    sys.stdout.buffer.write(FORMATS[args.format](contacts(open_store(args.data))))
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    name = caller_name(open_store(args.data), args.number)
    if name is None:
        print(f"{args.number}: not in the phonebook")
        return 3
    print(name)
    return 0


def add_parsers(sub: Any) -> None:
    book = sub.add_parser("phonebook", help="the desk phones' company phonebook").add_subparsers(
        dest="phonebook_command", required=True)
    add = book.add_parser("add", help="add a shared external contact")
    add.add_argument("name")
    add.add_argument("number", help="an outside number as written, without the outside-line code")
    add.add_argument("--label", default="work", choices=LABELS)
    add.set_defaults(func=_one_line(cmd_add))
    rm = book.add_parser("remove", help="remove a shared contact (all its numbers, or one)")
    rm.add_argument("name")
    rm.add_argument("number", nargs="?")
    rm.set_defaults(func=_one_line(cmd_remove))
    ls = book.add_parser("list", help="everyone the phones see")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_one_line(cmd_list))
    ex = book.add_parser("export", help="the phonebook as a phone reads it")
    ex.add_argument("--format", choices=sorted(FORMATS), default="yealink")
    ex.set_defaults(func=_one_line(cmd_export))
    lk = book.add_parser("lookup", help="the name shown for an outside caller's number")
    lk.add_argument("number")
    lk.set_defaults(func=_one_line(cmd_lookup))
