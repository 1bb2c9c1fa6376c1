"""The line host's side of its SIP agents: who holds which ports, and the messages
and audio between them (wire format: wire.py).

Agent n (from 1) holds the ports in slots (n-1)*per_agent .. n*per_agent-1, so the
same ports always land on the same agent, also after it was restarted. An agent
that connects is told its ports' accounts; one that goes away takes its calls with it.
"""
from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from firmware.gateway import wire
from firmware.gateway.line import AgentLost, Line

log = logging.getLogger("minipbx.gateway.agents")


class AgentServer:
    def __init__(self, path: Path, per_agent: int, edge: str, lines: Callable[[], list[Line]]) -> None:
        self.path = path
        self.per_agent = per_agent
        self.edge = edge
        self._lines = lines
        self._agents: dict[int, socket.socket] = {}
        self._pids: dict[int, int] = {}
        self._calls: dict[str, Line] = {}
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._server = wire.listen(str(path))
        self._server.setblocking(False)
        self._selector.register(self._server, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._loop, name="agent-server", daemon=True)

    def agent_of(self, slot: int) -> int:
        return slot // self.per_agent + 1

    def agents_needed(self) -> int:
        slots = [line.slot for line in self._lines()]
        return self.agent_of(max(slots)) if slots else 0

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with self._lock:
            conns = list(self._agents.values())
            self._agents.clear()
        for conn in conns:
            conn.close()
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def status(self) -> list[dict[str, object]]:
        with self._lock:
            return [{"index": index, "pid": self._pids.get(index)} for index in sorted(self._agents)]

    # ---- sending (any thread) ------------------------------------------------------
    def send(self, line: Line, message: wire.Message) -> bool:
        with self._lock:
            conn = self._agents.get(self.agent_of(line.slot))
            if message["type"] == "call":
                self._calls[str(message["call"])] = line
        if conn is None:
            return False
        try:
            conn.send(wire.control(message))
        except OSError:
            return False
        return True

    def send_audio(self, slot: int, frame: bytes) -> None:
        conn = self._agents.get(self.agent_of(slot))
        if conn is not None:
            wire.send_audio(conn, slot, frame)

    def assign(self, line: Line) -> None:
        """Tell the agent of a port added while running (a DECT handset subscribed)."""
        with self._lock:
            conn = self._agents.get(self.agent_of(line.slot))
        if conn is not None:
            self._send_accounts(conn, [line])

    def release(self, line: Line) -> None:
        """Tell the agent of a port that went (a DECT handset deregistered) to drop its SIP account."""
        with self._lock:
            conn = self._agents.get(self.agent_of(line.slot))
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.send(wire.control({"type": "release", "slot": line.slot}))

    # ---- the loop ----------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._server:
                    self._accept()
                else:
                    self._receive(sock, key.data)

    def _accept(self) -> None:
        try:
            conn, _ = self._server.accept()
        except OSError:
            return
        self._selector.register(conn, selectors.EVENT_READ, data=[0])

    def _receive(self, conn: socket.socket, index_box: list[int]) -> None:
        try:
            record = conn.recv(wire.MAX_RECORD)
        except OSError:
            record = b""
        if not record:
            self._lost(conn, index_box[0])
            return
        parsed = wire.parse(record, wire.FROM_AGENT)
        if isinstance(parsed, tuple):
            line = self._line(parsed[0])
            if line is not None:
                line.from_call(parsed[1])
        elif parsed is not None:
            self._control(conn, index_box, parsed)

    def _control(self, conn: socket.socket, index_box: list[int], message: wire.Message) -> None:
        kind = message["type"]
        if kind == "hello":
            index = int(message["index"])
            index_box[0] = index
            with self._lock:
                old = self._agents.get(index)
                self._agents[index] = conn
                self._pids[index] = int(message.get("pid", 0))
            if old is not None and old is not conn:
                old.close()
            log.info("SIP agent %d connected (pid %s)", index, message.get("pid"))
            self._send_accounts(conn, [line for line in self._lines() if self.agent_of(line.slot) == index])
            return
        line: Line | None
        if "slot" in message:
            line = self._line(int(message["slot"]))
            if kind == "incoming" and line is not None:
                with self._lock:
                    self._calls[str(message["call"])] = line
        else:
            with self._lock:
                token = str(message.get("call"))
                line = self._calls.pop(token, None) if kind == "ended" else self._calls.get(token)
        if line is not None:
            line.post(message)
        elif kind == "incoming":
            # A port this host no longer has (a handset deregistered meanwhile).
            with contextlib.suppress(OSError):
                conn.send(wire.control({"type": "hangup", "call": message["call"], "code": 404}))

    def _send_accounts(self, conn: socket.socket, lines: list[Line]) -> None:
        accounts = [{"slot": line.slot, "port": line.name, "user": line.account.username,
                     "password": line.account.password} for line in lines if line.account is not None]
        if accounts:
            with contextlib.suppress(OSError):
                conn.send(wire.control({"type": "assign", "edge": self.edge, "accounts": accounts}))

    def _lost(self, conn: socket.socket, index: int) -> None:
        self._selector.unregister(conn)
        conn.close()
        with self._lock:
            if self._agents.get(index) is not conn:
                return
            del self._agents[index]
            self._pids.pop(index, None)
            gone = [token for token, line in self._calls.items() if self.agent_of(line.slot) == index]
            for token in gone:
                del self._calls[token]
        log.warning("SIP agent %d went away; its ports' calls are over", index)
        for line in self._lines():
            if self.agent_of(line.slot) == index:
                line.post(AgentLost())

    def _line(self, slot: int) -> Line | None:
        return next((line for line in self._lines() if line.slot == slot), None)
