"""`minipbx dept list|rename`, run as a person runs them."""
from __future__ import annotations

from tests.cli.conftest import Cli


def test_a_department_is_listed_renamed_and_a_bad_name_refused(cli: Cli) -> None:
    cli.ok("ext", "add", "101", "--name", "Anna")
    assert cli.ok("dept", "list") == "no departments: give extensions one with `ext set NUMBER --department NAME`\n"
    cli.ok("ext", "set", "101", "--department", "Sales")
    cli.ok("ext", "add", "102", "--name", "Ben", "--department", "Sales")
    assert cli.ok("dept", "list").splitlines()[1].split() == ["Sales", "101", "Anna,", "102", "Ben"]
    assert cli.ok("dept", "rename", "Sales", "Field sales") == "department Sales is now Field sales: 101, 102\n"
    assert "Field sales" in cli.ok("ext", "list")
    assert cli.fails("dept", "rename", "Sales", "X") == (
        "minipbx: error: department 'Sales' does not exist (no extension is in it); the departments are: Field sales")
    assert cli.fails("dept", "rename", "Field sales", "<b>") == (
        "minipbx: error: department name '<b>' is not accepted; use 1-64 characters without quotes or <>")
