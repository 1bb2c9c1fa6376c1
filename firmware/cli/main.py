"""The `minipbx` command.

Each command word belongs to one module, and only that module is imported: a
command pays for its own imports, not for every feature's (all of them together
cost about 1.2 s of CPU on an x86 core, three to four times that on a Pi). With
no command word, `--help` or a mistyped one, every module is loaded so that
argparse can list or suggest them all.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

# Command word -> the module (in firmware/cli/) that defines it; tests/cli checks
# that this table and the modules' parsers agree.
COMMANDS: dict[str, str] = {
    "ext": "admin_commands", "config": "admin_commands", "cdr": "admin_commands",
    "run": "service_commands", "status": "service_commands", "demo-seed": "service_commands",
    "cos": "routing_commands", "group": "routing_commands", "mode": "routing_commands",
    "route": "routing_commands", "trunk": "routing_commands",
    "prompt": "prompt_commands",
    "icm": "icm_commands",
    "dnd": "callapp_commands", "fwd": "callapp_commands", "ivr": "callapp_commands",
    "ringgroup": "callapp_commands",
    "queue": "queue_commands",
    "moh": "callcontrol_commands", "pickup": "callcontrol_commands",
    "voicemail": "voicemail_commands",
    "ldap": "ldap_commands",
    "phonebook": "phonebook_commands",
    "api": "api_commands", "role": "api_commands", "webhook": "api_commands",
    "call": "call_commands",
    "recordings": "recording_commands",
    "conf": "conference_commands",
    "door": "door_commands",
    "dept": "department_commands",
    "dect": "dect_commands",
    "pin": "pin_commands",
    "sim": "sim",
    "factory-reset": "reset_commands",
}


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors a person can cause: printed as one line, exit code 1, no traceback.

    Imported only once a command has failed, so that a command that works stays light.
    """
    from firmware.admin.errors import INPUT_ERRORS, NotFound
    from firmware.brain.control import ControlError
    from firmware.brain.supervisor import StartError
    from firmware.cli import (
        callapp_commands,
        callcontrol_commands,
        icm_commands,
        prompt_commands,
        routing_commands,
        voicemail_commands,
    )
    from firmware.edge.config import EdgeConfigError
    from firmware.edge.ports import PortInUseError
    from firmware.edge.process import EdgeError
    from firmware.gateway.simcontrol import SimError
    from firmware.store.database import StoreError
    from hal.board import BoardError

    return (
        *icm_commands.ICM_ERRORS, *prompt_commands.PROMPT_ERRORS,
        *routing_commands.ROUTING_ERRORS, *voicemail_commands.VOICEMAIL_ERRORS, StoreError, *INPUT_ERRORS, NotFound,
        *callapp_commands.CALLAPP_ERRORS, *callcontrol_commands.CALLCONTROL_ERRORS,
        BoardError, StartError, EdgeError, EdgeConfigError, PortInUseError, ControlError, SimError,
    )


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistyped command gets one line like every other error (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"minipbx: error: {message} (see `{self.prog} --help`)\n")


def command_word(argv: list[str]) -> str | None:
    """The first word that is not a global option (`--data DIR`), or None."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--data":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(word: str | None = None) -> argparse.ArgumentParser:
    """The parser for `word`'s module, or for every module when `word` is not a command."""
    parser = _Parser(prog="minipbx", description="Office telephone exchange")
    parser.add_argument("--data", type=Path, default=Path("data"),
                        help="data directory holding the database, logs and runtime files (default ./data)")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = [COMMANDS[word]] if word in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(f"firmware.cli.{name}").add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(command_word(argv)).parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.func
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # The command's own module may name its errors (CLI_ERRORS): no other import then.
        own: tuple[type[Exception], ...] = getattr(sys.modules.get(handler.__module__), "CLI_ERRORS", ())
        if not isinstance(exc, own) and not isinstance(exc, _user_errors()):
            raise
        print(f"minipbx: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
