"""Talking to the directory: TLS both ways, paging past the size limit, and each failure named."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from firmware.directory.client import DirectoryError
from firmware.directory.config import set_config
from firmware.directory.sync import check_directory, sync_directory, sync_log
from tests.directory.conftest import use_openldap
from tests.support.slapd import PBX_PASSWORD, SIZE_LIMIT, SUFFIXES, DirectoryTree, Slapd, free_port, make_ca


def _people(tree: DirectoryTree, count: int, first: int = 300) -> None:
    tree.server.add("\n".join(
        f"dn: uid=p{i},{tree.ou}\nobjectClass: inetOrgPerson\nuid: p{i}\ncn: Person {i}\nsn: P\n"
        f"telephoneNumber: {first + i}\n" for i in range(count)))


def _fails(db: sqlite_utils.Database, data_dir: Path, kind: str) -> str:
    before = db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0]
    with pytest.raises(DirectoryError) as caught:
        sync_directory(db, data_dir)
    assert caught.value.kind == kind, caught.value
    assert db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0] == before
    message = str(caught.value)
    assert "\n" not in message and PBX_PASSWORD not in message
    assert sync_log(db)[0].error == message and not sync_log(db)[0].ok
    return message


def test_ldaps_and_starttls_with_the_directory_ca(db: sqlite_utils.Database, data_dir: Path,
                                                  slapd: Slapd, tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    use_openldap(db, slapd, tree, ca_cert=slapd.ca.pem, url=slapd.ldaps_url)
    assert check_directory(db).people == 1
    set_config(db, {"url": slapd.url, "starttls": "yes"})
    assert sync_directory(db, data_dir).counts["added"] == 1


def test_a_certificate_from_another_ca_is_refused(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                                                  tree: DirectoryTree, tmp_path: Path) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    other = make_ca(tmp_path / "other", "some-other-ca")
    use_openldap(db, slapd, tree, ca_cert=other.pem, url=slapd.ldaps_url)
    assert "its TLS certificate is not trusted" in _fails(db, data_dir, "tls")
    set_config(db, {"url": slapd.url, "starttls": "yes"})
    assert "its TLS certificate is not trusted" in _fails(db, data_dir, "tls")
    # Without a CA of its own, the system's authorities do not know the test CA either.
    set_config(db, {"ca_cert": ""})
    assert "system's trusted authorities" in _fails(db, data_dir, "tls")


def test_paged_search_reads_past_the_size_limit(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                                                tree: DirectoryTree) -> None:
    _people(tree, 120)
    assert SIZE_LIMIT < 120
    use_openldap(db, slapd, tree, page_size="20")
    result = sync_directory(db, data_dir)
    assert result.counts["added"] == 120
    assert db.execute("SELECT COUNT(*) FROM extensions").fetchone()[0] == 120


def test_a_server_that_stops_at_its_size_limit_changes_nothing(db: sqlite_utils.Database, data_dir: Path,
                                                               slapd: Slapd, tree: DirectoryTree) -> None:
    _people(tree, 60)
    use_openldap(db, slapd, tree, page_size="20")
    sync_directory(db, data_dir)
    # This account's paged searches are capped at 50: the 10 beyond must not look like leavers.
    set_config(db, {"bind_dn": f"cn=capped,{SUFFIXES[0]}"})
    assert "size limit" in _fails(db, data_dir, "size_limit")
    assert db.execute("SELECT COUNT(*) FROM extensions WHERE disabled_at != ''").fetchone()[0] == 0


def test_wrong_bind_password(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd,
                             tree: DirectoryTree) -> None:
    use_openldap(db, slapd, tree, bind_password="not-the-password")
    message = _fails(db, data_dir, "bind")
    assert "wrong bind DN or password" in message and f"cn=pbx,{SUFFIXES[0]}" in message
    assert "not-the-password" not in message


def test_unreachable_server(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    use_openldap(db, slapd, tree, url=f"ldap://127.0.0.1:{free_port()}")
    assert "is unreachable: connection refused" in _fails(db, data_dir, "unreachable")
    set_config(db, {"url": "ldap://no-such-host.invalid"})
    assert "host name 'no-such-host.invalid' not found" in _fails(db, data_dir, "unreachable")


def test_ldaps_on_a_plain_port_and_plain_on_a_tls_port(db: sqlite_utils.Database, data_dir: Path,
                                                       slapd: Slapd, tree: DirectoryTree) -> None:
    use_openldap(db, slapd, tree, url=f"ldaps://127.0.0.1:{slapd.port}", ca_cert=slapd.ca.pem)
    assert "TLS handshake failed" in _fails(db, data_dir, "unreachable")


def test_wrong_base_dn(db: sqlite_utils.Database, data_dir: Path, slapd: Slapd, tree: DirectoryTree) -> None:
    use_openldap(db, slapd, tree, base_dn=f"ou=nowhere,{SUFFIXES[0]}")
    assert f"has no entry 'ou=nowhere,{SUFFIXES[0]}'" in _fails(db, data_dir, "base")


def test_bad_filter_is_refused_when_set_and_when_stored(db: sqlite_utils.Database, data_dir: Path,
                                                        slapd: Slapd, tree: DirectoryTree) -> None:
    from firmware.directory.config import DirectoryConfigError

    use_openldap(db, slapd, tree)
    with pytest.raises(DirectoryConfigError, match=r"filter = '\(objectClass=person' is not accepted"):
        set_config(db, {"filter": "(objectClass=person"})
    # One written before validation existed (or by hand) is named at sync time.
    db.execute("INSERT OR REPLACE INTO directory_config VALUES ('filter', '(&(cn=a)')")
    with pytest.raises(DirectoryConfigError, match=r"filter = '\(&\(cn=a\)' is not accepted"):
        sync_directory(db, data_dir)
    assert "filter = '(&(cn=a)' is not accepted" in sync_log(db)[0].error


def test_a_mapped_attribute_no_entry_has_is_named(db: sqlite_utils.Database, slapd: Slapd,
                                                  tree: DirectoryTree) -> None:
    tree.add_person("jdoe", "Jane Doe", number="201")
    use_openldap(db, slapd, tree, **{"map.number": "ipPhone"})
    report = check_directory(db)
    assert "no entry has the attribute ipPhone (map.number); check the mapping" in report.notes
    set_config(db, {"map.id": "employeeNumber"})
    with pytest.raises(DirectoryError, match=r"no entry has the attribute employeeNumber that map\.id names"):
        check_directory(db)
