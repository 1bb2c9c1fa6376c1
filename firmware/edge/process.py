"""Kamailio as a supervised child of the brain."""
from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from firmware.edge.config import EdgeSettings, dispatcher_list, render
from firmware.edge.probe import options_ping
from firmware.process.child import Child

log = logging.getLogger("minipbx.edge")


# Kamailio answers OPTIONS within a second on a Pi; emulated and busy, within tens.
EDGE_START_SECONDS = 60.0


class EdgeError(RuntimeError):
    pass


def kamailio_binary() -> str:
    """The kamailio program: $MINIPBX_KAMAILIO if set (tests, a custom build), else the installed one."""
    override = os.environ.get("MINIPBX_KAMAILIO")
    if override:
        if not (os.path.isfile(override) and os.access(override, os.X_OK)):
            raise EdgeError(f"kamailio is not installed at {override} (MINIPBX_KAMAILIO names no executable "
                            "file); point MINIPBX_KAMAILIO at the kamailio program or unset it")
        return override
    found = shutil.which("kamailio") or next(
        (str(p) for p in (Path("/usr/sbin/kamailio"), Path("/usr/local/sbin/kamailio")) if p.exists()), None
    )
    if found is None:
        raise EdgeError("the kamailio program is not installed; install the Debian packages "
                        "kamailio, kamailio-sqlite-modules and kamailio-presence-modules (`make run` does this)")
    return found


# Kamailio's shared memory holds every transaction (for its wait time after the final reply),
# dialog and published busy lamp: at 80 calls a second 64 MB ran out ("out of mem" in tm, the
# next requests answered 500). Only the pages it touches are resident, so an idle edge costs
# the same with more (bench.idle); 256 MB carries the 120 calls a second make bench tries.
SHARED_MEMORY_MB = 256


class Edge:
    """Renders the config, runs Kamailio in the foreground and checks it answers."""

    def __init__(self, settings: EdgeSettings, log_dir: Path) -> None:
        self.settings = settings
        self.config_path = settings.run_dir / "kamailio.cfg"
        self.child = Child(
            "edge",
            [kamailio_binary(), "-f", str(self.config_path), "-DD", "-E", "-Y", str(settings.run_dir),
             "-P", str(settings.run_dir / "kamailio.pid"), "-m", str(SHARED_MEMORY_MB), "-M", "8"],
            log_dir / "edge.log",
        )
        self.started_at: float | None = None

    def write_config(self) -> None:
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        (self.settings.run_dir / "dispatcher.list").write_text(dispatcher_list(self.settings))
        self.config_path.write_text(render(self.settings))

    async def start(self, timeout: float = EDGE_START_SECONDS) -> None:
        self.write_config()
        # The port is free by now, so no edge of ours runs: a pid file left by a
        # power cut or kill -9 would only make Kamailio refuse to start.
        (self.settings.run_dir / "kamailio.pid").unlink(missing_ok=True)
        await self.child.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.child.running:
                code = await self.child.wait()
                raise EdgeError(
                    f"the edge (kamailio) exited with code {code} at start; see {self.child.log_path}"
                )
            if await self.answers():
                self.started_at = time.time()
                log.info("edge up on %s:%d (pid %s)", self.settings.sip_addr, self.settings.sip_port,
                         self.child.pid)
                return
        await self.child.stop()
        raise EdgeError(
            f"the edge did not answer SIP OPTIONS within {timeout:.0f} s; see {self.child.log_path}"
        )

    async def answers(self) -> bool:
        reply = await options_ping(self.settings.internal_host, self.settings.sip_port, timeout=0.3)
        return reply is not None and " 200 " in reply

    async def stop(self) -> None:
        await self.child.stop(timeout=10)
