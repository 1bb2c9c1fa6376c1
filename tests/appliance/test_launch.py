"""Which address the PBX is started on, and how the appliance serves the API there."""
from __future__ import annotations

import shlex
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from firmware.appliance.launch import choose_address, https_port, minipbx_argv, route_source_address
from firmware.brain.control import ask
from tests.support.api import REPO_ROOT, free_tcp_port, wait_until_up
from tests.support.parallel import rtp_base
from tests.support.pbx import free_sip_port


def test_the_default_routes_source_address_wins() -> None:
    assert choose_address("192.168.1.20", ["169.254.3.4", "192.168.1.20", "10.0.0.5"]) == "192.168.1.20"


def test_without_a_default_route_a_global_address_beats_link_local() -> None:
    assert choose_address(None, ["169.254.3.4", "10.0.0.5"]) == "10.0.0.5"


def test_a_direct_cable_to_a_laptop_still_gets_an_address() -> None:
    assert choose_address(None, ["169.254.3.4"]) == "169.254.3.4"


def test_no_address_at_all() -> None:
    assert choose_address(None, []) is None


def test_https_on_443_where_the_minipbx_user_may_open_it_else_8443() -> None:
    assert https_port(443, is_root=False) == 443  # the image's sysctl.d/minipbx.conf
    assert https_port(1024, is_root=False) == 8443  # a kernel default: 443 would stop the PBX from starting
    assert https_port(1024, is_root=True) == 443


def test_the_api_is_served_over_https_on_the_lan_address_unless_the_unit_says_otherwise() -> None:
    assert minipbx_argv("minipbx", ["run"], "192.168.1.20", 443) == [
        "minipbx", "run", "--sip-addr", "192.168.1.20", "--https-addr", "192.168.1.20", "--https-port", "443"]
    assert minipbx_argv("minipbx", ["run", "--https-port", "9443"], "10.0.0.5", 443) == [
        "minipbx", "run", "--https-port", "9443", "--sip-addr", "10.0.0.5", "--https-addr", "10.0.0.5"]
    assert minipbx_argv("minipbx", ["run", "--no-http"], "10.0.0.5", 443) == [
        "minipbx", "run", "--no-http", "--sip-addr", "10.0.0.5"]
    assert minipbx_argv("minipbx", ["run", "--https-addr", "10.0.0.9"], "10.0.0.5", 443) == [
        "minipbx", "run", "--https-addr", "10.0.0.9", "--sip-addr", "10.0.0.5"]


def _unit_arguments(data: Path, http_port: int, https_port_: int) -> list[str]:
    """minipbx.service's ExecStart arguments after `--`, pointed at a test folder and test ports."""
    unit = (REPO_ROOT / "systemd" / "system" / "minipbx.service").read_text()
    [exec_start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    words = shlex.split(exec_start.removeprefix("ExecStart="))
    passed = words[words.index("--") + 1:]
    # The unit leaves the API's loopback HTTP to `run`'s default address.
    assert "--http-addr" not in passed and "--https-addr" not in passed
    values = {"--data": str(data), "--board": str(REPO_ROOT / "boards" / "sim.toml"),
              "--sip-port": str(free_sip_port())}
    replaced = [values.get(before, word) for before, word in zip(["", *passed], passed, strict=False)]
    return [*replaced, "--rtp-base", str(rtp_base(2000)), "--no-gateway", "--http-port", str(http_port),
            "--https-port", str(https_port_)]


def test_the_unit_serves_https_on_the_lan_address_and_http_only_on_loopback(tmp_path: Path) -> None:
    lan = route_source_address()
    if lan is None:
        pytest.skip("this machine has no address but loopback")
    data = tmp_path / "pbx"
    plain, secure = free_tcp_port(), free_tcp_port()
    out = tmp_path / "launch.out"
    with out.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "firmware.appliance.launch", "--wait", "5",
             "--minipbx", str(Path(sys.executable).parent / "minipbx"), "--", *_unit_arguments(data, plain, secure)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO_ROOT)
    try:
        wait_until_up(f"https://{lan}:{secure}", process, out, timeout=30)
        assert f"minipbx-launch: SIP on {lan}, the web admin and API on https://{lan}:{secure}/" in out.read_text()
        # HTTPS with the certificate made for the LAN address: a browser that trusts it verifies it.
        trusting = ssl.create_default_context(cafile=data / "tls" / "cert.pem")
        assert httpx.get(f"https://{lan}:{secure}/api/health", verify=trusting).status_code == 200
        # Plain HTTP answers on loopback only: not on the LAN address, and not on the HTTPS port.
        assert httpx.get(f"http://127.0.0.1:{plain}/api/health").status_code == 200
        for url in (f"http://{lan}:{plain}/api/health", f"http://{lan}:{secure}/api/health"):
            with pytest.raises(httpx.HTTPError):
                httpx.get(url, timeout=2)
        deadline = time.monotonic() + 10
        while not (data / "run" / "control.sock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        http = ask(data / "run" / "control.sock", "status")["http"]
        assert isinstance(http, dict)
        assert http["urls"] == [f"http://127.0.0.1:{plain}", f"https://{lan}:{secure}"]
        status = subprocess.run([sys.executable, "-m", "firmware.cli.main", "--data", str(data), "status"],
                                capture_output=True, text=True, timeout=20, cwd=REPO_ROOT).stdout
        assert f"on http://127.0.0.1:{plain}, https://{lan}:{secure}, restarts 0" in status
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, out.read_text(errors="replace")
