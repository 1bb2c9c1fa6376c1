"""`minipbx demo-seed`, and every command facing a damaged database."""
from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat

import pytest

from firmware.appliance.credentials import verify_admin_pin
from tests.cli.conftest import BOARD, Cli
from tests.support.pbx import free_sip_port

ACCOUNT = re.compile(r"^  user (\d+)  password (\S+)  \((.+)\)$", re.MULTILINE)
ADMIN_PIN = re.compile(r"^Admin PIN (\d{8}): dial \*99", re.MULTILINE)


def test_demo_seed_creates_four_extensions_once_and_shows_their_passwords_each_time(cli: Cli) -> None:
    first = cli.ok("demo-seed", "--sip-addr", "192.168.1.10", "--sip-port", "5080")
    assert first.startswith("minipbx demo: SIP server 192.168.1.10:5080 (UDP or TCP), realm minipbx\n")
    accounts = ACCOUNT.findall(first)
    assert [(number, name) for number, _, name in accounts] == [
        ("101", "Reception"), ("102", "Sales"), ("103", "Support"), ("104", "Manager")]
    with sqlite3.connect(cli.db_file) as conn:
        for number, password, _ in accounts:
            ha1 = conn.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()[0]
            assert ha1 == hashlib.md5(f"{number}:minipbx:{password}".encode()).hexdigest()
    # The list a person can come back to is readable by the owner only.
    credentials = cli.data_dir / "demo-credentials.txt"
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600

    before = cli.snapshot()
    second = cli.ok("demo-seed", "--sip-addr", "192.168.1.10", "--sip-port", "5080")
    assert ACCOUNT.findall(second) == accounts
    assert cli.snapshot() == before


def test_demo_seed_makes_an_admin_pin_for_keypad_programming_once(cli: Cli) -> None:
    [pin] = ADMIN_PIN.findall(cli.ok("demo-seed"))
    assert verify_admin_pin(cli.data_dir / "appliance", pin)
    assert stat.S_IMODE(os.stat(cli.data_dir / "demo-admin-pin.txt").st_mode) == 0o600
    assert ADMIN_PIN.findall(cli.ok("demo-seed")) == [pin]
    # Another box's demo gets its own: there is no default admin PIN.
    other = Cli(cli.data_dir.parent / "other", cli.cwd)
    assert ADMIN_PIN.findall(other.ok("demo-seed")) != [pin]


def test_demo_seed_leaves_a_directory_with_its_own_extensions_alone(cli: Cli) -> None:
    cli.ok("ext", "add", "200", "--name", "Boss")
    out = cli.ok("demo-seed")
    assert "already has extensions" in out
    assert ACCOUNT.findall(out) == []
    assert [line.split()[0] for line in cli.ok("ext", "list").splitlines()[1:]] == ["200"]


COMMANDS_THAT_OPEN_THE_DATABASE = [
    ["ext", "add", "105", "--name", "Lab"],
    ["ext", "list"],
    ["ext", "list", "--json"],
    ["ext", "remove", "101"],
    ["ext", "passwd", "101"],
    ["config"],
    ["config", "get", "ring_timeout"],
    ["config", "set", "ring_timeout", "40"],
    ["cdr"],
    ["demo-seed"],
    ["run", "--board", str(BOARD), "--sip-port", "{port}"],
]


def damage_database(cli: Cli, how: str) -> bytes:
    cli.ok("ext", "add", "101", "--name", "Reception")
    cli.ok("ext", "add", "102", "--name", "Sales")
    whole = cli.db_file.read_bytes()
    damaged = os.urandom(len(whole)) if how == "random" else whole[: len(whole) // 3]
    for leftover in cli.data_dir.glob("minipbx.db-*"):
        leftover.unlink()
    cli.db_file.write_bytes(damaged)
    return damaged


def assert_refused_as_corrupt(cli: Cli, args: list[str], damaged: bytes) -> None:
    args = [arg.format(port=free_sip_port()) for arg in args]
    message = cli.fails(*args, timeout=20)
    assert f"minipbx: error: database {cli.db_file} is corrupt" in message
    assert "restore a backup" in message
    assert cli.db_file.read_bytes() == damaged


@pytest.mark.parametrize("args", COMMANDS_THAT_OPEN_THE_DATABASE, ids=" ".join)
def test_random_bytes_database_gives_one_line_for_every_command(cli: Cli, args: list[str]) -> None:
    assert_refused_as_corrupt(cli, args, damage_database(cli, "random"))


@pytest.mark.parametrize("args", [["ext", "list"], ["ext", "add", "105", "--name", "Lab"], ["cdr"]], ids=" ".join)
def test_truncated_database_gives_one_line(cli: Cli, args: list[str]) -> None:
    assert_refused_as_corrupt(cli, args, damage_database(cli, "truncated"))
