"""The edge's rendered Kamailio configuration, checked by text and by Kamailio's own parser."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from firmware.edge.config import (
    EdgeConfigError,
    EdgeSettings,
    WorkerAddress,
    dispatcher_list,
    render,
    validate_sip_addr,
)
from firmware.store.database import db_path, open_store


def settings(tmp_path: Path, sip_addr: str = "127.0.0.1", workers: int = 2, port: int = 5070) -> EdgeSettings:
    return EdgeSettings(
        sip_addr=sip_addr,
        sip_port=port,
        db_path=db_path(tmp_path / "data"),
        run_dir=tmp_path / "data" / "run",
        realm="minipbx",
        workers=tuple(WorkerAddress(n, "127.0.0.1", 40000 + n) for n in range(1, workers + 1)),
        ring_timeout_s=30,
        ban_after=5,
        ban_seconds=600,
    )


def listen_lines(config: str) -> list[str]:
    return [line for line in config.splitlines() if line.startswith("listen=")]


def test_loopback_address_listens_on_udp_and_tcp(tmp_path: Path) -> None:
    config = render(settings(tmp_path, "127.0.0.1", port=5070))
    assert listen_lines(config) == ["listen=udp:127.0.0.1:5070", "listen=tcp:127.0.0.1:5070"]
    assert 'alias="localhost:5070"' in config


def test_lan_address_also_listens_on_loopback_for_the_workers(tmp_path: Path) -> None:
    config = render(settings(tmp_path, "192.168.1.10", port=5060))
    assert sorted(listen_lines(config)) == sorted([
        "listen=udp:192.168.1.10:5060", "listen=tcp:192.168.1.10:5060", "listen=udp:127.0.0.1:5060"])
    assert 'alias="192.168.1.10:5060"' in config and 'alias="127.0.0.1:5060"' in config
    # Workers ping and reach the edge on loopback, never on the LAN address.
    assert 'ds_ping_from", "sip:edge@127.0.0.1:5060"' in config


def test_every_placeholder_is_filled(tmp_path: Path) -> None:
    s = settings(tmp_path)
    config = render(s)
    assert "{{" not in config and "}}" not in config
    assert f"sqlite://{s.db_path}" in config
    assert f'"{s.run_dir / "dispatcher.list"}"' in config
    assert 'auth_check("minipbx", "subscriber", "1")' in config
    assert "fr_inv_timer\", 60000" in config  # ring timeout 30 s + 30 s of slack


def test_settings_reach_the_security_rules(tmp_path: Path) -> None:
    s = EdgeSettings(**{**settings(tmp_path).__dict__, "ban_after": 3, "ban_seconds": 120, "pike_density": 50})
    config = render(s)
    assert "autoexpire=120;" in config
    assert "$var(fails) >= 3" in config
    assert 'reqs_density_per_unit", 50' in config
    assert "friendly-scanner|sipvicious" in config


@pytest.mark.parametrize("workers", [1, 3, 8])
def test_dispatcher_list_has_one_line_per_worker(tmp_path: Path, workers: int) -> None:
    listing = dispatcher_list(settings(tmp_path, workers=workers))
    entries = [line for line in listing.splitlines() if line and not line.startswith("#")]
    assert entries == [f"1 sip:127.0.0.1:{40000 + n} 0 0 worker={n}" for n in range(1, workers + 1)]


@pytest.mark.parametrize(
    ("addr", "says"),
    [
        ("foo", "SIP address 'foo' is not an IP address"),
        ("", "SIP address '' is not an IP address"),
        ("192.168.1.300", "SIP address '192.168.1.300' is not an IP address"),
        ("localhost", "SIP address 'localhost' is not an IP address"),
        ("0.0.0.0", "SIP address 0.0.0.0 is not accepted: phones must be given one address"),
        ("::", "SIP address :: is IPv6"),
        ("::1", "SIP address ::1 is IPv6"),
        ("fe80::1", "SIP address fe80::1 is IPv6"),
    ],
)
def test_unusable_sip_address_is_refused_naming_it(addr: str, says: str) -> None:
    with pytest.raises(EdgeConfigError) as info:
        validate_sip_addr(addr)
    assert says in str(info.value)
    assert "use this box's LAN address (e.g. 192.168.1.10) or 127.0.0.1" in str(info.value)


@pytest.mark.parametrize("addr", ["127.0.0.1", "127.0.0.5", "192.168.1.10", "10.0.0.2"])
def test_concrete_ipv4_address_is_accepted(addr: str) -> None:
    assert str(validate_sip_addr(addr)) == addr


@pytest.mark.parametrize(("addr", "workers"), [("127.0.0.1", 1), ("127.0.0.1", 4), ("192.168.1.10", 2)])
def test_kamailio_accepts_the_rendered_config(tmp_path: Path, addr: str, workers: int) -> None:
    s = settings(tmp_path, addr, workers=workers)
    open_store(s.db_path.parent).conn.close()
    s.run_dir.mkdir(parents=True)
    (s.run_dir / "dispatcher.list").write_text(dispatcher_list(s))
    config_path = s.run_dir / "kamailio.cfg"
    config_path.write_text(render(s))
    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    check = subprocess.run([kamailio, "-c", "-f", str(config_path)], capture_output=True, text=True, timeout=60)
    output = check.stdout + check.stderr
    assert check.returncode == 0, output
    assert "config file ok" in output
    listening = re.findall(r"(udp|tcp): \S+ \[([\d.]+)\]:(\d+)", output)
    assert (("udp", addr, "5070") in listening) and (("tcp", addr, "5070") in listening), output
