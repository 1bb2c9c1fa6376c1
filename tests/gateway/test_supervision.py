"""The brain keeps the gateway's processes alive, and people can see and drive the ports."""
from __future__ import annotations

import os
import signal
from typing import Any

from tests.gateway.conftest import EXTENSIONS, Board, eventually
from tests.support.pbx import RunningPbx


def _gateway(pbx: RunningPbx) -> dict[str, Any]:
    status = pbx.status()
    assert status is not None
    gateway: dict[str, Any] = status["gateway"]
    return gateway


def _all_registered(pbx: RunningPbx) -> bool:
    gateway = _gateway(pbx)
    return bool(gateway["up"] and all(p["registered"] for p in gateway["ports"]))


def test_status_and_ext_list_show_the_ports(gateway_pbx: RunningPbx) -> None:
    gateway = _gateway(gateway_pbx)
    ports = {p["device"]: p for p in gateway["ports"]}
    assert {name: ports[name]["extension"] for name in EXTENSIONS} == EXTENSIONS
    assert ports["fxo1"]["extension"] == "line-fxo1"
    assert all(p["registered"] and not p["fault"] for p in ports.values())
    assert len(gateway["agents"]) == 1  # 7 ports, 8 per pjsua2 process
    text = gateway_pbx.minipbx("status").stdout
    assert "fxs1" in text and "registered" in text
    listing = gateway_pbx.minipbx("ext", "list").stdout
    assert "DEVICE" in listing and "fxs1" in listing and "line-fxo1" not in listing


def test_a_killed_sip_agent_is_restarted_and_its_ports_register_again(gateway_pbx: RunningPbx,
                                                                      board: Board) -> None:
    agent = next(a for a in _gateway(gateway_pbx)["agents"] if a["index"] == 1)
    os.kill(agent["pid"], signal.SIGKILL)
    eventually(lambda: next(a for a in _gateway(gateway_pbx)["agents"] if a["index"] == 1)["pid"] != agent["pid"],
               what="agent 1 restarted")
    eventually(lambda: _all_registered(gateway_pbx), what="every port registered again")
    sip = gateway_pbx.phone("301")
    board("lift", port="fxs1")
    board("dial", port="fxs1", digits="301")
    sip.wait("incoming", timeout=10)
    sip.answer(200)
    sip.wait("connected")
    board("hang_up", port="fxs1")
    sip.wait("disconnected")


def test_a_killed_line_host_is_restarted(gateway_pbx: RunningPbx, board: Board) -> None:
    host = _gateway(gateway_pbx)["pid"]
    os.kill(host, signal.SIGKILL)
    eventually(lambda: _gateway(gateway_pbx)["pid"] not in (host, None), what="line host restarted")
    eventually(lambda: _all_registered(gateway_pbx), timeout=30, what="every port registered again")


def test_minipbx_sim_command(gateway_pbx: RunningPbx) -> None:
    result = gateway_pbx.minipbx("sim", "lift", "fxs2")
    assert result.returncode == 0, result.stderr
    assert "fxs2     off hook" in result.stdout
    assert "power: on" in result.stdout
    result = gateway_pbx.minipbx("sim", "ring", "fxo1", "0401234567", "ACME", "Oy")
    assert result.returncode == 0, result.stderr
    result = gateway_pbx.minipbx("sim", "lift", "nope")
    assert result.returncode == 1
    assert result.stderr.startswith("minipbx: error: no simulated phone 'nope'")
