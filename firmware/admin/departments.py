"""Departments: the `department` of the extensions, each with its members. A department exists while
one of its extensions does (`ext add/set --department`, PATCH /api/extensions/{n})."""
from __future__ import annotations

from pydantic import BaseModel

from firmware.admin.context import Admin


class Member(BaseModel):
    number: str
    name: str


class Department(BaseModel):
    name: str
    members: list[Member]


def list_all(admin: Admin) -> list[Department]:
    departments: dict[str, list[Member]] = {}
    for department, number, name in admin.db.execute(
            "SELECT department, number, name FROM extensions WHERE department IS NOT NULL AND department != '' "
            "ORDER BY department, number").fetchall():
        departments.setdefault(str(department), []).append(Member(number=str(number), name=str(name)))
    return [Department(name=name, members=members) for name, members in departments.items()]
