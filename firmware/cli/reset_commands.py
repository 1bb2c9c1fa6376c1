"""`minipbx factory-reset`: the configuration back to a new box's (as the panel's reset button)."""
from __future__ import annotations

import argparse
from typing import Any

from firmware.admin import factory_reset as reset
from firmware.admin.brain import tell_brain
from firmware.admin.context import Admin
from firmware.store.database import open_store


def cmd_factory_reset(args: argparse.Namespace) -> int:
    if not args.yes:
        what = "configuration, recordings and voicemail" if args.wipe_recordings else "configuration"
        print(f"minipbx: a factory reset deletes all {what} of {args.data}; add --yes to do it")
        return 1
    done = reset.factory_reset(Admin(open_store(args.data), args.data), wipe=args.wipe_recordings)
    # A running PBX starts its line gateway again: the board's ports get their extensions back.
    tell_brain(args.data)
    print(done.credentials.read_text().rstrip())
    print(f"factory reset done{' (recordings and voicemail deleted)' if done.wiped else ''}; "
          f"the console shows these credentials until `done` (from {done.credentials})")
    return 0


def add_parsers(sub: Any) -> None:
    cmd = sub.add_parser("factory-reset", help="configuration back to defaults, new generated passwords")
    cmd.add_argument("--wipe-recordings", action="store_true", help="delete call recordings and voicemail too")
    cmd.add_argument("--yes", action="store_true", help="really do it")
    cmd.set_defaults(func=cmd_factory_reset)
