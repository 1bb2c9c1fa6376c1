"""Serving one app on several sockets from one process: on the appliance, plain HTTP on loopback
(the box's own tools, `minipbx` commands that ask the API) and HTTPS on the LAN address.

One process rather than one per listener: a Pi's memory holds one copy of the app, and the
webhook sender (the app's lifespan) runs once. uvicorn's servers each catch SIGTERM and SIGINT and
put their own handler back on the way out; here one handler stops them all.
"""
from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI


@dataclass(frozen=True)
class Listener:
    addr: str
    port: int
    cert: Path | None = None  # with its key: HTTPS
    key: Path | None = None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # The signals are handled once for every listener, in serve().
        yield


def serve(app: FastAPI, listeners: list[Listener]) -> None:
    servers = [_Server(uvicorn.Config(
        app, host=listener.addr, port=listener.port, log_level="info", server_header=False,
        # The app's lifespan (the webhook sender) belongs to the first listener only.
        lifespan="auto" if n == 0 else "off",
        ssl_certfile=str(listener.cert) if listener.cert else None,
        ssl_keyfile=str(listener.key) if listener.key else None)) for n, listener in enumerate(listeners)]

    async def run_all() -> None:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            for server in servers:
                server.should_exit = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        tasks = [asyncio.create_task(server.serve()) for server in servers]
        # A listener that could not start (its port taken since the brain checked it) stops the
        # others: the brain restarts the process and says why in the log.
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    asyncio.run(run_all())
