"""`minipbx recordings list|export|remove|policy`: call recordings by extension and date, with
their total size; a copy of one; and which conversations are recorded (firmware/admin/recordings.py,
the same operations as the HTTP API's /api/recordings)."""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

from firmware.admin import recordings
from firmware.admin.context import Admin
from firmware.cli.table import print_table
from firmware.recording.policy import PolicyError
from firmware.store.database import open_store


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data, create=False), args.data)


def _size(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} B"


def cmd_list(args: argparse.Namespace) -> int:
    found = recordings.find(_admin(args), recordings.RecordingQuery(extension=args.ext or "", since=args.since or "",
                                                                    until=args.until or ""))
    if args.json:
        print(json.dumps(found.model_dump(), indent=2))
        return 0
    print_table([[r.id, r.started_at.replace("T", " ").removesuffix("+00:00"), f"{r.seconds:.0f}s", _size(r.bytes),
                  r.parties, r.trunk or "-", r.state if r.state != "done" else "", r.why]
                 for r in found.recordings],
                ["ID", "STARTED (UTC)", "LENGTH", "SIZE", "PARTIES", "TRUNK", "NOTE", "WHY"])
    print(f"{found.count} recording(s), {found.total_seconds / 60:.1f} min, {_size(found.total_bytes)} in total")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    source = recordings.audio_file(_admin(args), args.id)
    target = Path(args.file)
    if target.is_dir():
        target = target / source.name
    shutil.copyfile(source, target)
    print(f"recording {args.id}: copied to {target} (G.711 WAV, plays on any PC)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    gone = recordings.remove(_admin(args), args.id)
    print(f"recording {gone.id} of {gone.started_at} ({gone.parties}) removed")
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    admin = _admin(args)
    if args.target:
        if args.policy is None:
            raise PolicyError("give the policy too: always, on_demand, never or default")
        done = recordings.set_policy(admin, recordings.PolicyView(target=args.target, policy=args.policy))
        print(f"{done.target}: recording {done.policy}")
        return 0
    listed = recordings.policies(admin)
    print_table([[p.target, p.policy] for p in listed.policies], ["TARGET", "POLICY"])
    print(f"extensions without a policy of their own: {listed.default} (setting call_recording)")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    who = recordings.set_mail(_admin(args), args.extension, args.state == "on")
    print(f"extension {args.extension}: recordings {'e-mailed' if args.state == 'on' else 'not e-mailed'}; "
          f"e-mailed now for: {', '.join(who) or 'nobody'}")
    return 0


def add_parsers(sub: Any) -> None:
    rec = sub.add_parser("recordings", help="call recordings: list, export, remove, policies").add_subparsers(
        dest="recordings_command", required=True)
    ls = rec.add_parser("list", help="recordings, newest first, with their total size")
    ls.add_argument("--ext", help="only those this extension talked in")
    ls.add_argument("--from", dest="since", metavar="DATE", help="from this date (YYYY-MM-DD, UTC)")
    ls.add_argument("--to", dest="until", metavar="DATE", help="up to this date, its whole day")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=cmd_list)
    export = rec.add_parser("export", help="copy a recording's WAV file out")
    export.add_argument("id", type=int)
    export.add_argument("file", help="where to write it (a folder keeps its name)")
    export.set_defaults(func=cmd_export)
    remove = rec.add_parser("remove", help="delete a recording")
    remove.add_argument("id", type=int)
    remove.set_defaults(func=cmd_remove)
    pol = rec.add_parser("policy", help="which conversations are recorded: list, or set TARGET POLICY")
    pol.add_argument("target", nargs="?", help="ext:NUMBER, group:NAME, trunk:NAME or trunk:NAME/DID")
    pol.add_argument("policy", nargs="?", help="always, on_demand, never, or default (the target's own goes)")
    pol.set_defaults(func=cmd_policy)
    mail = rec.add_parser("mail", help="e-mail each recording of an extension's conversations to its address")
    mail.add_argument("extension")
    mail.add_argument("state", choices=("on", "off"))
    mail.set_defaults(func=cmd_mail)
