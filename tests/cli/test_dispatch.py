"""`minipbx` loads only the module of the command given; the table it uses must match the modules."""
from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from firmware.cli.main import COMMANDS, build_parser, command_word


def test_every_module_defines_exactly_the_words_the_table_gives_it() -> None:
    for module in set(COMMANDS.values()):
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(f"firmware.cli.{module}").add_parsers(sub)
        assert set(sub.choices) == {w for w, m in COMMANDS.items() if m == module}, module


def test_the_command_word_skips_the_data_option() -> None:
    assert command_word(["--data", "ext", "status", "--json"]) == "status"
    assert command_word(["--data=/d", "ext", "list"]) == "ext"
    assert command_word(["--help"]) is None


def test_help_and_typos_still_see_every_command() -> None:
    choices = build_parser(None)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(choices) == set(COMMANDS)  # type: ignore[arg-type]
    typo = subprocess.run([sys.executable, "-m", "firmware.cli.main", "extt", "list"], capture_output=True, text=True)
    assert typo.returncode == 2
    assert "invalid choice: 'extt'" in typo.stderr and "ext" in typo.stderr


def test_a_status_query_loads_only_the_control_socket_client() -> None:
    # The console runs `minipbx status` on boxes where every import costs seconds.
    probe = ("import sys; from firmware.cli.main import main; main(['--data', '/nonexistent', 'status']); "
             "print(sorted(m for m in sys.modules if m.startswith(('firmware.brain.supervisor', 'firmware.api', "
             "'firmware.directory', 'firmware.admin', 'ldap3', 'fastapi', 'pydantic', 'sqlite_utils', 'numpy'))))")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "minipbx is not running" in ran.stderr
    assert ran.stdout.strip() == "[]", ran.stdout
