"""Voice menus (`ivr:NAME`): list, show, create or change (keys too), remove; PINs are write-only.

The brain reads a menu when a call reaches it, so the next caller gets the change.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin, change_detail
from firmware.admin.errors import NotFound
from firmware.apps.ivr import config as store
from firmware.store.database import write_transaction


class MenuView(BaseModel):
    name: str
    greeting: str = Field(description="prompt played first ('' = none)")
    language: str = Field(description="en, de, or '' for the system language")
    timeout: int = Field(description="seconds to wait for a key after the greeting")
    max_invalid: int = Field(description="wrong keys or timeouts before the default")
    default_dest: str = Field(description="where callers go after the timeout or too many wrong keys")
    direct_dial: bool = Field(description="callers may key an extension number")
    outside_cos: str = Field(description="class of service for dialling out from the menu ('' = none)")
    has_pin: bool = Field(description="callers key a PIN before dialling out")
    options: dict[str, str] = Field(description="key (0-9, * or #) -> destination")


class MenuChange(BaseModel):
    """Creates the menu, or changes what is given (fields left out are kept)."""
    model_config = ConfigDict(extra="forbid")
    greeting: str | None = None
    language: str | None = Field(default=None, description=f"one of: {', '.join(store.LANGUAGES[1:])}, or ''")
    timeout: int | None = Field(default=None, description="{}-{} seconds".format(*store.TIMEOUT_SECONDS))
    max_invalid: int | None = Field(default=None, description="{}-{}".format(*store.MAX_INVALID))
    default_dest: str | None = Field(default=None, examples=["ext:101"])
    direct_dial: bool | None = None
    outside_cos: str | None = Field(default=None, description="a class of service (`cos list`); '' = none")
    pin: str | None = Field(default=None, description="write-only: 4-10 digits; '' removes the PIN")
    options: dict[str, str] | None = Field(default=None, description="replaces all the keys: {'1': 'ext:101', "
                                                                     "'2': 'group:sales'}; {} = none")


def _view(menu: store.Menu) -> MenuView:
    return MenuView(name=menu.name, greeting=menu.greeting, language=menu.language, timeout=menu.timeout,
                    max_invalid=menu.max_invalid, default_dest=menu.default_dest, direct_dial=menu.direct_dial,
                    outside_cos=menu.outside_cos, has_pin=bool(menu.pin_hash), options=dict(menu.options))


def list_all(admin: Admin) -> list[MenuView]:
    return [_view(m) for m in store.list_menus(admin.db)]


def get(admin: Admin, name: str) -> MenuView:
    menu = store.get_menu(admin.db, name)
    if menu is None:
        raise NotFound(f"voice menu {name} does not exist; see `ivr list`")
    return _view(menu)


def set_menu(admin: Admin, name: str, change: MenuChange) -> MenuView:
    """The menu and its keys in one transaction: a refused key leaves the menu as it was."""
    fields = change.model_dump(exclude={"options"})
    with write_transaction(admin.db):
        menu = store.set_menu(admin.db, name, **fields)
        if change.options is not None:
            menu = store.replace_options(admin.db, name, change.options)
    admin.audit("menu.set", name=name, **change_detail(change))
    return _view(menu)


def set_option(admin: Admin, name: str, key: str, destination: str) -> MenuView:
    menu = store.set_option(admin.db, name, key, destination)
    admin.audit("menu.option", name=name, key=key, destination=menu.options[key])
    return _view(menu)


def remove_option(admin: Admin, name: str, key: str) -> MenuView:
    menu = store.remove_option(admin.db, name, key)
    admin.audit("menu.option_removed", name=name, key=key)
    return _view(menu)


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_menu(admin.db, name)
    admin.audit("menu.remove", name=name)
