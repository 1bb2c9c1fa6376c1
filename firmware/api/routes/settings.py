"""/api/settings: the same keys and rules as `minipbx config` (needs `settings`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict

from firmware.access.permissions import Permission
from firmware.admin import settings
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/settings", tags=["settings"])
May = Annotated[Principal, Depends(require(Permission.SETTINGS))]


class SettingValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str


@router.get("", response_model=list[settings.SettingView])
def list_settings(who: May, db: Db, request: Request) -> list[settings.SettingView]:
    return settings.list_all(admin_for(who, db, request))


@router.get("/{key}", response_model=settings.SettingView)
def get_setting(key: str, who: May, db: Db, request: Request) -> settings.SettingView:
    return settings.get(admin_for(who, db, request), key)


@router.put("/{key}", response_model=settings.SettingView)
def set_setting(key: str, body: SettingValue, who: May, db: Db, request: Request) -> settings.SettingView:
    return settings.change(admin_for(who, db, request), key, body.value)
