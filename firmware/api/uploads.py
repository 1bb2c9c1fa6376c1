"""Audio files sent as a request body (a greeting, music on hold): written to disk as they arrive.

BodyLimit (limits.py) stops a body past the path's limit; the body never sits in memory whole.
"""
from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from fastapi import Request

from firmware.prompts.upload import prompts_dir

T = TypeVar("T")
# A few minutes of CD-quality WAV; what is kept is converted to 8 kHz and capped by prompt_max_seconds.
MAX_UPLOAD_BYTES = 20 << 20


@asynccontextmanager
async def received_file(request: Request, data_dir: Path) -> AsyncIterator[Path]:
    """The request body as a temporary file in the prompts folder (the converter's folder, so that a
    full disk is found where the result would go); deleted afterwards, kept or refused."""
    folder = prompts_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    received = folder / f".upload-{secrets.token_hex(6)}.part"
    try:
        with received.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
        yield received
    finally:
        received.unlink(missing_ok=True)


async def store_body(request: Request, data_dir: Path, keep: Callable[[Path, str], T], filename: str) -> T:
    """Receive the body, then `keep(file, shown_as)` it off the event loop (sox converts it): `shown_as`
    names the file in a refusal as the person's computer called it, not by its temporary path."""
    async with received_file(request, data_dir) as received:
        return await asyncio.to_thread(keep, received, f"the upload {filename!r}" if filename else "the upload")
