"""The installer's console: banner, commands, the PIN-guarded shell."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from firmware.appliance import console as console_module
from firmware.appliance.console import Console, banner
from firmware.appliance.credentials import store_admin_pin
from firmware.appliance.selftest import Check, SelfTestResult

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def box(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data partition and /run files in tmp_path instead of the appliance's paths."""
    (tmp_path / "appliance").mkdir()
    monkeypatch.setattr(console_module, "RESULT_PATH", tmp_path / "selftest.json")
    monkeypatch.setattr(console_module, "CREDENTIALS_PATH", tmp_path / "credentials.txt")
    return tmp_path


def make_console(box: Path, typed: str) -> tuple[Console, io.StringIO, list[float]]:
    out = io.StringIO()
    sleeps: list[float] = []
    return Console(box, REPO / "boards" / "sim.toml", io.StringIO(typed), out, sleep=sleeps.append), out, sleeps


def test_banner_says_how_to_reach_the_box_and_shows_first_boot_credentials(box: Path) -> None:
    (box / "credentials.txt").write_text("  Admin PIN:  12345678\n")
    text = banner(REPO / "boards" / "sim.toml")
    assert ".local" in text and "port 5060" in text and "Simulated board" in text
    assert "Admin PIN:  12345678" in text and "Type done" in text
    assert "Self-test: not finished yet" in text


def test_done_hides_the_credentials_for_good(box: Path) -> None:
    (box / "credentials.txt").write_text("  Admin PIN:  12345678\n")
    console, _, _ = make_console(box, "")
    console.handle("done")
    assert not (box / "credentials.txt").exists()
    assert "12345678" not in banner(REPO / "boards" / "sim.toml")


def test_selftest_lists_each_check(box: Path) -> None:
    result = SelfTestResult(ok=False, finished_at="t", checks=(Check("edge", True, "edge answers on 127.0.0.1:5060"),
                                                               Check("devices", False, "missing /dev/ttyAMA1")))
    (box / "selftest.json").write_text(result.to_json())
    console, out, _ = make_console(box, "")
    console.handle("selftest")
    assert "self-test FAILED" in out.getvalue()
    assert "FAIL devices: missing /dev/ttyAMA1" in out.getvalue()
    assert "Self-test: FAILED: devices: missing /dev/ttyAMA1" in banner(REPO / "boards" / "sim.toml")


def test_shell_needs_the_right_pin_and_slows_down_guessing(box: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store_admin_pin(box / "appliance", "24681357")
    started: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: started.append(argv))
    console, out, sleeps = make_console(box, "11111111\n22222222\n24681357\n")
    console.handle("shell")
    console.handle("shell")
    assert out.getvalue().count("wrong PIN") == 2 and sleeps == [2, 4]
    assert started == []
    console.handle("shell")
    assert started == [["/bin/bash", "--login"]]
    assert "11111111" not in out.getvalue()  # typed PINs are not echoed back


def test_shell_without_a_stored_pin_explains_the_reset(box: Path) -> None:
    console, out, _ = make_console(box, "1234\n")
    console.handle("shell")
    assert "minipbx-reset" in out.getvalue()


def test_unknown_commands_show_help_and_eof_ends_the_console(box: Path) -> None:
    console, out, _ = make_console(box, "reboot\n")
    console.loop()
    assert "unknown command 'reboot'" in out.getvalue()
    assert "Commands:" in out.getvalue()
