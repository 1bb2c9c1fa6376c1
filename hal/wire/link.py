"""A serial device that may come and go: open by pySerial URL, read on a thread,
reconnect with backoff.

Any URL pySerial accepts works (`/dev/ttyACM0`, `/dev/serial/by-id/...`,
`socket://127.0.0.1:7000`, `loop://`), which is how tests run this exact code
against simulators. Unplugging is noticed as a read/write error; the link reports
the device down, closes it, and keeps trying to reopen the same URL, touching
nothing but its own port.
"""

from __future__ import annotations

import logging
import select
import threading
from collections.abc import Callable
from typing import Any

import serial

from hal.backoff import DEFAULT_BACKOFF, Backoff
from hal.health import DeviceState, StatusReporter

# The longest a reader waits for a quiet device before it looks whether it should stop.
_QUIET_WAIT = 0.5

log = logging.getLogger(__name__)


class LinkDown(ConnectionError):
    """The device is not connected right now."""


class SerialLink:
    """Owns one serial device.

    `on_data(bytes)` is called on the link's reader thread for everything received.
    `on_up()` is called on a fresh thread after every (re)connection, so that it may
    talk to the device and wait for answers (which arrive on the reader thread);
    when it returns the device is reported UP, or DOWN if it raised.
    """

    def __init__(
        self,
        url: str,
        *,
        name: str,
        on_data: Callable[[bytes], None],
        on_up: Callable[[], None] | None = None,
        on_down: Callable[[], None] | None = None,
        baudrate: int = 115200,
        backoff: Backoff = DEFAULT_BACKOFF,
        read_timeout: float = 0.01,
    ) -> None:
        try:
            # Validates the URL scheme now, so a typo in a board file fails at start-up.
            serial.serial_for_url(url, do_not_open=True)
        except (ValueError, serial.SerialException) as exc:
            raise ValueError(f"{name}: serial device {url!r} is not usable: {exc}") from None
        self.url = url
        self.name = name
        self.baudrate = baudrate
        self.reporter = StatusReporter(name)
        self._on_data = on_data
        self._on_up = on_up
        self._on_down = on_down
        self._backoff = backoff
        self._read_timeout = read_timeout
        self._port: Any = None
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected = threading.Event()
        self.reconnects = 0
        # Bumped on every open and every loss, so a stale initialisation thread stops.
        self._generation = 0

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"serial-{self.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close_port()
        self.reporter.set(DeviceState.CLOSED)

    def write(self, data: bytes) -> None:
        """Send bytes now; raise LinkDown if the device is not there."""
        with self._write_lock:
            port = self._port
            if port is None or not self._connected.is_set():
                raise LinkDown(f"{self.name} is not connected")
            try:
                port.write(data)
            except (serial.SerialException, OSError) as exc:
                # The reader thread notices the same failure and runs the reconnect.
                raise LinkDown(f"{self.name}: write failed: {exc}") from None

    def _run(self) -> None:
        delays = self._backoff.delays()
        while not self._stop.is_set():
            try:
                port = serial.serial_for_url(
                    self.url, baudrate=self.baudrate, timeout=self._read_timeout, write_timeout=1.0
                )
            except (serial.SerialException, OSError) as exc:
                self.reporter.set(DeviceState.DOWN, f"cannot open {self.url}: {exc}")
                self._stop.wait(delays.next())
                continue
            delays.reset()
            with self._write_lock:
                self._port = port
            self._connected.set()
            self.reporter.set(DeviceState.STARTING, f"opened {self.url}")
            self._generation += 1
            threading.Thread(
                target=self._bring_up, args=(self._generation,), name=f"init-{self.name}", daemon=True
            ).start()
            reason = self._read_until_failure(port)
            self._connected.clear()
            self._generation += 1
            self._close_port()
            if self._stop.is_set():
                break
            self.reconnects += 1
            self.reporter.set(DeviceState.DOWN, reason)
            if self._on_down is not None:
                self._safe(self._on_down, None)
            self._stop.wait(delays.next())

    def _bring_up(self, generation: int) -> None:
        # A device that fails initialisation (still booting, wedged) is retried with
        # backoff for as long as this connection lasts.
        delays = self._backoff.delays()
        while generation == self._generation and not self._stop.is_set():
            try:
                if self._on_up is not None:
                    self._on_up()
            except Exception as exc:
                log.debug("%s initialisation failed", self.name, exc_info=True)
                if generation == self._generation:
                    self.reporter.set(DeviceState.DOWN, f"initialisation failed: {exc}")
                self._stop.wait(delays.next())
                continue
            if generation == self._generation and self._connected.is_set():
                self.reporter.set(DeviceState.UP)
            return

    def _read_until_failure(self, port: Any) -> str:
        fileno = _fileno(port)
        while not self._stop.is_set():
            try:
                # Wait for the first byte without a timer: a quiet device (no call, no
                # event) costs no wake-ups. The timeout only bounds how late a stop is seen.
                if fileno is not None and not select.select([fileno], [], [], _QUIET_WAIT)[0]:
                    continue
                # A large read returns whatever arrived within read_timeout: batches
                # audio bytes (socket:// reports in_waiting as only 0 or 1) and bounds latency.
                data = port.read(4096)
            except (serial.SerialException, OSError, ValueError) as exc:
                return f"device lost: {exc}"
            if data:
                self._safe(self._on_data, data)
        return "closed"

    def _close_port(self) -> None:
        with self._write_lock:
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError) as exc:
                log.debug("%s: closing: %s", self.name, exc)

    def _safe(self, action: Callable[..., None], argument: bytes | None) -> None:
        # A parser bug must never stop the reader thread: log it and keep reading.
        try:
            if argument is None:
                action()
            else:
                action(argument)
        except Exception:
            log.exception("%s: handler failed", self.name)


def _fileno(port: Any) -> int | None:
    """The descriptor to wait on, for ports that have one (a device node, socket://)."""
    try:
        fileno = port.fileno()
    except (AttributeError, NotImplementedError, serial.SerialException, OSError):
        return None
    return fileno if isinstance(fileno, int) and fileno >= 0 else None
