"""`minipbx voicemail show|pin|email|language|list`: mailboxes from the command line (their settings
changed through firmware/admin/voicemail.py, as the HTTP API does)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import voicemail as voicemail_admin
from firmware.admin.context import Admin
from firmware.apps.voicemail.mailer import MailError
from firmware.apps.voicemail.store import FOLDERS, MailboxError, counts, mailbox, messages
from firmware.cli.table import print_table as _table
from firmware.pins.guard import PinError
from firmware.prompts.catalog import LANGUAGES
from firmware.store.database import open_store

VOICEMAIL_ERRORS = (MailboxError, MailError, PinError)


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data, create=False), args.data)


def _delivery(box: voicemail_admin.MailboxSettings) -> str:
    if not box.email:
        return "none"
    how = "audio attached" if box.attach else "without audio"
    after = ", deleted after e-mail" if box.delete_after_email else ""
    return f"{box.email} ({how}{after})"


def cmd_show(args: argparse.Namespace) -> int:
    admin = _admin(args)
    box = voicemail_admin.settings(admin, args.number)
    new, saved = counts(admin.db, args.number)
    print(f"mailbox {box.number}: {new} new, {saved} saved")
    print(f"PIN: {'set' if box.has_pin else 'not set (no listening from other phones)'}")
    print(f"e-mail: {_delivery(box)}")
    print(f"language: {box.language or 'that of the caller'}")
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    pin = voicemail_admin.set_pin(_admin(args), args.number, args.pin)
    print(f"mailbox {args.number}: PIN set")
    if args.pin is None:
        print(f"PIN {pin}  (shown once)")
    return 0


def cmd_email(args: argparse.Namespace) -> int:
    box = voicemail_admin.change(_admin(args), args.number, voicemail_admin.MailboxChange(
        email=args.address, attach=not args.no_attach, delete_after_email=args.delete_after_email))
    if not box.email:
        print(f"mailbox {box.number}: no e-mail")
        return 0
    print(f"mailbox {box.number}: new messages e-mailed to {_delivery(box)}")
    return 0


def cmd_language(args: argparse.Namespace) -> int:
    box = voicemail_admin.change(_admin(args), args.number, voicemail_admin.MailboxChange(language=args.language))
    print(f"mailbox {box.number}: its menu speaks {box.language or 'the language of the caller'}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    db = open_store(args.data, create=False)
    mailbox(db, args.number)
    found = [m for folder in FOLDERS for m in messages(db, args.number, folder)]
    if args.json:
        print(json.dumps([{**m.__dict__, "received_at": m.received_at.isoformat()} for m in found], indent=2))
        return 0
    if not found:
        print(f"mailbox {args.number}: no messages")
        return 0
    _table([[m.id, m.folder, m.received_at.strftime("%Y-%m-%d %H:%M"), m.caller or "unknown", m.caller_name,
             f"{round(m.seconds)}s", "yes" if m.emailed else "no"] for m in found],
           ["ID", "FOLDER", "RECEIVED (UTC)", "FROM", "NAME", "LENGTH", "E-MAILED"])
    return 0


def add_parsers(sub: Any) -> None:
    vm = sub.add_parser("voicemail", help="mailboxes: PIN, e-mail delivery, messages").add_subparsers(
        dest="voicemail_command", required=True)
    show = vm.add_parser("show", help="a mailbox's messages, PIN and e-mail")
    show.add_argument("number")
    show.set_defaults(func=cmd_show)
    pin = vm.add_parser("pin", help="set the PIN for listening from another phone")
    pin.add_argument("number")
    pin.add_argument("pin", nargs="?", help=f"4-10 digits (default: a random "
                                            f"{voicemail_admin.GENERATED_PIN_DIGITS}-digit PIN, shown once)")
    pin.set_defaults(func=cmd_pin)
    email = vm.add_parser("email", help="e-mail new messages to an address ('' = stop)")
    email.add_argument("number")
    email.add_argument("address")
    email.add_argument("--no-attach", action="store_true", help="only tell; leave the audio out of the e-mail")
    email.add_argument("--delete-after-email", action="store_true",
                       help="delete each message once it has been e-mailed")
    email.set_defaults(func=cmd_email)
    language = vm.add_parser("language", help="the language the mailbox's menu speaks ('' = the caller's)")
    language.add_argument("number")
    language.add_argument("language", help=f"{', '.join(LANGUAGES)}, or ''")
    language.set_defaults(func=cmd_language)
    lst = vm.add_parser("list", help="a mailbox's messages, new then saved")
    lst.add_argument("number")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_list)
