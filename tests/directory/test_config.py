"""Directory configuration: each bad value named with what is accepted; nothing half-written."""
from __future__ import annotations

import pytest
import sqlite_utils

from firmware.directory.config import DirectoryConfigError, load_config, set_config


def _stored(db: sqlite_utils.Database) -> dict[str, str]:
    return {str(k): str(v) for k, v in db.execute("SELECT key, value FROM directory_config")}


@pytest.mark.parametrize(("changes", "message"), [
    ({"url": "http://dc1"}, "url = 'http://dc1' is not accepted; use ldap://HOST[:PORT] or ldaps://HOST[:PORT]"),
    ({"url": "ldaps://dc1:99999"}, "url = 'ldaps://dc1:99999' is not accepted"),
    ({"filter": "objectClass=person"}, "filter = 'objectClass=person' is not accepted; use an LDAP filter"),
    ({"filter": "(=x)"}, "filter = '(=x)' is not accepted"),
    ({"base_dn": "people"}, "base_dn = 'people' is not accepted; use a DN"),
    ({"page_size": "0"}, "page_size = '0' is not accepted; use a whole number 10-5000"),
    ({"interval_minutes": "1"}, "interval_minutes = '1' is not accepted; use 0 (on demand only) or a whole number"),
    ({"rule.name": "always"}, "rule.name = 'always' is not accepted; use create, sync or never"),
    ({"map.number": "ip phone"}, "map.number = 'ip phone' is not accepted; use an attribute name"),
    ({"ca_cert": "not a certificate"}, "ca_cert = 'not a certificate' is not accepted; use a PEM certificate"),
    ({"leaver_destination": "ext:555"},
     "leaver_destination is not accepted: destination 'ext:555': extension 555 does not exist"),
    ({"missing_number": "assign"}, "missing_number = 'assign' needs a number_range"),
    ({"map.id": ""}, None),
    ({"colour": "blue"}, "unknown directory setting 'colour'; known: url,"),
])
def test_bad_values_are_named_and_nothing_is_written(db: sqlite_utils.Database, changes: dict[str, str],
                                                     message: str | None) -> None:
    set_config(db, {"url": "ldap://dc1", "preset": "ad"})
    before = _stored(db)
    if message is None:  # clearing a key goes back to the preset's attribute
        set_config(db, changes)
        assert load_config(db).mapping["id"] == "objectGUID"
        return
    with pytest.raises(DirectoryConfigError) as caught:
        set_config(db, {"base_dn": "dc=example,dc=com", **changes})
    assert message in str(caught.value)
    assert _stored(db) == before


def test_presets_and_overrides(db: sqlite_utils.Database) -> None:
    config = set_config(db, {"preset": "ad", "map.number": "telephoneNumber"})
    assert config.mapping["id"] == "objectGUID" and config.mapping["number"] == "telephoneNumber"
    assert config.search_filter == "(&(objectCategory=person)(objectClass=user))"
    config = set_config(db, {"preset": "openldap", "map.number": ""})
    assert config.mapping["id"] == "entryUUID" and config.mapping["number"] == "telephoneNumber"
    assert config.search_filter == "(objectClass=inetOrgPerson)"


def test_the_bind_password_is_write_only(db: sqlite_utils.Database) -> None:
    config = set_config(db, {"bind_password": "Very-Secret-42"})
    assert config.bind_password == "Very-Secret-42"
    assert "Very-Secret-42" not in repr(config) and "Very-Secret-42" not in str(config.public())
    assert config.public()["bind_password"] == "(set)"
