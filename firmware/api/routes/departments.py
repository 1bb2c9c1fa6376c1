"""/api/departments: each department with its extensions; reading needs `extensions` or `reports` (a
report picks a department to filter the call records and statistics by), renaming `extensions`."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from firmware.access.permissions import Permission
from firmware.admin import departments
from firmware.api.auth import Principal, Who, admin_for, forbidden, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/departments", tags=["extensions"])
May = Annotated[Principal, Depends(require(Permission.EXTENSIONS))]


@router.get("", response_model=list[departments.Department])
def list_departments(who: Who, db: Db, request: Request) -> list[departments.Department]:
    if not who.may(Permission.EXTENSIONS) and not who.may(Permission.REPORTS):
        raise forbidden(who, Permission.REPORTS)
    return departments.list_all(admin_for(who, db, request))


@router.put("/{name}", response_model=departments.Department,
            summary="rename a department: all its extensions move (into an existing one: they merge)")
def rename_department(name: str, change: departments.DepartmentRename, who: May, db: Db,
                      request: Request) -> departments.Department:
    return departments.rename(admin_for(who, db, request), name, change)
