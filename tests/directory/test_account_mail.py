"""New people get their SIP account by e-mail (mail_passwords), through the voicemail mail server."""
from __future__ import annotations

from pathlib import Path

import sqlite_utils

from firmware.directory.sync import sync_directory, sync_log
from tests.apps.voicemail.conftest import MailServers, mail_servers, use_mail_server  # noqa: F401
from tests.directory.conftest import use_openldap
from tests.support.slapd import DirectoryTree, Slapd, free_port


def test_new_accounts_are_e_mailed(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree,
                                   mail_servers: MailServers) -> None:  # noqa: F811
    tree.add_person("jdoe", "Jane Doe", number="201", email="jane@example.com")
    tree.add_person("bsmith", "Bob Smith", number="202")
    inbox, port = mail_servers.start()
    use_mail_server(db, port)
    use_openldap(db, slapd, tree, mail_passwords="yes")

    result = sync_directory(db, data_dir)

    [(_, to, mail)] = inbox.mails
    password = next(a.password for a in result.accounts if a.number == "201")
    assert to == ["jane@example.com"] and mail["Subject"] == "Your phone extension 201"
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "user     201" in body and f"password {password}" in body
    assert "SIP account 202 not e-mailed: Bob Smith has no e-mail address" in result.notes
    assert not any(password in line for line in sync_log(db)[0].details)


def test_a_mail_server_that_is_down_is_a_note_not_a_failed_sync(
        db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201", email="jane@example.com")
    use_mail_server(db, free_port())
    use_openldap(db, slapd, tree, mail_passwords="yes")

    result = sync_directory(db, data_dir)

    assert result.counts["added"] == 1
    assert any(n.startswith("SIP account 201 not e-mailed to jane@example.com: mail server 127.0.0.1:")
               and "unreachable" in n for n in result.notes)
