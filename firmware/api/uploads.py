"""Audio files sent as a request body (a greeting, music on hold): written to disk as they arrive.

BodyLimit (limits.py) stops a body past the path's limit; the body never sits in memory whole.
"""
from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request

from firmware.prompts.upload import prompts_dir

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


def refusal_name(filename: str) -> str:
    """How a refusal names the file: as the person's computer called it, not the temporary path."""
    return f"the upload {filename!r}" if filename else "the upload"
