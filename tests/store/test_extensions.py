"""Extensions and their SIP accounts: what is accepted, what is refused, and what is stored."""
from __future__ import annotations

import hashlib
import sqlite3

import pytest
import sqlite_utils

from firmware.store.extensions import (
    Extension,
    ExtensionError,
    add_extension,
    get_extension,
    list_extensions,
    remove_extension,
    set_password,
)
from firmware.store.passwords import GENERATED_LENGTH, WeakPasswordError

GOOD_PASSWORD = "Tr4in-Station-Blue"


def rows(db: sqlite_utils.Database, table: str, column: str, number: str) -> int:
    return int(db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", [number]).fetchone()[0])


def account_rows(db: sqlite_utils.Database) -> tuple[int, int]:
    return (db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0],
            db.execute("SELECT COUNT(*) FROM subscriber").fetchone()[0])


def ha1_of(db: sqlite_utils.Database, number: str) -> str:
    return str(db.execute("SELECT ha1 FROM subscriber WHERE username = ?", [number]).fetchone()[0])


def digest(number: str, password: str) -> str:
    return hashlib.md5(f"{number}:minipbx:{password}".encode()).hexdigest()


def test_added_extension_is_listed_with_its_details(db: sqlite_utils.Database) -> None:
    add_extension(db, "102", "Sales", password=GOOD_PASSWORD, email="sales@example.com",
                  department="Sales", role="admin")
    add_extension(db, "101", "  Reception  ")
    add_extension(db, "800", "Warehouse")
    assert list_extensions(db) == [
        Extension("101", "Reception", None, None, "user"),
        Extension("102", "Sales", "sales@example.com", "Sales", "admin"),
        Extension("800", "Warehouse", None, None, "user"),
    ]
    assert get_extension(db, "102") == list_extensions(db)[1]
    assert get_extension(db, "103") is None


def test_generated_password_is_long_and_works_for_digest_auth(db: sqlite_utils.Database) -> None:
    password = add_extension(db, "101", "Reception")
    assert len(password) >= 16 == GENERATED_LENGTH
    assert ha1_of(db, "101") == digest("101", password)
    assert add_extension(db, "102", "Sales") != password


def test_chosen_password_is_stored_only_as_digest(db: sqlite_utils.Database) -> None:
    assert add_extension(db, "101", "Reception", password=GOOD_PASSWORD) == GOOD_PASSWORD
    row = db.execute("SELECT username, domain, password, ha1, ha1b FROM subscriber").fetchone()
    assert row[:3] == ("101", "minipbx", "")
    assert row[3] == digest("101", GOOD_PASSWORD)
    assert row[4] == hashlib.md5(f"101@minipbx:minipbx:{GOOD_PASSWORD}".encode()).hexdigest()
    dump = "\n".join(db.conn.iterdump())
    assert GOOD_PASSWORD not in dump


def test_duplicate_number_is_refused_and_the_first_account_kept(db: sqlite_utils.Database) -> None:
    add_extension(db, "101", "Reception", password=GOOD_PASSWORD)
    with pytest.raises(ExtensionError, match="extension 101 already exists"):
        add_extension(db, "101", "Somebody else", password="An0ther-Passphrase")
    assert list_extensions(db) == [Extension("101", "Reception", None, None, "user")]
    assert ha1_of(db, "101") == digest("101", GOOD_PASSWORD)
    assert account_rows(db) == (1, 1)


@pytest.mark.parametrize("number", ["1", "0101", "12a", "1234567", "", " 101", "101 ", "+101", "١٠١"])
def test_malformed_number_is_refused_naming_it_and_the_rule(db: sqlite_utils.Database, number: str) -> None:
    with pytest.raises(ExtensionError) as info:
        add_extension(db, number, "Somebody")
    message = str(info.value)
    assert repr(number) in message
    assert "2-6 digits not starting with 0" in message
    assert account_rows(db) == (0, 0)


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_empty_name_is_refused(db: sqlite_utils.Database, name: str) -> None:
    with pytest.raises(ExtensionError, match="name is empty"):
        add_extension(db, "101", name)
    assert account_rows(db) == (0, 0)


@pytest.mark.parametrize("name", ['Bob "the boss"', "<script>", "x" * 65, "two\nlines"])
def test_name_that_would_break_a_sip_header_is_refused(db: sqlite_utils.Database, name: str) -> None:
    with pytest.raises(ExtensionError, match="up to 64 characters without quotes or <>"):
        add_extension(db, "101", name)
    assert account_rows(db) == (0, 0)


@pytest.mark.parametrize("email", ["", "bob", "bob@", "@example.com", "bob@example", "bob smith@example.com"])
def test_bad_email_is_refused_naming_it(db: sqlite_utils.Database, email: str) -> None:
    with pytest.raises(ExtensionError) as info:
        add_extension(db, "101", "Bob", email=email)
    assert f"e-mail {email!r} is not an address" in str(info.value)
    assert account_rows(db) == (0, 0)


@pytest.mark.parametrize("role", ["", "root", "Admin", "superuser"])
def test_bad_role_is_refused_naming_the_accepted_roles(db: sqlite_utils.Database, role: str) -> None:
    with pytest.raises(ExtensionError) as info:
        add_extension(db, "101", "Bob", role=role)
    assert f"role {role!r} is not accepted; use one of: user, admin" in str(info.value)
    assert account_rows(db) == (0, 0)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Ab3xyz", "too short (6 characters)"),
        ("", "too short (0 characters)"),
        ("12345678901", "digits only"),
        ("Kitchen101Phone", "contains the extension number 101"),
        ("101x101x101", "contains the extension number 101"),
        ("letmein123", "common one that SIP scanners try first"),
        ("PASSWORD12", "common one that SIP scanners try first"),
        ("Password2024!", "common one that SIP scanners try first"),
        ("abababababab1", "fewer than 4 different characters"),
        ("correcthorsebattery", "one kind of character only"),
        ("CORRECTHORSEBATTERY", "one kind of character only"),
    ],
)
def test_weak_password_is_refused_naming_the_rule(
    db: sqlite_utils.Database, password: str, rule: str
) -> None:
    with pytest.raises(WeakPasswordError) as info:
        add_extension(db, "101", "Bob", password=password)
    message = str(info.value)
    assert rule in message
    assert "at least 10 characters" in message  # and what would be accepted
    assert account_rows(db) == (0, 0)


def test_failed_add_leaves_neither_extension_nor_sip_account(db: sqlite_utils.Database) -> None:
    # The second of the two inserts fails (as on a full disk): the first must not survive.
    db.execute("CREATE TRIGGER fail_subscriber BEFORE INSERT ON subscriber "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        add_extension(db, "101", "Reception")
    assert account_rows(db) == (0, 0)
    db.execute("DROP TRIGGER fail_subscriber")
    add_extension(db, "101", "Reception")
    assert account_rows(db) == (1, 1)


def test_leftover_sip_account_is_reported_and_can_be_removed(db: sqlite_utils.Database) -> None:
    # A SIP account without an extension (a hand edit): add says so, remove clears it.
    db.execute("INSERT INTO subscriber (username, domain, ha1) VALUES ('105', 'minipbx', 'x')")
    with pytest.raises(ExtensionError, match="SIP account 105 already exists without an extension"):
        add_extension(db, "105", "Lab")
    assert account_rows(db) == (0, 1)
    remove_extension(db, "105")
    password = add_extension(db, "105", "Lab")
    assert ha1_of(db, "105") == digest("105", password)


def test_remove_deletes_extension_account_and_registrations(db: sqlite_utils.Database) -> None:
    add_extension(db, "101", "Reception")
    add_extension(db, "102", "Sales")
    for number, ruid in (("101", "a"), ("101", "b"), ("102", "c")):
        db.execute("INSERT INTO location (ruid, username, contact) VALUES (?, ?, ?)",
                   [ruid, number, f"sip:{number}@192.0.2.{len(ruid)}:5062"])
    remove_extension(db, "101")
    assert [e.number for e in list_extensions(db)] == ["102"]
    assert rows(db, "subscriber", "username", "101") == 0
    assert rows(db, "location", "username", "101") == 0
    assert rows(db, "location", "username", "102") == 1
    with pytest.raises(ExtensionError, match="extension 101 does not exist"):
        remove_extension(db, "101")


def test_passwd_replaces_the_digest(db: sqlite_utils.Database) -> None:
    old = add_extension(db, "101", "Reception")
    new = set_password(db, "101")
    assert new != old and len(new) >= 16
    assert ha1_of(db, "101") == digest("101", new)
    assert set_password(db, "101", GOOD_PASSWORD) == GOOD_PASSWORD
    assert ha1_of(db, "101") == digest("101", GOOD_PASSWORD)


def test_passwd_refuses_weak_password_and_keeps_the_old_one(db: sqlite_utils.Database) -> None:
    add_extension(db, "101", "Reception", password=GOOD_PASSWORD)
    with pytest.raises(WeakPasswordError, match="digits only"):
        set_password(db, "101", "55555555555")
    assert ha1_of(db, "101") == digest("101", GOOD_PASSWORD)


def test_passwd_of_unknown_extension_is_refused(db: sqlite_utils.Database) -> None:
    with pytest.raises(ExtensionError, match="extension 109 does not exist"):
        set_password(db, "109")
    assert account_rows(db) == (0, 0)
