"""Sessions expire; custom roles are sets of known permissions."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from firmware.access.permissions import Permission, RoleError, parse_permissions, role_permissions, set_role
from firmware.access.tokens import find_session, open_session, token_hash
from firmware.store.database import open_store


def test_a_session_ends_at_its_expiry(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    token, expires = open_session(db, "admin")
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
    assert find_session(db, token) is not None
    db.execute("UPDATE api_sessions SET expires_at = ? WHERE token_hash = ?",
               [(datetime.now(UTC) - timedelta(seconds=1)).isoformat(), token_hash(token)])
    assert find_session(db, token) is None


def test_roles(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    assert role_permissions(db, "admin") == frozenset(Permission)
    assert role_permissions(db, "user") == frozenset()
    set_role(db, "night-desk", parse_permissions("live_calls, call_logic"))
    assert role_permissions(db, "night-desk") == {Permission.LIVE_CALLS, Permission.CALL_LOGIC}
    assert role_permissions(db, "deleted-meanwhile") == frozenset()
    with pytest.raises(RoleError, match="role name 'Night Desk' is not accepted"):
        set_role(db, "Night Desk", frozenset())
    with pytest.raises(RoleError, match=r"permission 'root' is not known; use any of: settings, extensions"):
        parse_permissions(["root"])
