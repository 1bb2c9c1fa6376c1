"""/api/departments: each department with its extensions; needs `extensions` or `reports` (a report
picks a department to filter the call records and statistics by)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from firmware.access.permissions import Permission
from firmware.admin import departments
from firmware.api.auth import Who, admin_for, forbidden
from firmware.api.database import Db

router = APIRouter(prefix="/api/departments", tags=["extensions"])


@router.get("", response_model=list[departments.Department])
def list_departments(who: Who, db: Db, request: Request) -> list[departments.Department]:
    if not who.may(Permission.EXTENSIONS) and not who.may(Permission.REPORTS):
        raise forbidden(who, Permission.REPORTS)
    return departments.list_all(admin_for(who, db, request))
