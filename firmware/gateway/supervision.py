"""The brain's side of the line gateway: start the line host and as many SIP agents
as it asks for, restart whichever dies, and ask the host what its ports do.

The host owns the hardware; agents connect to its socket (run/gateway.sock) and
get their ports from it, so an agent or the host can be restarted on its own: a
restarted agent is given the same ports again, and while the host is away agents
exit and are started again until it is back.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware.edge.ports import free_udp_port
from firmware.gateway import brain_link
from firmware.gateway.brain_link import DectPair, DectRemove, OpenDoor, PanelLeds, PanelReport, StatusRequest, ToHost
from firmware.gateway.wire import socket_path
from firmware.process.child import Child
from hal.board.model import Board

log = logging.getLogger("minipbx.gateway")

RTP_PORTS_PER_AGENT = 40
# The line host and its SIP agents start pjsua2 too: as slow as a call worker.
GATEWAY_START_SECONDS = 90.0
_STATUS_TIMEOUT = 3.0
_MAX_BACKOFF = 10.0
_QUICK_CRASH = 10.0


def board_has_ports(board: Board) -> bool:
    return bool(board.fxs or board.fxo or board.dect or board.doors or board.paging)


@dataclass(frozen=True)
class GatewayPlan:
    data_dir: Path
    board_path: Path
    log_dir: Path
    edge: str  # host:port the agents register to
    rtp_base: int


class _Supervised:
    """One child process and its restart back-off."""

    def __init__(self, child: Child) -> None:
        self.child = child
        self.started_at = 0.0
        self.restarts = 0
        self.quick_crashes = 0

    def backoff(self) -> float:
        quick = time.time() - self.started_at < _QUICK_CRASH
        self.quick_crashes = self.quick_crashes + 1 if quick else 0
        return float(min(_MAX_BACKOFF, 0.2 * 2 ** self.quick_crashes))


class LineGateway:
    def __init__(self, plan: GatewayPlan) -> None:
        self.plan = plan
        self.stopping = False
        self.host: _Supervised | None = None
        self.agents: dict[int, _Supervised] = {}
        self.ports: list[str] = []
        self._writer: asyncio.StreamWriter | None = None
        self._hello: asyncio.Future[dict[str, Any]] | None = None
        self._status: asyncio.Future[dict[str, Any]] | None = None
        self._status_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self._asked: dict[int, asyncio.Future[str]] = {}  # open_door/dect_pair/dect_remove id -> the host's answer
        self._request_ids = itertools.count(1)
        # The front panel (firmware/panel/service.py) hears the host's hello, buttons and devices down.
        self.on_panel: Callable[[PanelReport], None] | None = None

    # ---- start -----------------------------------------------------------------------
    async def start(self) -> None:
        """Start the host and its agents; a gateway that fails is logged and retried, the PBX runs on."""
        try:
            await self._start_host()
        except (OSError, RuntimeError) as exc:
            log.error("line gateway did not start: %s; retrying", exc)
            self._spawn(self._restart_host())

    async def _start_host(self) -> None:
        ours, theirs = socket.socketpair()
        plan = self.plan
        child = Child("gateway", [sys.executable, "-m", "firmware.gateway", "--data", str(plan.data_dir),
                                  "--board", str(plan.board_path), "--edge", plan.edge,
                                  "--brain-fd", str(theirs.fileno())],
                      plan.log_dir / "gateway.log", pass_fds=[theirs.fileno()])
        if self.host is None:
            self.host = _Supervised(child)
        else:
            self.host.child = child
        loop = asyncio.get_running_loop()
        self._hello = loop.create_future()
        try:
            await child.start()
        finally:
            theirs.close()
        self.host.started_at = time.time()
        reader, self._writer = await asyncio.open_unix_connection(sock=ours, limit=1 << 22)
        self._spawn(self._read_host(reader))
        try:
            hello = await asyncio.wait_for(asyncio.shield(self._hello), GATEWAY_START_SECONDS)
        except TimeoutError:
            await child.stop()
            raise RuntimeError(f"the line host did not start; see {child.log_path}") from None
        self.ports = [str(p) for p in hello.get("ports", [])]
        log.info("line gateway up (pid %s): %d ports, %s SIP agent(s)", child.pid, len(self.ports), hello["agents"])
        self._spawn(self._watch_host(child))
        await self._ensure_agents(int(hello["agents"]))

    async def _ensure_agents(self, count: int) -> None:
        for index in range(1, count + 1):
            if index not in self.agents:
                agent = _Supervised(self._agent_child(index))
                self.agents[index] = agent
                await self._run_agent(agent)

    def _agent_child(self, index: int) -> Child:
        plan = self.plan
        return Child(f"gateway-agent{index}",
                     [sys.executable, "-m", "firmware.gateway.agent", "--index", str(index),
                      "--host-socket", str(socket_path(plan.data_dir / "run")),
                      "--sip-port", str(free_udp_port()),
                      "--rtp-base", str(plan.rtp_base + (index - 1) * RTP_PORTS_PER_AGENT),
                      "--rtp-range", str(RTP_PORTS_PER_AGENT)],
                     plan.log_dir / f"gateway-agent{index}.log")

    async def _run_agent(self, agent: _Supervised) -> None:
        await agent.child.start()
        agent.started_at = time.time()
        self._spawn(self._watch_agent(agent))

    # ---- supervision ------------------------------------------------------------------
    async def _watch_agent(self, agent: _Supervised) -> None:
        code = await agent.child.wait()
        if self.stopping:
            return
        delay = agent.backoff()
        log.error("%s (pid %s) exited with %s; restarting it in %.1f s", agent.child.name, agent.child.pid,
                  code, delay)
        await asyncio.sleep(delay)
        if self.stopping:
            return
        agent.restarts += 1
        try:
            await self._run_agent(agent)
        except OSError as exc:
            log.error("restarting %s failed: %s", agent.child.name, exc)

    async def _watch_host(self, child: Child) -> None:
        code = await child.wait()
        if self.stopping:
            return
        log.error("the line host (pid %s) exited with %s; restarting it", child.pid, code)
        await self._restart_host()

    async def _restart_host(self) -> None:
        while not self.stopping:
            delay = self.host.backoff() if self.host else 0.5
            await asyncio.sleep(delay)
            if self.stopping:
                return
            try:
                await self._start_host()
                if self.host is not None:
                    self.host.restarts += 1
                return
            except (OSError, RuntimeError) as exc:
                log.error("line host restart failed: %s", exc)

    async def _read_host(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except (ConnectionError, ValueError):
                break
            if not line:
                break
            message = brain_link.parse(line, brain_link.FROM_HOST)
            if message is None:
                continue
            kind = message["type"]
            if kind in ("hello", "panel_button", "devices_down") and self.on_panel is not None:
                self.on_panel(message)  # type: ignore[arg-type]  # checked against FROM_HOST by its type
            if kind == "hello" and self._hello is not None and not self._hello.done():
                self._hello.set_result(message)
            elif kind == "agents":
                await self._ensure_agents(message["count"])
            elif kind == "status" and self._status is not None and not self._status.done():
                self._status.set_result(message["status"])
            elif kind == "dect_subscribed":
                log.info("DECT handset %s (IPUI %s) paired in cell %d as extension %s", message["port"],
                         message["ipui"], message["cell"], message["extension"])
            elif kind in ("door_opened", "dect_pairing", "dect_removed"):
                asked = self._asked.get(message["id"])
                if asked is not None and not asked.done():
                    asked.set_result(message["error"])
        if self._hello is not None and not self._hello.done():
            self._hello.set_exception(RuntimeError("the line host exited at start; see its log"))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---- the door locks ------------------------------------------------------------------
    async def open_door(self, name: str, seconds: int) -> str:
        """Ask the line host to open door `name`'s lock for `seconds`; '' when it did, else why not."""
        return await self._ask(lambda request: OpenDoor(type="open_door", id=request, door=name, seconds=seconds))

    async def dect_pair(self, seconds: int, extension: str) -> str:
        """Open the DECT subscription window for `seconds`; the next new handset gets `extension`
        ('' = the lowest free); '' when the window opened, else why not."""
        return await self._ask(lambda request: DectPair(type="dect_pair", id=request, seconds=seconds,
                                                        extension=extension))

    async def dect_remove(self, port: str) -> str:
        """Deregister the DECT handset on `port` from the module and drop its port; '' when done, else why not."""
        return await self._ask(lambda request: DectRemove(type="dect_remove", id=request, port=port))

    async def _ask(self, make: Callable[[int], ToHost]) -> str:
        """Send the request `make(id)` and wait for the host's {id, error} answer."""
        host = self.host
        if host is None or not host.child.running or self._writer is None:
            return "the line gateway is not running"
        request = next(self._request_ids)
        asked: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._asked[request] = asked
        try:
            self._writer.write(brain_link.encode(make(request)))
            return await asyncio.wait_for(asked, _STATUS_TIMEOUT)
        except (TimeoutError, ConnectionError):
            return "the line gateway did not answer"
        finally:
            self._asked.pop(request, None)

    async def restart_host(self) -> None:
        """Stop the line host; its watcher starts it again (it reads the ports' accounts at start).
        Returns once the agents of the old host have left too (they unregister as they go)."""
        if self.host is None or not self.host.child.running:
            return
        old = {index: agent.child.pid for index, agent in self.agents.items()}
        await self.host.child.stop()
        deadline = time.monotonic() + _STATUS_TIMEOUT * 3
        while time.monotonic() < deadline and any(
                agent.child.running and agent.child.pid == old.get(index) for index, agent in self.agents.items()):
            await asyncio.sleep(0.1)

    def show_panel_leds(self, leds: dict[str, str]) -> bool:
        """Send LED states to the host; False when it is not there to get them."""
        if self.host is None or not self.host.child.running or self._writer is None:
            return False
        self._writer.write(brain_link.encode(PanelLeds(type="panel_leds", leds=leds)))
        return True

    # ---- status ---------------------------------------------------------------------------
    async def status(self) -> dict[str, object]:
        host = self.host
        answer: dict[str, Any] = {}
        async with self._status_lock:
            if host is not None and host.child.running and self._writer is not None:
                self._status = asyncio.get_running_loop().create_future()
                try:
                    self._writer.write(brain_link.encode(StatusRequest(type="status")))
                    answer = await asyncio.wait_for(self._status, _STATUS_TIMEOUT)
                except (TimeoutError, ConnectionError, RuntimeError):
                    answer = {}
        connected = {int(a["index"]) for a in answer.get("agents", [])}
        return {
            "up": bool(host and host.child.running and answer),
            "pid": host.child.pid if host else None,
            "restarts": host.restarts if host else 0,
            "ports": answer.get("ports", [{"device": name, "registered": False, "state": "unknown"}
                                          for name in self.ports]),
            "devices": answer.get("devices", []),
            "dect": answer.get("dect", []),
            "agents": [{"index": index, "pid": agent.child.pid, "up": agent.child.running and index in connected,
                        "restarts": agent.restarts} for index, agent in sorted(self.agents.items())],
        }

    # ---- stop --------------------------------------------------------------------------------
    async def stop(self) -> None:
        self.stopping = True
        await asyncio.gather(*(agent.child.stop() for agent in self.agents.values()), return_exceptions=True)
        if self.host is not None:
            await self.host.child.stop()
        if self._writer is not None:
            self._writer.close()
        for task in list(self._tasks):
            task.cancel()
