"""Departments: the `department` of the extensions, each with its members. A department exists while
one of its extensions does (`ext add/set --department`, PATCH /api/extensions/{n}); renaming one
moves all its extensions at once (`minipbx dept rename`, PUT /api/departments/{name})."""
from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.store.database import write_transaction
from firmware.store.extensions import ExtensionError

_NOT_IN_A_NAME = re.compile(r'["<>\x00-\x1f\x7f]')
MAX_NAME = 64


class Member(BaseModel):
    number: str
    name: str


class Department(BaseModel):
    name: str
    members: list[Member]


class DepartmentRename(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description=f"the new name, up to {MAX_NAME} characters without quotes or <>; an existing "
                                  "department's name merges the two")


def list_all(admin: Admin) -> list[Department]:
    departments: dict[str, list[Member]] = {}
    for department, number, name in admin.db.execute(
            "SELECT department, number, name FROM extensions WHERE department IS NOT NULL AND department != '' "
            "ORDER BY department, number").fetchall():
        departments.setdefault(str(department), []).append(Member(number=str(number), name=str(name)))
    return [Department(name=name, members=members) for name, members in departments.items()]


def get(admin: Admin, name: str) -> Department:
    found = [d for d in list_all(admin) if d.name == name]
    if not found:
        known = ", ".join(d.name for d in list_all(admin)) or "none yet"
        raise NotFound(f"department {name!r} does not exist (no extension is in it); the departments are: {known}")
    return found[0]


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or _NOT_IN_A_NAME.search(name):
        raise ExtensionError(f"department name {name!r} is not accepted; use 1-{MAX_NAME} characters without "
                             "quotes or <>")
    return name


def rename(admin: Admin, name: str, change: DepartmentRename) -> Department:
    """Every extension of department `name` into `change.name` (which may exist: they merge)."""
    get(admin, name)
    new_name = check_name(change.name)
    with write_transaction(admin.db):
        admin.db.execute("UPDATE extensions SET department = ? WHERE department = ?", [new_name, name])
    admin.audit("department.rename", name=name, to=new_name)
    return get(admin, new_name)
