"""`minipbx ext ...`: what a person sees, and a refused command changes nothing."""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3

import pytest

from firmware.admin import extensions
from firmware.admin.context import Actor, Admin
from firmware.store.database import open_store
from tests.cli.conftest import Cli

PASSWORD_LINE = re.compile(r"^SIP user (\d+), password (\S+)  \(shown once", re.MULTILINE)


def stored_ha1(cli: Cli, number: str) -> str:
    with sqlite3.connect(cli.db_file) as conn:
        return str(conn.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()[0])


def everything_on_disk(cli: Cli) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(cli.data_dir.rglob("*")) if p.is_file())


def test_add_prints_the_generated_password_once(cli: Cli) -> None:
    out = cli.ok("ext", "add", "101", "--name", "Reception")
    assert out.startswith("extension 101 (Reception) created\n")
    [(number, password)] = PASSWORD_LINE.findall(out)
    assert number == "101"
    assert len(password) >= 16
    assert out.count(password) == 1
    # The phone authenticates with it; the box keeps only the digest.
    assert stored_ha1(cli, "101") == hashlib.md5(f"101:minipbx:{password}".encode()).hexdigest()
    assert password.encode() not in everything_on_disk(cli)
    assert password not in cli.ok("ext", "list") + cli.ok("ext", "list", "--json")


def test_add_with_a_chosen_password_does_not_echo_it(cli: Cli) -> None:
    out = cli.ok("ext", "add", "102", "--name", "Sales", "--password", "Blue-Kettle-42")
    assert out == "extension 102 (Sales) created\n"
    assert stored_ha1(cli, "102") == hashlib.md5(b"102:minipbx:Blue-Kettle-42").hexdigest()


def test_list_as_table_and_as_json(cli: Cli) -> None:
    assert cli.ok("ext", "list") == "no extensions; add one with `minipbx ext add NUMBER --name NAME`\n"
    assert json.loads(cli.ok("ext", "list", "--json")) == []
    cli.ok("ext", "add", "800", "--name", "Warehouse")
    cli.ok("ext", "add", "102", "--name", "Sales", "--department", "Sales", "--email", "sales@example.com")
    cli.ok("ext", "add", "101", "--name", "Front desk", "--role", "admin")
    table = cli.ok("ext", "list").splitlines()
    assert table[0].split() == ["NUMBER", "NAME", "ROLE", "DEPARTMENT", "E-MAIL", "DEVICE", "CHANGED"]
    assert [line.split()[0] for line in table[1:]] == ["101", "102", "800"]
    assert "Front desk  admin" in table[1]
    assert table[2].split() == ["102", "Sales", "user", "Sales", "sales@example.com"]
    listed = json.loads(cli.ok("ext", "list", "--json"))
    assert all(e.pop("changed_by") == "command line" and e.pop("changed_at") for e in listed)
    assert listed == [
        {"number": "101", "name": "Front desk", "email": None, "department": None, "role": "admin", "device": ""},
        {"number": "102", "name": "Sales", "email": "sales@example.com", "department": "Sales", "role": "user",
         "device": ""},
        {"number": "800", "name": "Warehouse", "email": None, "department": None, "role": "user", "device": ""},
    ]


def test_list_names_changes_made_at_a_phones_keypad(cli: Cli) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    cli.ok("ext", "add", "102", "--name", "Sales")
    db = open_store(cli.db_file.parent)
    extensions.set_sip_password(Admin(db, cli.db_file.parent, Actor("keypad 101", "phone")), "102", keyable=True)
    db.conn.close()
    rows = {line.split()[0]: line for line in cli.ok("ext", "list").splitlines()[1:]}
    assert "changed by keypad 101 at " in rows["102"]
    assert "changed by" not in rows["101"]


def test_remove_takes_the_extension_and_its_account_away(cli: Cli) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    cli.ok("ext", "add", "102", "--name", "Sales")
    assert cli.ok("ext", "remove", "101") == "extension 101 removed\n"
    assert [e["number"] for e in json.loads(cli.ok("ext", "list", "--json"))] == ["102"]
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("SELECT username FROM subscriber").fetchall() == [("102",)]


def test_passwd_prints_a_new_password_once(cli: Cli) -> None:
    [(_, first)] = PASSWORD_LINE.findall(cli.ok("ext", "add", "101", "--name", "Reception"))
    out = cli.ok("ext", "passwd", "101")
    assert out.startswith("extension 101: new SIP password set\n")
    [(number, second)] = PASSWORD_LINE.findall(out)
    assert number == "101" and second != first and len(second) >= 16 and out.count(second) == 1
    assert stored_ha1(cli, "101") == hashlib.md5(f"101:minipbx:{second}".encode()).hexdigest()
    assert cli.ok("ext", "passwd", "101", "--password", "Blue-Kettle-42") == "extension 101: new SIP password set\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ext", "add", "101", "--name", "Again"], "extension 101 already exists"),
        (["ext", "add", "12a", "--name", "Lab"], "extension number '12a' is not valid; use 2-6 digits"),
        (["ext", "add", "0101", "--name", "Lab"], "extension number '0101' is not valid"),
        (["ext", "add", "1234567", "--name", "Lab"], "extension number '1234567' is not valid"),
        (["ext", "add", "", "--name", "Lab"], "extension number '' is not valid"),
        (["ext", "add", "105", "--name", ""], "name is empty"),
        (["ext", "add", "105", "--name", "   "], "name is empty"),
        (["ext", "add", "105", "--name", "Lab", "--password", "123"], "password is too short (3 characters)"),
        (["ext", "add", "105", "--name", "Lab", "--password", "9876543210"], "password is digits only"),
        (["ext", "add", "105", "--name", "Lab", "--password", "lab105phone"],
         "password contains the extension number 105"),
        (["ext", "add", "105", "--name", "Lab", "--password", "Password123"], "common one"),
        (["ext", "add", "105", "--name", "Lab", "--password", "labphonepass"], "one kind of character"),
        (["ext", "add", "105", "--name", "Lab", "--email", "lab"], "e-mail 'lab' is not an address"),
        (["ext", "add", "105", "--name", "Lab", "--role", "root"], "role 'root' is not accepted; use one of"),
        (["ext", "remove", "109"], "extension 109 does not exist"),
        (["ext", "passwd", "109"], "extension 109 does not exist"),
        (["ext", "passwd", "101", "--password", "short1"], "password is too short"),
    ],
)
def test_refused_command_says_why_in_one_line_and_changes_nothing(cli: Cli, args: list[str], says: str) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    before = cli.snapshot()
    message = cli.fails(*args)
    assert says in message
    assert cli.snapshot() == before


def test_mistyped_command_is_one_line_too(cli: Cli) -> None:
    message = cli.fails("ext", "add", "101", code=2)
    assert "--name" in message
    assert not cli.db_file.exists()
