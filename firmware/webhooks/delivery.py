"""Sending what the outbox holds (runs in the API process, never in the brain)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path

import httpx

from firmware.store.database import connect, db_path
from firmware.webhooks import outbox
from firmware.webhooks.signing import signature

log = logging.getLogger("minipbx.webhooks")
POLL_SECONDS = 0.5
TIMEOUT_SECONDS = 5.0


async def deliver_one(client: httpx.AsyncClient, delivery: outbox.Delivery) -> str:
    """'' when the receiver took it (2xx), else why not."""
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
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            while not stopping.is_set():
                batch: list[outbox.Delivery] = []
                try:
                    batch = await asyncio.to_thread(outbox.due, db)
                    results = await asyncio.gather(*(deliver_one(client, d) for d in batch))
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
        db.conn.close()
