"""SerialLink against real ptys and sockets, unplugged and replugged."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hal.backoff import Backoff
from hal.health import DeviceState
from hal.wire.link import LinkDown, SerialLink
from hal.wire.simport import PtyPort, SimPort, TcpPort
from tests.hal.eventually import eventually


class Echo:
    """A device that answers every chunk with the same bytes upper-cased."""

    def __init__(self, port: SimPort) -> None:
        self.port = port
        self.received = bytearray()
        port.on_data = self.on_data

    def on_data(self, data: bytes) -> None:
        self.received += data
        self.port.send(data.upper())


class Host:
    def __init__(self, url: str, backoff: Backoff, fail_on: bytes = b"") -> None:
        self.received = bytearray()
        self.ups = 0
        self.downs = 0
        self.failures = 0
        self.fail_on = fail_on
        self.lock = threading.Lock()
        self.link = SerialLink(
            url, name="dev", on_data=self.on_data, on_up=self.on_up, on_down=self.on_down, backoff=backoff
        )

    def on_data(self, data: bytes) -> None:
        if self.fail_on and self.fail_on in data:
            self.failures += 1
            raise RuntimeError("parser bug")
        with self.lock:
            self.received += data

    def on_up(self) -> None:
        self.ups += 1

    def on_down(self) -> None:
        self.downs += 1

    def text(self) -> bytes:
        with self.lock:
            return bytes(self.received)


@pytest.fixture(params=["pty", "tcp"])
def device(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Echo]:
    port: SimPort = PtyPort(tmp_path / "ttyTEST") if request.param == "pty" else TcpPort()
    echo = Echo(port)
    yield echo
    port.close()


def test_bytes_flow_both_ways(device: Echo, fast_backoff: Backoff) -> None:
    host = Host(device.port.url, fast_backoff)
    host.link.start()
    try:
        eventually(lambda: host.link.reporter.status.state is DeviceState.UP, what="link up")
        host.link.write(b"hello\x00\x10\x11\x13\xff")
        eventually(lambda: host.text() == b"HELLO\x00\x10\x11\x13\xff", what="echo")
        assert host.ups == 1
    finally:
        host.link.close()
    assert host.link.reporter.status.state is DeviceState.CLOSED


def test_unplugged_device_is_reported_and_reconnected(device: Echo, fast_backoff: Backoff) -> None:
    host = Host(device.port.url, fast_backoff)
    states: list[DeviceState] = []
    host.link.reporter.listeners.add(lambda status: states.append(status.state))
    host.link.start()
    try:
        eventually(lambda: host.link.reporter.status.state is DeviceState.UP, what="link up")
        device.port.unplug()
        eventually(lambda: host.link.reporter.status.state is DeviceState.DOWN, what="device reported down")
        assert host.downs == 1
        with pytest.raises(LinkDown, match="dev is not connected"):
            host.link.write(b"x")
        device.port.plug()
        eventually(lambda: host.link.reporter.status.state is DeviceState.UP, what="device reconnected")
        assert host.ups == 2 and host.link.reconnects == 1
        host.link.write(b"again")
        eventually(lambda: host.text().endswith(b"AGAIN"), what="echo after replug")
        assert states[:3] == [DeviceState.STARTING, DeviceState.UP, DeviceState.DOWN]
    finally:
        host.link.close()


def test_a_device_absent_at_start_is_picked_up_when_it_arrives(tmp_path: Path, fast_backoff: Backoff) -> None:
    port = PtyPort(tmp_path / "ttyLATE")
    port.unplug()
    host = Host(port.url, fast_backoff)
    host.link.start()
    try:
        eventually(lambda: host.link.reporter.status.state is DeviceState.DOWN, what="absent device down")
        assert "cannot open" in host.link.reporter.status.detail
        Echo(port)
        port.plug()
        eventually(lambda: host.link.reporter.status.state is DeviceState.UP, what="late device up")
    finally:
        host.link.close()
        port.close()


def test_a_failing_handler_does_not_stop_the_reader(device: Echo, fast_backoff: Backoff) -> None:
    host = Host(device.port.url, fast_backoff, fail_on=b"BOOM")
    host.link.start()
    try:
        eventually(lambda: host.link.reporter.status.state is DeviceState.UP, what="link up")
        host.link.write(b"boom")
        eventually(lambda: host.failures == 1, what="handler failure")
        host.link.write(b"fine")
        eventually(lambda: host.text().endswith(b"FINE"), what="reader still alive")
    finally:
        host.link.close()


def test_unplugging_one_device_leaves_the_others_alone(tmp_path: Path, fast_backoff: Backoff) -> None:
    first, second = Echo(PtyPort(tmp_path / "tty1")), Echo(PtyPort(tmp_path / "tty2"))
    hosts = [Host(first.port.url, fast_backoff), Host(second.port.url, fast_backoff)]
    for host in hosts:
        host.link.start()
    try:
        eventually(lambda: all(h.link.reporter.status.state is DeviceState.UP for h in hosts), what="both up")
        first.port.unplug()
        eventually(lambda: hosts[0].link.reporter.status.state is DeviceState.DOWN, what="first down")
        hosts[1].link.write(b"still here")
        eventually(lambda: hosts[1].text() == b"STILL HERE", what="second unaffected")
        assert hosts[1].ups == 1 and hosts[1].downs == 0
    finally:
        for host in hosts:
            host.link.close()
        first.port.close()
        second.port.close()


def test_a_url_pyserial_cannot_handle_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="serial device 'bogus://x' is not usable"):
        SerialLink("bogus://x", name="dev", on_data=lambda data: None)
