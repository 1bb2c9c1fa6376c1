"""Mailboxes: the PIN (the CLI and keypad programming set it here)."""
from __future__ import annotations

import secrets

from firmware.admin.context import Admin
from firmware.apps.voicemail import store
from firmware.pins.guard import PinError, check_pin_format

GENERATED_PIN_DIGITS = 6


def generate_pin() -> str:
    """A random PIN that check_pin_format accepts (not repeated or consecutive digits)."""
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_PIN_DIGITS))
        try:
            return check_pin_format(pin)
        except PinError:
            continue


def set_pin(admin: Admin, number: str, pin: str | None = None) -> str:
    """Set the mailbox PIN (generated when none is given); returns it. PinError for one that is
    malformed or too easy, MailboxError for a mailbox that does not exist."""
    chosen = generate_pin() if pin is None else pin
    store.set_pin(admin.db, number, chosen)
    admin.audit("voicemail.pin", number=number)
    return chosen
