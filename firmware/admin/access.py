"""Users and roles: custom roles, the admin account's web password, API keys for integrations."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.access import permissions as perms
from firmware.access import tokens
from firmware.access.web_passwords import ADMIN_LOGIN, set_web_password
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.admin.extensions import NewSecret
from firmware.store.passwords import generate_password


class RoleView(BaseModel):
    name: str
    permissions: list[str]
    built_in: bool


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    permissions: list[str] = Field(description=f"any of: {', '.join(p.value for p in perms.Permission)}")


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(examples=["crm"])
    permissions: list[str] = Field(examples=[["reports", "live_calls"]])


class KeyView(BaseModel):
    name: str
    permissions: list[str]
    created_at: str
    created_by: str


class CreatedKey(BaseModel):
    key: KeyView
    token: str = Field(description="shown once; send as `Authorization: Bearer TOKEN`")


def _names(permissions: frozenset[perms.Permission]) -> list[str]:
    return [p.value for p in perms.Permission if p in permissions]


def roles(admin: Admin) -> list[RoleView]:
    built = [RoleView(name=n, permissions=_names(p), built_in=True) for n, p in perms.BUILTIN_ROLES.items()]
    return built + [RoleView(name=n, permissions=_names(p), built_in=False)
                    for n, p in perms.custom_roles(admin.db).items()]


def set_role(admin: Admin, name: str, change: RoleChange) -> RoleView:
    chosen = perms.parse_permissions(change.permissions)
    perms.set_role(admin.db, name, chosen)
    admin.audit("role.set", name=name, permissions=perms.format_permissions(chosen))
    return RoleView(name=name, permissions=_names(chosen), built_in=False)


def remove_role(admin: Admin, name: str) -> None:
    perms.remove_role(admin.db, name)
    admin.audit("role.remove", name=name)


def set_admin_password(admin: Admin, password: str | None = None) -> NewSecret:
    """The appliance's admin account (login 'admin', every permission)."""
    chosen = generate_password() if password is None else password
    set_web_password(admin.db, ADMIN_LOGIN, chosen)
    admin.audit("admin.web_password")
    return NewSecret(secret=chosen, generated=password is None)


def _key_view(key: tokens.ApiKey) -> KeyView:
    return KeyView(name=key.name, permissions=_names(key.permissions), created_at=key.created_at,
                   created_by=key.created_by)


def create_key(admin: Admin, new: NewKey) -> CreatedKey:
    chosen = perms.parse_permissions(new.permissions)
    token = tokens.create_key(admin.db, new.name, chosen, admin.actor.who)
    admin.audit("api_key.create", name=new.name, permissions=perms.format_permissions(chosen))
    [key] = [k for k in tokens.list_keys(admin.db) if k.name == new.name]
    return CreatedKey(key=_key_view(key), token=token)


def keys(admin: Admin) -> list[KeyView]:
    return [_key_view(k) for k in tokens.list_keys(admin.db)]


def revoke_key(admin: Admin, name: str) -> None:
    if not tokens.revoke_key(admin.db, name):
        raise NotFound(f"API key {name} does not exist; see `minipbx api key list`")
    admin.audit("api_key.revoke", name=name)
