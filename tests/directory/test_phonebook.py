"""The desk phones' phonebook: who is in it, the XML phones read, fetched with the phone's login."""
from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlite_utils

from firmware.directory.phonebook import PhonebookError, add_contact, caller_name, contacts, grandstream_xml, serve
from firmware.directory.sync import sync_directory
from firmware.store.database import open_store
from tests.directory.conftest import use_openldap
from tests.support.slapd import DirectoryTree, Slapd


@pytest.fixture
def synced(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> dict[str, str]:
    """Jane (with title and mobile), Bob, and Gus who has left; returns the SIP passwords."""
    tree.add_person("jdoe", "Jane Doe", number="201", department="Sales", title="Account manager",
                    mobile="+49 170 1234567")
    tree.add_person("bsmith", "Bob Smith", number="202")
    gone = tree.add_person("gone", "Gus Gone", number="203")
    use_openldap(db, slapd, tree)
    passwords = {a.number: a.password for a in sync_directory(db, data_dir).accounts}
    tree.server.delete(gone)
    sync_directory(db, data_dir)
    add_contact(db, "Caretaker & Co", "030 555 0100")
    add_contact(db, "Caretaker & Co", "0171 999 8888", "mobile")
    return passwords


def test_people_in_service_and_shared_contacts(db: sqlite_utils.Database, synced: dict[str, str]) -> None:
    book = {c.name: c for c in contacts(db)}
    assert sorted(book) == ["Bob Smith", "Caretaker & Co", "Jane Doe"]  # the leaver is not in it
    jane = book["Jane Doe"]
    assert jane.numbers == (("work", "201"), ("mobile", "0+491701234567"))  # dialled with the outside-line code
    assert (jane.title, jane.department) == ("Account manager", "Sales")
    assert book["Caretaker & Co"].numbers == (("work", "00305550100"), ("mobile", "001719998888"))


def test_grandstream_xml(db: sqlite_utils.Database, synced: dict[str, str]) -> None:
    root = ET.fromstring(grandstream_xml(contacts(db)))
    assert root.tag == "AddressBook"
    jane = next(c for c in root.iter("Contact") if c.findtext("LastName") == "Doe")
    assert jane.findtext("FirstName") == "Jane"
    assert [(p.get("type"), p.findtext("phonenumber")) for p in jane.iter("Phone")] == \
        [("Work", "201"), ("Cell", "0+491701234567")]


def test_caller_name_for_inbound_numbers(db: sqlite_utils.Database, synced: dict[str, str]) -> None:
    assert caller_name(db, "+49305550100") == "Caretaker & Co"
    assert caller_name(db, "0305550100") == "Caretaker & Co"
    assert caller_name(db, "01701234567") == "Jane Doe"
    assert caller_name(db, "0309999999") is None
    assert caller_name(db, "100") is None  # too short to match anyone's end safely


def test_bad_contacts_are_named(db: sqlite_utils.Database) -> None:
    with pytest.raises(PhonebookError, match=r"number 'call me' is not accepted; use an outside number"):
        add_contact(db, "Someone", "call me")
    with pytest.raises(PhonebookError, match=r"label 'fax' is not accepted; use one of: work, mobile, home"):
        add_contact(db, "Someone", "030 1234567", "fax")
    with pytest.raises(PhonebookError, match=r"contact name '' is not accepted"):
        add_contact(db, " ", "030 1234567")


@pytest.fixture
def phonebook_server(data_dir: Path, synced: dict[str, str]) -> Iterator[str]:
    """A plain HTTP server in front of serve(), as the HTTP API will put it; its base URL."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            store = open_store(data_dir)
            try:
                reply = serve(store, self.path, self.headers.get("Authorization", ""))
            finally:
                store.conn.close()
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fetch(url: str, user: str, password: str) -> tuple[int, bytes]:
    """As a Yealink phone does: a GET with HTTP Basic credentials."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}", "User-Agent": "Yealink T46U"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_a_desk_phone_fetches_the_phonebook_with_its_sip_account(phonebook_server: str,
                                                                  synced: dict[str, str]) -> None:
    status, body = _fetch(f"{phonebook_server}/phonebook/yealink.xml", "202", synced["202"])
    assert status == 200
    root = ET.fromstring(body)
    assert root.tag == "YealinkIPPhoneDirectory"
    names = [e.findtext("Name") for e in root.iter("DirectoryEntry")]
    assert names == ["Bob Smith", "Caretaker & Co", "Jane Doe"]
    assert _fetch(f"{phonebook_server}/phonebook/yealink.xml", "202", "wrong-password")[0] == 401
    # The leaver's phone is refused too: its SIP account is disabled.
    assert _fetch(f"{phonebook_server}/phonebook/yealink.xml", "203", synced["203"])[0] == 401
    status, body = _fetch(f"{phonebook_server}/phonebook/contacts.csv", "201", synced["201"])
    assert status == 200 and b"Jane Doe,201,0+491701234567,,Sales,Account manager" in body
    assert _fetch(f"{phonebook_server}/phonebook/other", "201", synced["201"])[0] == 404


@pytest.mark.parametrize("authorization", [
    "", "Basic", "Basic !!!not-base64", "Bearer abc", "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + base64.b64encode(b"\xff\xfe:x").decode(), "Basic " + base64.b64encode(b"999:whatever").decode(),
])
def test_malformed_or_unknown_credentials_are_refused(db: sqlite_utils.Database, authorization: str) -> None:
    reply = serve(db, "/phonebook/yealink.xml", authorization)
    assert reply.status == 401
    assert ("WWW-Authenticate", 'Basic realm="minipbx phonebook", charset="UTF-8"') in reply.headers
