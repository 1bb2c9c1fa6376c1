"""`minipbx ldap ...` as an administrator runs it, against the session's slapd."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, assert_one_line_error
from tests.support.slapd import PBX_PASSWORD, SUFFIXES, DirectoryTree, Slapd


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return Cli(tmp_path / "data", workdir)


def _set_password(cli: Cli, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([cli.program, "--data", str(cli.data_dir), "ldap", "set", "--bind-password-stdin"],
                          input=password + "\n", capture_output=True, text=True, timeout=30, cwd=cli.cwd)


def _configure(cli: Cli, slapd: Slapd, tree: DirectoryTree) -> None:
    cli.ok("ldap", "set", f"url={slapd.url}", "starttls=no", f"bind_dn=cn=pbx,{SUFFIXES[0]}", f"base_dn={tree.ou}")
    assert _set_password(cli, PBX_PASSWORD).returncode == 0


def test_set_show_test_sync_and_log(cli: Cli, slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201", email="jane@example.com")
    gone = tree.add_person("gone", "Gus Gone", number="203")
    _configure(cli, slapd, tree)

    shown = cli.ok("ldap", "show")
    assert "bind_password: (set)" in shown and PBX_PASSWORD not in shown
    assert f"base_dn: {tree.ou}" in shown
    assert "connected and bound; 2 entries match" in cli.ok("ldap", "test")

    before = cli.snapshot()
    dry = cli.ok("ldap", "sync", "--dry-run")
    assert "would create 201 Jane Doe (user)" in dry and "nothing written" in dry
    assert cli.snapshot() == before

    synced = cli.ok("ldap", "sync")
    assert "synced: 2 added" in synced
    assert "SIP user 201, password " in synced

    tree.server.delete(gone)
    assert "would disable 203 Gus Gone: no longer in the directory" in cli.ok("ldap", "sync", "--dry-run")
    cli.ok("ldap", "sync")
    listed = cli.ok("ext", "list")
    assert "Jane Doe" in listed and "Gus Gone (disabled)" in listed
    log = cli.ok("ldap", "log", "-v")
    assert "command   ok     2 added" in log and "create 201 Jane Doe (user)" in log
    assert "command   ok     1 disabled" in log
    assert PBX_PASSWORD not in log


def test_mistakes_are_one_line_and_change_nothing(cli: Cli, slapd: Slapd, tree: DirectoryTree) -> None:
    _configure(cli, slapd, tree)
    before = cli.snapshot()
    assert "url = 'http://dc1' is not accepted; use ldap://HOST[:PORT]" in cli.fails("ldap", "set", "url=http://dc1")
    assert "use --bind-password-stdin" in cli.fails("ldap", "set", "bind_password=secret")
    assert "cannot be read" in cli.fails("ldap", "set", "--ca-cert", str(cli.cwd / "missing.pem"))
    assert cli.snapshot() == before

    wrong = _set_password(cli, "not-it")
    assert wrong.returncode == 0
    message = cli.fails("ldap", "sync")
    assert "wrong bind DN or password" in message and "not-it" not in message
    assert "FAILED" in cli.ok("ldap", "log")


def test_sync_before_configuration(cli: Cli) -> None:
    result = cli("ldap", "sync")
    assert_one_line_error(result)
    assert "no directory server is set" in result.stderr


def test_phonebook_commands(cli: Cli) -> None:
    assert "added to the phonebook" in cli.ok("phonebook", "add", "Caretaker & Co", "030 555 0100")
    exported = cli.ok("phonebook", "export", "--format", "yealink")
    assert "<Name>Caretaker &amp; Co</Name>" in exported and ">00305550100</Telephone>" in exported
    assert "number 'call me' is not accepted" in cli.fails("phonebook", "add", "Someone", "call me")
