"""The FastAPI application: routes, error bodies, the request size limit, OpenAPI at /api/openapi.json."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from firmware.api import errors
from firmware.api.config import ApiConfig
from firmware.api.limits import BodyLimit
from firmware.api.routes import (
    access,
    callers,
    calls,
    cdr,
    classes_of_service,
    conferences,
    dect,
    departments,
    destinations,
    dialing,
    directory,
    doors,
    events,
    extensions,
    inbound_routes,
    menus,
    metrics,
    modes,
    music,
    phonebook,
    pins,
    prompts,
    queues,
    recordings,
    ringgroups,
    session,
    settings,
    trunk_groups,
    trunks,
    voicemail,
    webhooks,
)
from firmware.api.uploads import MAX_UPLOAD_BYTES
from firmware.web import mount as web_pages
from firmware.webhooks import delivery


def create_app(config: ApiConfig) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Webhooks are sent from this process: a slow receiver holds up nothing in the brain.
        stopping = asyncio.Event()
        sender = asyncio.create_task(delivery.run(config.data_dir, stopping))
        try:
            yield
        finally:
            stopping.set()
            await asyncio.wait([sender], timeout=5)

    app = FastAPI(
        lifespan=lifespan,
        title="minipbx", version="1", description="The office PBX's HTTP API. See docs/http-api.md.",
        openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None,
    )
    app.state.config = config
    errors.install(app)
    for module in (session, extensions, settings, cdr, calls, events, modes, ringgroups, queues, trunks, access,
                   webhooks, metrics, phonebook, directory, recordings, conferences, classes_of_service,
                   inbound_routes, menus, doors, dect, pins, callers, dialing, trunk_groups,
                   departments, destinations, voicemail, prompts, music):
        app.include_router(module.router)

    @app.get("/api/health", tags=["session"], summary="the API answers (no login needed)")
    def health() -> dict[str, bool]:
        return {"ok": True}

    web_pages.install(app)
    app.add_middleware(BodyLimit, max_bytes=config.max_body_bytes,
                       uploads=((prompts.UPLOAD_PATH, MAX_UPLOAD_BYTES), (music.UPLOAD_PATH, MAX_UPLOAD_BYTES)))
    return app
