"""`minipbx ldap set|show|test|sync [--dry-run]|log`: directory sync with LDAP / Active Directory.

Thin: every operation is in firmware/directory (the HTTP API calls the same functions).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from firmware.cli.user_errors import reported
from firmware.directory.client import DirectoryError
from firmware.directory.config import KEYS, RULE_MEANING, DirectoryConfigError, load_config, set_config
from firmware.directory.sync import check_directory, sync_directory, sync_log
from firmware.store.database import open_store

LDAP_ERRORS = (DirectoryError, DirectoryConfigError)
_one_line = reported(*LDAP_ERRORS)


def _pairs(items: list[str]) -> dict[str, str]:
    changes: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise DirectoryConfigError(f"{item!r} is not KEY=VALUE; e.g. `minipbx ldap set url=ldaps://dc1.example.com`"
                                       f" (keys: {', '.join(KEYS)})")
        if key == "bind_password":
            raise DirectoryConfigError("bind_password is not taken on the command line (it would stay in the shell "
                                       "history); use --bind-password-stdin")
        changes[key.strip()] = value.strip()
    return changes


def _read_ca(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise DirectoryConfigError(f"CA certificate file {str(path)!r} cannot be read ({exc}); give a PEM file") \
            from None


def cmd_ldap_set(args: argparse.Namespace) -> int:
    changes = _pairs(args.pairs)
    if args.ca_cert is not None:
        changes["ca_cert"] = _read_ca(Path(args.ca_cert)) if args.ca_cert else ""
    if args.bind_password_stdin:
        changes["bind_password"] = sys.stdin.readline().rstrip("\r\n")
    if not changes:
        raise DirectoryConfigError("nothing to set; e.g. `minipbx ldap set url=ldaps://dc1.example.com "
                                   "base_dn=ou=people,dc=example,dc=com` (see `minipbx ldap set --help`)")
    set_config(open_store(args.data), changes)
    for key in changes:
        shown = "(set)" if key == "bind_password" and changes[key] else \
            "(a certificate)" if key == "ca_cert" and changes[key] else repr(changes[key])
        print(f"{key} = {shown}")
    return 0


def _show_lines(public: dict[str, Any]) -> list[str]:
    lines = []
    for key, value in public.items():
        if key == "mapping":
            lines.append("mapping:  " + ", ".join(f"{f}={a or '-'}" for f, a in value.items()))
        elif key == "rules":
            lines.append("rules:    " + ", ".join(f"{f}={r}" for f, r in value.items()))
        elif key == "admin_groups":
            lines.append(f"{key}: {'; '.join(value) or '(roles not synced)'}")
        else:
            lines.append(f"{key}: {value if value != '' else '-'}")
    return lines


def cmd_ldap_show(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    public = load_config(db).public()
    last = sync_log(db, 1)
    if args.json:
        public["last_sync"] = last[0].__dict__ if last else None
        print(json.dumps(public, indent=2))
        return 0
    for line in _show_lines(public):
        print(line)
    print("rules mean: " + "; ".join(f"{r} = {m}" for r, m in RULE_MEANING.items()))
    if last:
        row = last[0]
        print(f"last sync: {row.started_at} {'ok' if row.ok else 'FAILED: ' + row.error}")
    return 0


def cmd_ldap_test(args: argparse.Namespace) -> int:
    report = check_directory(open_store(args.data))
    print(f"connected and bound; {report.entries} entries match, {report.people} with a stable id")
    for line in report.sample:
        print(f"  {line}")
    for note in report.notes:
        print(f"note: {note}")
    return 0


def cmd_ldap_sync(args: argparse.Namespace) -> int:
    db = open_store(args.data)
    result = sync_directory(db, args.data, dry_run=args.dry_run)
    prefix = "would " if result.dry_run else ""
    for line in result.done:
        print(f"{prefix}{line}")
    for note in result.notes:
        print(f"note: {note}")
    if result.dry_run:
        print(f"dry run: {len(result.done)} change(s), nothing written")
        return 0
    counts = ", ".join(f"{v} {k}" for k, v in result.counts.items())
    print(f"synced: {counts}")
    for account in result.accounts:
        print(f"SIP user {account.number}, password {account.password}  ({account.name}; shown once)")
    return 0


def cmd_ldap_log(args: argparse.Namespace) -> int:
    rows = sync_log(open_store(args.data), args.limit)
    if args.json:
        print(json.dumps([row.__dict__ for row in rows], indent=2))
        return 0
    if not rows:
        print("no sync yet; `minipbx ldap sync --dry-run` shows what one would do")
        return 0
    for row in reversed(rows):
        counts = ", ".join(f"{v} {k}" for k, v in row.counts.items() if v) or "no changes"
        print(f"{row.started_at}  {row.trigger:8}  {'ok     ' + counts if row.ok else 'FAILED ' + row.error}")
        if args.verbose:
            for line in row.details:
                print(f"    {line}")
    return 0


def add_parsers(sub: Any) -> None:
    ldap = sub.add_parser("ldap", help="directory sync with LDAP / Active Directory").add_subparsers(
        dest="ldap_command", required=True)
    st = ldap.add_parser("set", help="change the directory configuration (KEY=VALUE ...)",
                         description="keys: " + "; ".join(f"{k}: {s.help}" for k, s in KEYS.items()))
    st.add_argument("pairs", nargs="*", metavar="KEY=VALUE")
    st.add_argument("--ca-cert", metavar="FILE", help="PEM file of the CA to trust ('' = the system's)")
    st.add_argument("--bind-password-stdin", action="store_true", help="read the bind password from stdin")
    st.set_defaults(func=_one_line(cmd_ldap_set))
    sh = ldap.add_parser("show", help="the directory configuration (the bind password only as set or not)")
    sh.add_argument("--json", action="store_true")
    sh.set_defaults(func=_one_line(cmd_ldap_show))
    ldap.add_parser("test", help="connect, bind and search; change nothing").set_defaults(func=_one_line(cmd_ldap_test))
    sy = ldap.add_parser("sync", help="sync now")
    sy.add_argument("--dry-run", action="store_true", help="print what would change; change nothing")
    sy.set_defaults(func=_one_line(cmd_ldap_sync))
    lg = ldap.add_parser("log", help="recent syncs")
    lg.add_argument("--limit", type=int, default=20)
    lg.add_argument("-v", "--verbose", action="store_true", help="each change and note")
    lg.add_argument("--json", action="store_true")
    lg.set_defaults(func=_one_line(cmd_ldap_log))
