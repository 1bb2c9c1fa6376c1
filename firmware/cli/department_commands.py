"""`minipbx dept list|rename`: departments (the extensions' `department`, firmware/admin/departments.py)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import departments
from firmware.admin.context import Admin
from firmware.cli.table import print_table
from firmware.store.database import open_store


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data, create=False), args.data)


def cmd_list(args: argparse.Namespace) -> int:
    found = departments.list_all(_admin(args))
    if args.json:
        print(json.dumps([d.model_dump() for d in found], indent=2))
    elif not found:
        print("no departments: give extensions one with `ext set NUMBER --department NAME`")
    else:
        print_table([[d.name, ", ".join(f"{m.number} {m.name}" for m in d.members)] for d in found],
                    ["DEPARTMENT", "EXTENSIONS"])
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    renamed = departments.rename(_admin(args), args.name, departments.DepartmentRename(name=args.new_name))
    print(f"department {args.name} is now {renamed.name}: {', '.join(m.number for m in renamed.members)}")
    return 0


def add_parsers(sub: Any) -> None:
    dept = sub.add_parser("dept", help="departments: the extensions' department").add_subparsers(
        dest="dept_command", required=True)
    dlist = dept.add_parser("list", help="every department with its extensions")
    dlist.add_argument("--json", action="store_true")
    dlist.set_defaults(func=cmd_list)
    rename = dept.add_parser("rename", help="rename a department (all its extensions move; an existing name merges)")
    rename.add_argument("name")
    rename.add_argument("new_name")
    rename.set_defaults(func=cmd_rename)
