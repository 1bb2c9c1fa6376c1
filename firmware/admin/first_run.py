"""The appliance's first sign-in from a browser: the admin PIN (shown on the console and kept with
the box's credentials at first boot) sets the admin account's web password, once. After that the
password is changed as any other (`minipbx api admin-password`, or signed in)."""
from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from firmware.access.web_passwords import ADMIN_LOGIN, set_web_password, stored_hash
from firmware.admin.context import Admin
from firmware.appliance.credentials import PIN_FILE, CredentialError, verify_admin_pin
from firmware.pins.guard import Guesser, locked_for, try_check_off_loop
from firmware.store.passwords import check_password

# The keypad's admin PIN counts too: one allowance of wrong PINs, however they are tried.
PIN_SCOPE = "admin-pin"


class FirstRunRefused(Exception):
    """Why the first sign-in was not done; `status` is the HTTP answer it means."""

    def __init__(self, message: str, status: int, retry_after: float = 0) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


def needed(admin: Admin, appliance_dir: Path) -> bool:
    """No admin password yet, and an admin PIN to set one with."""
    return not stored_hash(admin.db, ADMIN_LOGIN) and (appliance_dir / PIN_FILE).exists()


def _pin_is(appliance_dir: Path, pin: str) -> bool:
    try:
        return bool(pin) and verify_admin_pin(appliance_dir, pin)
    except CredentialError:
        return False


async def complete(admin: Admin, appliance_dir: Path, pin: str, password: str, address: str) -> None:
    if stored_hash(admin.db, ADMIN_LOGIN):
        raise FirstRunRefused("the admin password is set already: sign in as admin (a forgotten one is set "
                              "again with `minipbx api admin-password` on the box)", 409)
    # The password's rules first: a weak one costs no PIN attempt.
    check_password(password, ADMIN_LOGIN)
    guesser = Guesser.of_address(address)
    wait = locked_for(admin.db, PIN_SCOPE, guesser)
    if wait > 0:
        raise FirstRunRefused(f"too many wrong admin PINs; try again in {int(wait) + 1} s", 429, wait)
    if not await try_check_off_loop(admin.db, PIN_SCOPE, guesser, partial(_pin_is, appliance_dir, pin)):
        raise FirstRunRefused("the admin PIN is wrong (it is shown on the box's console at first boot)", 403)
    # scrypt takes a while: off the API's event loop, so other requests go on meanwhile.
    await asyncio.to_thread(set_web_password, admin.db, ADMIN_LOGIN, password)
    admin.audit("admin.first_run")
