"""The device end of a simulated serial wire.

A simulator owns a SimPort and talks bytes through it; the driver under test opens
`port.url` with pySerial exactly as it would open real hardware. `unplug()` and
`plug()` imitate a USB device leaving and coming back under the same name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import tty
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


class SimPort(ABC):
    def __init__(self, on_data: Callable[[bytes], None] | None = None) -> None:
        self.on_data: Callable[[bytes], None] = on_data or (lambda _data: None)
        self.on_connect: Callable[[], None] = lambda: None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    @abstractmethod
    def url(self) -> str:
        """What to give pySerial (stable across unplug/plug)."""

    @property
    @abstractmethod
    def plugged(self) -> bool: ...

    @abstractmethod
    def send(self, data: bytes) -> None:
        """Bytes from the device to the driver (dropped if nothing is connected)."""

    @abstractmethod
    def plug(self) -> None: ...

    @abstractmethod
    def unplug(self) -> None: ...

    def close(self) -> None:
        self._stop.set()
        self.unplug()

    def _deliver(self, data: bytes) -> None:
        try:
            self.on_data(data)
        except Exception:
            log.exception("simulator failed on input %r", data[:40])


class PtyPort(SimPort):
    """A pseudo-terminal; the driver opens a stable symlink to its slave side, the way
    udev's /dev/serial/by-id/ names survive a replug while /dev/ttyUSBn may not."""

    def __init__(self, link_path: Path, on_data: Callable[[bytes], None] | None = None) -> None:
        super().__init__(on_data)
        self.link_path = link_path
        self._master: int | None = None
        self._slave: int | None = None
        self.plug()

    @property
    def url(self) -> str:
        return str(self.link_path)

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def plug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            # Raw mode: audio bytes and DLE codes must pass unaltered.
            tty.setraw(slave)
            tty.setraw(master)
            # Holding the slave open keeps the master readable while the driver reconnects.
            self._master, self._slave = master, slave
            tmp = self.link_path.with_name(self.link_path.name + ".new")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self.link_path)
            self._stop.clear()
            self._thread = threading.Thread(target=self._read, args=(master,), name="sim-pty", daemon=True)
            self._thread.start()
        self.on_connect()

    def unplug(self) -> None:
        with self._lock:
            master, slave = self._master, self._slave
            self._master = self._slave = None
            self.link_path.unlink(missing_ok=True)
        # Stop our reader before closing, so it never reads a recycled descriptor number.
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        # Closing the master hangs the line up: the driver's next read fails, as on a real unplug.
        for fd in (master, slave):
            if fd is not None:
                os.close(fd)

    def send(self, data: bytes) -> None:
        with self._lock:
            master = self._master
            if master is None:
                return
            view = memoryview(data)
            while view:
                try:
                    written = os.write(master, view)
                except BlockingIOError:
                    select.select([], [master], [], 0.1)
                    continue
                except OSError:
                    return
                view = view[written:]

    def _read(self, master: int) -> None:
        while True:
            with self._lock:
                if self._master != master:
                    return
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except (OSError, ValueError):
                return
            if data:
                self._deliver(data)


class TcpPort(SimPort):
    """A TCP server on 127.0.0.1 for `socket://` URLs; one connection at a time."""

    def __init__(self, on_data: Callable[[bytes], None] | None = None, port: int = 0) -> None:
        super().__init__(on_data)
        self._port = port
        self._server: socket.socket | None = None
        self._conn: socket.socket | None = None
        self.plug()

    @property
    def url(self) -> str:
        return f"socket://127.0.0.1:{self._port}"

    @property
    def plugged(self) -> bool:
        return self._server is not None

    def plug(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", self._port))
            server.listen(1)
            self._port = server.getsockname()[1]
            self._server = server
            self._thread = threading.Thread(target=self._serve, args=(server,), name="sim-tcp", daemon=True)
            self._thread.start()

    def unplug(self) -> None:
        with self._lock:
            server, conn = self._server, self._conn
            self._server = self._conn = None
        for sock in (conn, server):
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def send(self, data: bytes) -> None:
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            try:
                conn.sendall(data)
            except OSError:
                return

    def _serve(self, server: socket.socket) -> None:
        while True:
            with self._lock:
                if self._server is not server:
                    return
            try:
                ready, _, _ = select.select([server], [], [], 0.05)
                if not ready:
                    continue
                conn, _addr = server.accept()
            except (OSError, ValueError):
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                if self._server is not server:
                    conn.close()
                    return
                self._conn = conn
            self.on_connect()
            self._receive(server, conn)
            with self._lock:
                if self._conn is conn:
                    self._conn = None
            conn.close()

    def _receive(self, server: socket.socket, conn: socket.socket) -> None:
        while True:
            with self._lock:
                if self._server is not server:
                    return
            try:
                ready, _, _ = select.select([conn], [], [], 0.05)
                if not ready:
                    continue
                data = conn.recv(4096)
            except (OSError, ValueError):
                return
            if not data:
                return
            self._deliver(data)
