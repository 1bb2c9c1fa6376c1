"""/api/roles, /api/keys, /api/audit: who may do what (needs `users`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from firmware.access.permissions import Permission, parse_permissions, role_permissions
from firmware.admin import access
from firmware.admin.context import AuditEntry, audit_log
from firmware.api.auth import Principal, admin_for, not_above, require
from firmware.api.database import Db

router = APIRouter(prefix="/api", tags=["users and roles"])
May = Annotated[Principal, Depends(require(Permission.USERS))]


@router.get("/roles", response_model=list[access.RoleView])
def list_roles(who: May, db: Db, request: Request) -> list[access.RoleView]:
    return access.roles(admin_for(who, db, request))


@router.put("/roles/{name}", response_model=access.RoleView, summary="create or change a custom role")
def set_role(name: str, change: access.RoleChange, who: May, db: Db, request: Request) -> access.RoleView:
    # Both the new set and the old one: changing a role also changes the rights of everyone who has it.
    not_above(who, parse_permissions(change.permissions) | role_permissions(db, name), f"role {name}")
    return access.set_role(admin_for(who, db, request), name, change)


@router.delete("/roles/{name}", status_code=204)
def remove_role(name: str, who: May, db: Db, request: Request) -> None:
    access.remove_role(admin_for(who, db, request), name)


@router.get("/keys", response_model=list[access.KeyView])
def list_keys(who: May, db: Db, request: Request) -> list[access.KeyView]:
    return access.keys(admin_for(who, db, request))


@router.post("/keys", response_model=access.CreatedKey, status_code=201,
             summary="create an API key for an integration; its token is returned once")
def create_key(new: access.NewKey, who: May, db: Db, request: Request) -> access.CreatedKey:
    not_above(who, parse_permissions(new.permissions), f"key {new.name}")
    return access.create_key(admin_for(who, db, request), new)


@router.delete("/keys/{name}", status_code=204)
def revoke_key(name: str, who: May, db: Db, request: Request) -> None:
    access.revoke_key(admin_for(who, db, request), name)


@router.get("/audit", summary="who changed what, from where; newest first")
def audit(who: May, db: Db, limit: Annotated[int, Query(ge=1, le=1000)] = 50,
          offset: Annotated[int, Query(ge=0)] = 0) -> list[AuditEntry]:
    return audit_log(db, limit, offset)
