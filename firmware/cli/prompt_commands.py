"""`minipbx prompt ...`: company greetings (custom prompts) and the system prompts."""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from firmware.admin import prompts as prompt_admin
from firmware.admin.context import Admin
from firmware.cli.table import print_table as _table
from firmware.prompts.build import build_prompts, summary
from firmware.prompts.catalog import LANGUAGES
from firmware.prompts.library import REPO_DIR, PromptError, find_system_dir
from firmware.prompts.upload import list_prompts
from firmware.store.database import open_store

PROMPT_ERRORS = (PromptError,)



def cmd_prompt_list(args: argparse.Namespace) -> int:
    prompts = list_prompts(open_store(args.data))
    if args.json:
        print(json.dumps([p.public() for p in prompts], indent=2))
        return 0
    if not prompts:
        print("no company greetings; add one with `minipbx prompt upload NAME FILE`")
        return 0
    _table([[p.name, f"{p.seconds:.1f}", p.source, p.created_at] for p in prompts],
           ["NAME", "SECONDS", "SOURCE", "CREATED (UTC)"])
    return 0


def cmd_prompt_upload(args: argparse.Namespace) -> int:
    prompt = prompt_admin.upload(Admin(open_store(args.data), args.data), args.name, args.file)
    print(f"prompt {prompt.name}: {prompt.seconds:.1f} s from {args.file}")
    return 0


def cmd_prompt_remove(args: argparse.Namespace) -> int:
    prompt_admin.remove(Admin(open_store(args.data), args.data), args.name)
    print(f"prompt {args.name} removed")
    return 0


def cmd_prompt_record(args: argparse.Namespace) -> int:
    started = prompt_admin.record_from_phone(Admin(open_store(args.data), args.data), args.name,
                                             prompt_admin.RecordRequest(extension=args.extension))
    print(f"extension {started.extension} is ringing (call {started.call}): answer, speak after the beep, "
          f"then hang up or press #; it becomes greeting {started.prompt}")
    return 0


def cmd_prompt_build(args: argparse.Namespace) -> int:
    out: Path | None = args.out
    if out is None:
        try:
            out = find_system_dir()
        except PromptError:
            out = REPO_DIR
    started = time.monotonic()
    results = build_prompts(out, args.lang or LANGUAGES)
    print(summary(results, out, time.monotonic() - started))
    return 0


def add_parsers(sub: Any) -> None:
    prompt = sub.add_parser("prompt", help="company greetings and the system prompts").add_subparsers(
        dest="prompt_command", required=True)
    lst = prompt.add_parser("list", help="company greetings (uploaded or recorded from a phone)")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=cmd_prompt_list)
    up = prompt.add_parser("upload", help="add or replace a company greeting from an audio file")
    up.add_argument("name", help="1-40 letters, digits, '-' or '_' (e.g. welcome-day)")
    up.add_argument("file", type=Path, help="WAV, MP3, OGG or FLAC; converted to 8 kHz mono")
    up.set_defaults(func=cmd_prompt_upload)
    rec = prompt.add_parser("record", help="record a company greeting from a phone: the box rings the extension")
    rec.add_argument("name", help="1-40 letters, digits, '-' or '_' (e.g. welcome-day)")
    rec.add_argument("extension", help="the extension that rings (the PBX must be running)")
    rec.set_defaults(func=cmd_prompt_record)
    rm = prompt.add_parser("remove", help="delete a company greeting no voice menu uses")
    rm.add_argument("name")
    rm.set_defaults(func=cmd_prompt_remove)
    build = prompt.add_parser("build", help="speak the system prompts again (espeak-ng)")
    build.add_argument("--out", type=Path,
                       help="folder of the system prompts (default: where the PBX finds them, "
                            "$MINIPBX_PROMPTS or build/prompts)")
    build.add_argument("--lang", action="append", choices=LANGUAGES, help="a language (repeatable; default: all)")
    build.set_defaults(func=cmd_prompt_build)
