"""The admin layer in-process: one validation, one write, an audit row per change, typed answers."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.admin import access, extensions, forwarding, modes, settings
from firmware.admin.context import Actor, Admin, audit_log
from firmware.admin.errors import NotFound
from firmware.store.database import open_store
from firmware.store.extensions import ExtensionError
from firmware.store.settings import SettingError


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(open_store(tmp_path), tmp_path, Actor("104", "192.0.2.7"))


def test_every_change_is_audited_with_who_and_where_and_no_secret(admin: Admin) -> None:
    created = extensions.add(admin, extensions.NewExtension(number="101", name="Reception",
                                                            password="Blue-Kettle-42"))
    assert created.sip_password.generated is False
    extensions.set_web_login(admin, "101", "Green-Lamp-77q")
    settings.change(admin, "smtp_password", "hunter2-secret")
    modes.override(admin, modes.ModeChange(mode="lunch"))
    forwarding.set_dnd(admin, "101", True)
    entries = audit_log(admin.db)
    assert [e.action for e in reversed(entries)] == ["extension.add", "extension.web_password", "setting.change",
                                                     "mode.override", "forwarding.dnd"]
    assert {(e.who, e.address) for e in entries} == {("104", "192.0.2.7")}
    everything = "".join(e.detail for e in entries)
    assert "Blue-Kettle" not in everything and "Green-Lamp" not in everything and "hunter2" not in everything
    assert modes.show(admin).reason.startswith("temporary override by 104")


def test_refusals_write_nothing(admin: Admin) -> None:
    before = list(admin.db.conn.iterdump())
    with pytest.raises(ExtensionError, match="role 'boss' is not accepted"):
        extensions.add(admin, extensions.NewExtension(number="101", name="X", role="boss"))
    with pytest.raises(SettingError, match="use a whole number of seconds 5-300"):
        settings.change(admin, "ring_timeout", "1")
    with pytest.raises(NotFound, match="extension 555 does not exist"):
        extensions.set_web_login(admin, "555")
    with pytest.raises(NotFound, match="API key crm does not exist"):
        access.revoke_key(admin, "crm")
    assert list(admin.db.conn.iterdump()) == before


def test_removing_an_extension_removes_its_web_login_and_sessions(admin: Admin) -> None:
    from firmware.access.logins import LoginFailed, log_in
    from firmware.access.tokens import find_session, open_session

    extensions.add(admin, extensions.NewExtension(number="101", name="Reception"))
    extensions.set_web_login(admin, "101", "Green-Lamp-77q")
    token, _ = open_session(admin.db, "101")
    assert find_session(admin.db, token) is not None
    extensions.remove(admin, "101")
    assert find_session(admin.db, token) is None
    extensions.add(admin, extensions.NewExtension(number="101", name="Someone new"))
    # The new owner of the number does not inherit the old web password.
    with pytest.raises(LoginFailed):
        log_in(admin.db, "101", "Green-Lamp-77q", "192.0.2.9")
