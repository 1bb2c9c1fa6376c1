"""Sending what the outbox holds (runs in the API process, never in the brain)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from firmware.store.database import connect, db_path
from firmware.webhooks import outbox
from firmware.webhooks.signing import signature

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("minipbx.webhooks")
POLL_SECONDS = 0.5
TIMEOUT_SECONDS = 5.0


async def deliver_one(client: httpx.AsyncClient, delivery: outbox.Delivery) -> str:
    """'' when the receiver took it (2xx), else why not."""
    import httpx

    stamp = str(int(time.time()))
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "X-Minipbx-Event": delivery.event,
               "X-Minipbx-Delivery": str(delivery.id), "X-Minipbx-Timestamp": stamp,
               "X-Minipbx-Signature": signature(delivery.secret, stamp, body)}
    try:
        answer = await client.post(delivery.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "" if 200 <= answer.status_code < 300 else f"HTTP {answer.status_code}"


async def run(data_dir: Path, stopping: asyncio.Event) -> None:
    """Deliver due rows until stopped; each receiver is tried concurrently, none waits for another."""
    db = connect(db_path(data_dir))
    # The HTTP client (and httpx, 3.5 MiB) only once something is to be sent: an office without
    # webhooks never loads it.
    client: httpx.AsyncClient | None = None
    try:
        while not stopping.is_set():
            batch: list[outbox.Delivery] = []
            try:
                batch = await asyncio.to_thread(outbox.due, db)
                if batch and client is None:
                    import httpx

                    client = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False)
                results = await asyncio.gather(*(deliver_one(client, d) for d in batch)) if client else []
                for delivery, error in zip(batch, results, strict=True):
                    if error:
                        log.info("webhook %s: delivery %d failed (%s); will retry", delivery.webhook,
                                 delivery.id, error)
                        await asyncio.to_thread(outbox.failed, db, delivery, error)
                    else:
                        await asyncio.to_thread(outbox.delivered, db, delivery)
            except Exception:
                log.exception("webhook delivery round failed")
            if not batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), POLL_SECONDS)
    finally:
        if client is not None:
            await client.aclose()
        db.conn.close()
