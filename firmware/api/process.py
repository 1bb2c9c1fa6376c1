"""The API process as a child of the brain: started after the control socket, restarted if it dies.

Its own process, so a slow or crashing request never holds up the brain's event loop
(call handling); it reaches the brain only through the control socket and the database.
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from firmware.process.child import Child

log = logging.getLogger("minipbx.api")
_MAX_BACKOFF = 10.0


class HttpPortError(RuntimeError):
    """The HTTP port cannot be used; the message says which and what to do."""


@dataclass(frozen=True)
class HttpOptions:
    addr: str
    port: int
    # The appliance's second listener: HTTPS on the LAN address, while `addr` stays loopback HTTP.
    https_addr: str | None = None
    https_port: int = 443

    @property
    def tls(self) -> bool:
        """HTTP only on loopback; any other address is served over HTTPS."""
        try:
            return not ipaddress.ip_address(self.addr).is_loopback
        except ValueError:
            return self.addr != "localhost"

    @property
    def listeners(self) -> list[tuple[str, int, bool]]:
        """(address, port, HTTPS) of each socket the API serves."""
        found = [(self.addr, self.port, self.tls)]
        if self.https_addr is not None:
            found.append((self.https_addr, self.https_port, True))
        return found

    @property
    def urls(self) -> list[str]:
        return [f"{'https' if tls else 'http'}://{f'[{addr}]' if ':' in addr else addr}:{port}"
                for addr, port, tls in self.listeners]

    @property
    def url(self) -> str:
        return self.urls[0]


def check_http_port_free(options: HttpOptions) -> None:
    for addr, port, tls in options.listeners:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((addr, port))
            except OSError as exc:
                which = ("HTTPS port", "--https-port") if options.https_addr == addr and tls else \
                    ("HTTP port", "--http-port")
                raise HttpPortError(f"{which[0]} {addr}:{port} cannot be used ({exc.strerror}); "
                                    f"give another with {which[1]}, or --no-http") from None


class ApiServer:
    def __init__(self, options: HttpOptions, data_dir: Path, log_dir: Path, admin_pin_dir: Path | None = None) -> None:
        self.options = options
        argv = [sys.executable, "-m", "firmware.api", "--data", str(data_dir), "--addr", options.addr,
                "--port", str(options.port), *(["--tls"] if options.tls else []),
                *(["--https-addr", options.https_addr, "--https-port", str(options.https_port)]
                  if options.https_addr is not None else []),
                *(["--admin-pin-dir", str(admin_pin_dir)] if admin_pin_dir else [])]
        self.child = Child("api", argv, log_dir / "api.log")
        self.restarts = 0

    async def start(self) -> None:
        await self.child.start()
        log.info("HTTP API on %s (pid %s)", ", ".join(self.options.urls), self.child.pid)

    async def watch(self, stopping: asyncio.Event) -> None:
        """Restart the API whenever it exits, backing off while it keeps dying at once."""
        delay = 0.5
        while not stopping.is_set():
            started = time.monotonic()
            code = await self.child.wait()
            if stopping.is_set():
                return
            log.error("the HTTP API exited with code %s; restarting it (see logs/api.log)", code)
            delay = 0.5 if time.monotonic() - started > 10 else min(_MAX_BACKOFF, delay * 2)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            if stopping.is_set():
                return
            await self.child.start()
            self.restarts += 1

    def status(self) -> dict[str, object]:
        return {"up": self.child.running, "pid": self.child.pid, "url": self.options.url,
                "urls": self.options.urls, "restarts": self.restarts}

    async def stop(self) -> None:
        await self.child.stop()
