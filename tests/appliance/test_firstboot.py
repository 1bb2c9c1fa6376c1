"""First boot's pieces that run without a real card: finding the data partition, showing credentials."""
from __future__ import annotations

import os
import pty
from pathlib import Path

import pytest

from firmware.appliance.firstboot import console_devices, credentials_text, show_on_consoles


def test_credentials_text_shows_each_secret_once_and_what_was_kept() -> None:
    text = credentials_text("01234567", {"100": "pw-one-AAAA", "101": "pw-two-BBBB"}, ("102",))
    assert text.count("01234567") == 1
    assert "Extension 100:  SIP user 100  password pw-one-AAAA" in text
    assert "Extension 101:  SIP user 101  password pw-two-BBBB" in text
    assert "Extension 102:  already existed; its password is unchanged" in text
    assert "minipbx.local" in text


def test_a_reset_shows_only_the_new_pin() -> None:
    text = credentials_text("76543210", {}, ())
    assert "76543210" in text and "Extension" not in text


def test_active_consoles_come_from_the_kernel(tmp_path: Path) -> None:
    active = tmp_path / "class" / "tty" / "console"
    active.mkdir(parents=True)
    (active / "active").write_text("tty1 ttyS0\n")
    assert console_devices(tmp_path) == [Path("/dev/tty1"), Path("/dev/ttyS0")]
    assert console_devices(tmp_path / "missing") == [Path("/dev/console")]


def test_credentials_reach_a_terminal(tmp_path: Path) -> None:
    master, slave = pty.openpty()
    try:
        name = Path(os.ttyname(slave))
        shown = show_on_consoles("PIN 1234\nline two\n", [name, tmp_path / "no-such-tty"])
        assert shown == [name]
        received = os.read(master, 4096)
        assert b"PIN 1234" in received and b"line two" in received
    finally:
        os.close(master)
        os.close(slave)


def test_a_factory_reset_gets_a_new_admin_pin_on_the_consoles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from firmware.appliance import firstboot
    from firmware.appliance.credentials import verify_admin_pin

    monkeypatch.setattr(firstboot, "CREDENTIALS_PATH", tmp_path / "run-firstboot" / "credentials.txt")
    (tmp_path / "appliance").mkdir()
    (tmp_path / "pbx" / "run").mkdir(parents=True)
    (tmp_path / "pbx" / "factory-reset-credentials.txt").write_text("  Extension 100:  SIP user 100  password pw\n")
    request = tmp_path / "pbx" / "run" / firstboot.PIN_REQUEST
    request.write_text("asked\n")
    master, slave = pty.openpty()
    try:
        pin = firstboot.renew_pin_after_reset(tmp_path, [Path(os.ttyname(slave))])
        received = os.read(master, 4096)
    finally:
        os.close(master)
        os.close(slave)
    assert verify_admin_pin(tmp_path / "appliance", pin)
    assert pin.encode() in received and b"SIP user 100  password pw" in received
    assert pin in (tmp_path / "run-firstboot" / "credentials.txt").read_text()
    assert not request.exists()
