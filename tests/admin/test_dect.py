"""Pairing and removing a DECT handset, as the CLI, the API and keypad programming ask for it:
one check of the window, the extension asked for and the handset named, before the running PBX
is asked (the end-to-end pairing and removal is tests/gateway/test_dect_pairing.py)."""
from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware.admin import dect, extensions
from firmware.admin.brain import control_socket
from firmware.admin.context import Admin, audit_log
from firmware.admin.errors import NotFound
from firmware.apps.ringgroups.config import set_ring_group
from firmware.brain.control import CallCommandRefused, ControlError, ControlServer, RemoveDect
from firmware.dect.pairing import DectPairingError
from firmware.store.database import open_store
from firmware.store.extensions import get_extension


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(open_store(tmp_path), tmp_path)


@pytest.mark.parametrize(("request_", "refusal"), [
    (dect.PairRequest(seconds=0), "a subscription window of 0 s is not accepted; 1-255 seconds"),
    (dect.PairRequest(seconds=256), "a subscription window of 256 s is not accepted; 1-255 seconds"),
    (dect.PairRequest(extension="12a"), "extension number '12a' is not accepted; use digits in the extension "
                                        "ranges 100-899"),
    (dect.PairRequest(extension="9999"), "extension number 9999 is not accepted"),
    (dect.PairRequest(extension="101"), "extension number 101 is already extension 101; pick a free number"),
])
def test_a_bad_window_or_extension_is_refused_naming_it(admin: Admin, request_: dect.PairRequest,
                                                        refusal: str) -> None:
    extensions.add(admin, extensions.NewExtension(number="101", name="Reception"))
    with pytest.raises(DectPairingError, match=refusal.replace("(", r"\(")):
        dect.pair(admin, request_)
    assert [e.action for e in audit_log(admin.db)] == ["extension.add"]


def test_pairing_needs_the_running_pbx_and_logs_nothing_without_it(admin: Admin) -> None:
    with pytest.raises(ControlError, match="not running") as refused:
        dect.pair(admin, dect.PairRequest(seconds=60, extension="150"))
    assert refused.value.kind == "not_running"
    with pytest.raises(ControlError, match="not running"):
        dect.handsets(admin)
    assert audit_log(admin.db) == []


class RunningGateway:
    """The running PBX as the admin layer sees it: a real control socket answering `status`
    with the line gateway's handsets and carrying dect_remove, which the gateway refuses or does."""

    def __init__(self, data_dir: Path) -> None:
        self.handsets = [{"port": "dect1", "handset": 1, "ipui": "0123456001", "base": "dect", "cell": 1,
                          "in_range": True, "last_seen": 1764750000.0},
                         {"port": "dect3", "handset": 3, "ipui": "0123456003", "base": "dect", "cell": 2,
                          "in_range": True, "last_seen": 1764750000.0}]
        self.ports = [{"device": "dect1", "extension": "101", "registered": True},
                      {"device": "dect3", "extension": "150", "registered": True}]
        self.asked: list[object] = []
        self.refusal = ""
        (data_dir / "run").mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.new_event_loop()
        self._server = ControlServer(control_socket(data_dir), self._status, call_command=self._command)
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._server.start(), self._loop).result(5)

    async def _status(self) -> dict[str, object]:
        return {"gateway": {"dect": self.handsets, "ports": self.ports}}

    def _command(self, command: object) -> dict[str, object]:
        self.asked.append(command)
        if self.refusal:
            raise CallCommandRefused(self.refusal, "failed")
        assert isinstance(command, RemoveDect)
        self.handsets = [h for h in self.handsets if h["port"] != command.port]
        return {"port": command.port}

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._server.stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


@pytest.fixture
def running() -> Iterator[tuple[Admin, RunningGateway]]:
    # A short directory: a unix socket path is limited to about 100 bytes.
    with tempfile.TemporaryDirectory(dir="/tmp") as short:
        data = Path(short)
        admin = Admin(open_store(data), data)
        for number, name in (("101", "DECT handset dect1"), ("150", "DECT handset dect3")):
            extensions.add(admin, extensions.NewExtension(number=number, name=name))
        gateway = RunningGateway(data)
        try:
            yield admin, gateway
        finally:
            gateway.close()


@pytest.mark.parametrize("named", ["dect3", "150"])
def test_a_handset_is_removed_by_port_or_extension_and_its_extension_kept(
        running: tuple[Admin, RunningGateway], named: str) -> None:
    admin, gateway = running
    removed = dect.remove(admin, named, dect.RemoveRequest())
    assert removed == dect.RemovedView(port="dect3", extension="150", extension_removed=False)
    assert gateway.asked == [RemoveDect(port="dect3", by="command line")]
    assert [h.port for h in dect.handsets(admin)] == ["dect1"]
    assert get_extension(admin.db, "150") is not None
    assert audit_log(admin.db)[0].action == "dect.remove"


def test_remove_extension_takes_the_extension_too(running: tuple[Admin, RunningGateway]) -> None:
    admin, _ = running
    removed = dect.remove(admin, "dect3", dect.RemoveRequest(remove_extension=True))
    assert removed.extension_removed and get_extension(admin.db, "150") is None
    assert get_extension(admin.db, "101") is not None


def test_an_extension_still_used_is_refused_before_the_module_is_asked(
        running: tuple[Admin, RunningGateway]) -> None:
    admin, gateway = running
    set_ring_group(admin.db, "sales", members=["101"], no_answer="ext:150")
    with pytest.raises(DectPairingError, match="handset dect3 not removed: ext:150 is still used by "
                                               "ring group sales no-answer; change those first"):
        dect.remove(admin, "150", dect.RemoveRequest(remove_extension=True))
    assert gateway.asked == [] and [h.port for h in dect.handsets(admin)] == ["dect1", "dect3"]
    assert get_extension(admin.db, "150") is not None
    assert "dect.remove" not in [e.action for e in audit_log(admin.db)]


def test_an_unknown_handset_is_refused_naming_the_subscribed_ones(running: tuple[Admin, RunningGateway]) -> None:
    admin, gateway = running
    with pytest.raises(NotFound, match=r"no DECT handset '160' is subscribed; give a port or an extension "
                                       r"\(subscribed: dect1 \(extension 101\), dect3 \(extension 150\)\)"):
        dect.remove(admin, "160", dect.RemoveRequest())
    assert gateway.asked == []


def test_a_refusal_of_the_gateway_keeps_the_extension(running: tuple[Admin, RunningGateway]) -> None:
    admin, gateway = running
    gateway.refusal = "DECT handset dect3 is in use (talking); try again when it is idle"
    with pytest.raises(ControlError, match="in use"):
        dect.remove(admin, "dect3", dect.RemoveRequest(remove_extension=True))
    assert get_extension(admin.db, "150") is not None
    assert "dect.remove" not in [e.action for e in audit_log(admin.db)]
