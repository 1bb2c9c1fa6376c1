"""Settings: list, read, change (validated by firmware/store/settings.py)."""
from __future__ import annotations

from pydantic import BaseModel

from firmware.admin.context import Admin
from firmware.store.settings import SETTINGS, SettingError, get_setting, set_setting

# Values never shown: a listing says only whether they are set.
SECRET_KEYS = frozenset({"smtp_password"})


class SettingView(BaseModel):
    key: str
    value: str
    meaning: str
    accepted: str
    applies_at_next_start: bool
    secret: bool


def shown(key: str, value: object) -> str:
    """A setting as shown: secrets only say whether they are set."""
    if key in SECRET_KEYS:
        return "(set)" if value else "(not set)"
    return str(value)


def _known(key: str) -> None:
    if key not in SETTINGS:
        raise SettingError(f"unknown setting {key!r}; known settings: {', '.join(sorted(SETTINGS))}")


def _view(admin: Admin, key: str) -> SettingView:
    s = SETTINGS[key]
    return SettingView(key=key, value=shown(key, get_setting(admin.db, key)), meaning=s.help, accepted=s.accepted,
                       applies_at_next_start=s.at_next_start, secret=key in SECRET_KEYS)


def list_all(admin: Admin) -> list[SettingView]:
    return [_view(admin, k) for k in sorted(SETTINGS)]


def get(admin: Admin, key: str) -> SettingView:
    _known(key)
    return _view(admin, key)


def change(admin: Admin, key: str, value: str) -> SettingView:
    set_setting(admin.db, key, value)
    admin.audit("setting.change", key=key, value=shown(key, value))
    return _view(admin, key)
