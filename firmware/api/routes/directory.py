"""/api/directory: the directory sync's configuration (the bind password only as set or not)
and its log, newest first; reading them needs `settings`."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from firmware.access.permissions import Permission
from firmware.api.auth import Principal, require
from firmware.api.database import Db
from firmware.directory.config import load_config
from firmware.directory.sync import sync_log

router = APIRouter(prefix="/api/directory", tags=["directory"])
May = Annotated[Principal, Depends(require(Permission.SETTINGS))]


class SyncEntry(BaseModel):
    started_at: str
    finished_at: str
    trigger: str
    ok: bool
    counts: dict[str, int]
    error: str
    details: list[str]


class DirectoryView(BaseModel):
    config: dict[str, Any]
    last_sync: SyncEntry | None


@router.get("", response_model=DirectoryView, summary="configuration and the last sync")
def show(who: May, db: Db) -> DirectoryView:
    rows = sync_log(db, 1)
    return DirectoryView(config=load_config(db).public(),
                         last_sync=SyncEntry(**rows[0].__dict__) if rows else None)


@router.get("/log", response_model=list[SyncEntry], summary="the syncs, newest first")
def log(who: May, db: Db, limit: int = 20) -> list[SyncEntry]:
    return [SyncEntry(**row.__dict__) for row in sync_log(db, min(max(limit, 1), 500))]
