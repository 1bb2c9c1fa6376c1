"""/api/webhooks: where call events are POSTed (needs `settings`)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from firmware.access.permissions import Permission
from firmware.admin import webhooks
from firmware.api.auth import Principal, admin_for, require
from firmware.api.database import Db

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
May = Annotated[Principal, Depends(require(Permission.SETTINGS))]


@router.get("", response_model=list[webhooks.WebhookView])
def list_webhooks(who: May, db: Db, request: Request) -> list[webhooks.WebhookView]:
    return webhooks.list_all(admin_for(who, db, request))


@router.post("", response_model=webhooks.CreatedWebhook, status_code=201,
             summary="subscribe a URL to call events; the signing secret is returned once")
def add_webhook(new: webhooks.NewWebhook, who: May, db: Db, request: Request) -> webhooks.CreatedWebhook:
    return webhooks.add(admin_for(who, db, request), new)


@router.delete("/{name}", status_code=204)
def remove_webhook(name: str, who: May, db: Db, request: Request) -> None:
    webhooks.remove(admin_for(who, db, request), name)


@router.get("/{name}/deliveries", response_model=list[webhooks.DeliveryView], summary="the delivery log")
def deliveries(name: str, who: May, db: Db, request: Request,
               limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[webhooks.DeliveryView]:
    return webhooks.deliveries(admin_for(who, db, request), name, limit)
