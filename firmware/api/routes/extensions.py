"""/api/extensions: the people and their phones.

Managing them needs `extensions`; a user may read their own, set their own SIP password,
and change their own forwarding and do-not-disturb.
"""
from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from firmware.access.permissions import Permission, role_permissions
from firmware.admin import dialing as dialing_admin
from firmware.admin import extensions, forwarding
from firmware.api.auth import Principal, Who, admin_for, forbidden, not_above
from firmware.api.database import Db

router = APIRouter(prefix="/api/extensions", tags=["extensions"])


class PasswordRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str | None = Field(default=None, description="omitted = a strong one is generated and returned once")


def _manage(who: Principal) -> None:
    if not who.may(Permission.EXTENSIONS):
        raise forbidden(who, Permission.EXTENSIONS)


def _own_or_manage(who: Principal, number: str) -> None:
    if not who.is_self(number):
        _manage(who)


def _not_above_role(who: Principal, db: Db, role: str) -> None:
    not_above(who, role_permissions(db, role), f"role {role}")


def _not_above_extension(who: Principal, db: Db, number: str) -> None:
    """Managing someone whose role holds more than one's own would be a way to their rights."""
    row = db.execute("SELECT role FROM extensions WHERE number = ?", [number]).fetchone()
    if row is not None:
        not_above(who, role_permissions(db, str(row[0])), f"extension {number} (role {row[0]})")


def _own_or_call_logic(who: Principal, number: str) -> None:
    if not who.is_self(number) and not who.may(Permission.CALL_LOGIC):
        raise forbidden(who, Permission.CALL_LOGIC)


@router.get("", response_model=list[extensions.ExtensionView])
def list_extensions(who: Who, db: Db, request: Request) -> list[extensions.ExtensionView]:
    _manage(who)
    return extensions.list_all(admin_for(who, db, request))


@router.post("", response_model=extensions.Created, status_code=201,
             summary="create an extension; a generated SIP password is returned once")
def add_extension(new: extensions.NewExtension, who: Who, db: Db, request: Request) -> extensions.Created:
    _manage(who)
    _not_above_role(who, db, new.role)
    return extensions.add(admin_for(who, db, request), new)


class ExtensionDetail(extensions.ExtensionView):
    dialing: dialing_admin.DialingView = Field(description="class of service (per mode), caller ID and lines")


@router.get("/{number}", response_model=ExtensionDetail)
def get_extension(number: str, who: Who, db: Db, request: Request) -> ExtensionDetail:
    _own_or_manage(who, number)
    admin = admin_for(who, db, request)
    return ExtensionDetail(**extensions.get(admin, number).model_dump(), dialing=dialing_admin.show(admin, number))


@router.patch("/{number}", response_model=extensions.ExtensionView)
def change_extension(number: str, change: extensions.ExtensionChange, who: Who, db: Db,
                     request: Request) -> extensions.ExtensionView:
    _manage(who)
    _not_above_extension(who, db, number)
    if change.role is not None:
        _not_above_role(who, db, change.role)
    return extensions.change(admin_for(who, db, request), number, change)


@router.delete("/{number}", status_code=204)
def remove_extension(number: str, who: Who, db: Db, request: Request) -> None:
    _manage(who)
    _not_above_extension(who, db, number)
    extensions.remove(admin_for(who, db, request), number)


@router.put("/{number}/sip-password", response_model=extensions.NewSecret)
def set_sip_password(number: str, body: PasswordRequest, who: Who, db: Db,
                     request: Request) -> extensions.NewSecret:
    _own_or_manage(who, number)
    if not who.is_self(number):
        _not_above_extension(who, db, number)
    return extensions.set_sip_password(admin_for(who, db, request), number, body.password)


@router.put("/{number}/web-password", response_model=extensions.NewSecret,
            summary="set the extension's web password (ends its sessions)")
def set_web_password(number: str, body: PasswordRequest, who: Who, db: Db,
                     request: Request) -> extensions.NewSecret:
    _manage(who)  # one's own: PUT /api/me/password, which asks for the current one
    _not_above_extension(who, db, number)
    return extensions.set_web_login(admin_for(who, db, request), number, body.password)


@router.get("/{number}/forwarding", response_model=forwarding.ForwardingView,
            summary="forwarding and do-not-disturb (one's own, or anyone's with `call_logic`)")
def get_forwarding(number: str, who: Who, db: Db, request: Request) -> forwarding.ForwardingView:
    _own_or_call_logic(who, number)
    return forwarding.show(admin_for(who, db, request), number)


@router.patch("/{number}/forwarding", response_model=forwarding.ForwardingView,
              summary="change forwarding or DND; the next call follows it")
def change_forwarding(number: str, change: forwarding.ForwardingChange, who: Who, db: Db,
                      request: Request) -> forwarding.ForwardingView:
    _own_or_call_logic(who, number)
    return forwarding.change(admin_for(who, db, request), number, change)

