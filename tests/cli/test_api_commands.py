"""`minipbx ext webpasswd|set`, `role`, `api`, `webhook`: what a person sees; refusals change nothing."""
from __future__ import annotations

import re
import sqlite3

from firmware.access.logins import log_in
from firmware.store.database import open_store
from tests.cli.conftest import Cli


def test_web_password_is_separate_from_the_sip_password_and_never_stored_plain(cli: Cli) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception", "--password", "Blue-Kettle-42")
    with sqlite3.connect(cli.db_file) as conn:
        ha1 = conn.execute("SELECT ha1 FROM subscriber WHERE username = '101'").fetchone()[0]
    out = cli.ok("ext", "webpasswd", "101")
    assert out.startswith("extension 101: new web password set (the SIP password is unchanged)\n")
    [password] = re.findall(r"^web login 101, password (\S+)  \(shown once\)$", out, re.MULTILINE)
    with sqlite3.connect(cli.db_file) as conn:
        assert conn.execute("SELECT ha1 FROM subscriber WHERE username = '101'").fetchone()[0] == ha1
        stored = conn.execute("SELECT hash FROM web_passwords WHERE login = '101'").fetchone()[0]
    assert stored.startswith("scrypt$") and password not in stored
    assert log_in(open_store(cli.data_dir), "101", password, "127.0.0.1").login == "101"
    assert cli.ok("ext", "webpasswd", "101", "--password", "Green-Lamp-77q") == \
        "extension 101: new web password set (the SIP password is unchanged)\n"
    assert cli.fails("ext", "webpasswd", "101", "--password", "short") == \
        "minipbx: error: password is too short (5 characters); use at least 10 characters mixing letters and " \
        "digits, or omit it to generate one"
    assert cli.fails("ext", "webpasswd", "555") == "minipbx: error: extension 555 does not exist; see `ext list`"
    # The audit log says who did what, never the password.
    audit = cli.ok("api", "audit")
    assert "extension.web_password" in audit and "command line" in audit and "Green-Lamp" not in audit


def test_custom_roles_and_changing_an_extension(cli: Cli) -> None:
    cli.ok("ext", "add", "101", "--name", "Reception")
    assert cli.fails("ext", "set", "101", "--role", "reception") == \
        "minipbx: error: role 'reception' is not accepted; use one of: user, admin"
    assert cli.ok("role", "set", "reception", "settings,live_calls") == "role reception: settings, live_calls\n"
    assert cli.fails("role", "set", "reception", "settings,coffee").startswith(
        "minipbx: error: permission 'coffee' is not known; use any of: settings, extensions, call_logic")
    assert cli.fails("role", "set", "admin", "settings") == \
        "minipbx: error: role admin is built in and cannot be changed; give the custom role another name"
    assert cli.ok("ext", "set", "101", "--role", "reception", "--department", "Front") == \
        "extension 101: Reception, role reception, Front\n"
    listing = cli.ok("role", "list").splitlines()
    assert listing[0].split() == ["ROLE", "PERMISSIONS"]
    assert listing[2].split()[:2] == ["user", "(own"]
    assert listing[3].split() == ["reception", "settings,", "live_calls"]
    assert cli.fails("role", "remove", "reception") == \
        "minipbx: error: role reception is given to extension(s) 101; give them another role first"
    cli.ok("ext", "set", "101", "--role", "user")
    assert cli.ok("role", "remove", "reception") == "role reception removed\n"
    assert cli.ok("ext", "add", "102", "--name", "Sales", "--role", "admin").startswith("extension 102")


def test_api_keys_are_shown_once_and_revocable(cli: Cli) -> None:
    out = cli.ok("api", "key", "add", "crm", "--permissions", "reports,live_calls")
    assert out.startswith("API key crm: live_calls, reports\n") or out.startswith("API key crm: reports, live_calls")
    [token] = re.findall(r"^token (mpk_\S+)  \(shown once", out, re.MULTILINE)
    assert token not in cli.ok("api", "key", "list") + cli.ok("api", "key", "list", "--json")
    assert token not in "".join(cli.snapshot())
    assert cli.fails("api", "key", "add", "crm", "--permissions", "reports") == \
        "minipbx: error: API key crm already exists; revoke it first or choose another name"
    assert cli.fails("api", "key", "add", "other", "--permissions", "everything").startswith(
        "minipbx: error: permission 'everything' is not known")
    assert cli.ok("api", "key", "revoke", "crm") == "API key crm revoked\n"
    assert cli.fails("api", "key", "revoke", "crm") == \
        "minipbx: error: API key crm does not exist; see `minipbx api key list`"
    out = cli.ok("api", "admin-password")
    assert re.search(r"^web login admin, password \S{16}  \(shown once\)$", out, re.MULTILINE)


def test_webhooks_from_the_command_line(cli: Cli) -> None:
    out = cli.ok("webhook", "add", "crm", "https://crm.example.com/hook", "--events", "call.missed")
    assert out.startswith("webhook crm: call.missed -> https://crm.example.com/hook\nsigning secret ")
    assert cli.ok("webhook", "list").splitlines()[1].split() == ["crm", "call.missed", "https://crm.example.com/hook"]
    before = cli.snapshot()
    assert cli.fails("webhook", "add", "x", "https://a.example/", "--events", "call.parked") == \
        ("minipbx: error: event 'call.parked' is not known; use any of: call.ringing, call.answered, "
         "call.transferred, call.ended, call.missed")
    assert cli.snapshot() == before
    assert cli.ok("webhook", "log", "crm").split() == ["ID", "EVENT", "QUEUED", "TRIES", "DELIVERED", "LAST", "ERROR"]
    assert cli.ok("webhook", "remove", "crm") == "webhook crm removed (with its undelivered events)\n"
