"""The desk phones' phonebook over HTTP (firmware/directory/phonebook.py): Yealink XML,
Grandstream XML and CSV. A phone logs in with its own SIP account (HTTP Basic), not with
an API token, so it is set up like a phone's provisioning URL."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from firmware.api.database import Db
from firmware.directory import phonebook

router = APIRouter(tags=["phonebook"])


@router.get("/phonebook/{name:path}", summary="the phonebook for desk phones (log in with the phone's SIP account)")
async def phone_book(name: str, request: Request, db: Db) -> Response:
    reply = await asyncio.to_thread(phonebook.serve, db, request.url.path, request.headers.get("authorization", ""))
    return Response(content=reply.body, status_code=reply.status, headers=dict(reply.headers))
