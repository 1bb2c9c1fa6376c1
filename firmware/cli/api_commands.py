"""`minipbx role|api|webhook ...`: who may use the HTTP API (roles, the admin account, API keys, the audit
log) and where call events go (webhooks)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from firmware.admin import access, webhooks
from firmware.admin.context import Admin, audit_log
from firmware.cli.table import print_table as _table
from firmware.store.database import open_store
from firmware.webhooks.events import EVENTS


def _admin(args: argparse.Namespace) -> Admin:
    return Admin(open_store(args.data), args.data)


def cmd_role_list(args: argparse.Namespace) -> int:
    _table([[r.name, ", ".join(r.permissions) or "(own extension only)", "built in" if r.built_in else ""]
            for r in access.roles(_admin(args))], ["ROLE", "PERMISSIONS", ""])
    return 0


def cmd_role_set(args: argparse.Namespace) -> int:
    role = access.set_role(_admin(args), args.name, access.RoleChange(permissions=args.permissions.split(",")))
    print(f"role {role.name}: {', '.join(role.permissions) or 'no permissions (own extension only)'}")
    return 0


def cmd_role_remove(args: argparse.Namespace) -> int:
    access.remove_role(_admin(args), args.name)
    print(f"role {args.name} removed")
    return 0


def cmd_admin_password(args: argparse.Namespace) -> int:
    secret = access.set_admin_password(_admin(args), args.password)
    print("web login admin: new password set")
    if secret.generated:
        print(f"web login admin, password {secret.secret}  (shown once)")
    return 0


def cmd_key_add(args: argparse.Namespace) -> int:
    created = access.create_key(_admin(args), access.NewKey(name=args.name, permissions=args.permissions.split(",")))
    print(f"API key {created.key.name}: {', '.join(created.key.permissions)}")
    print(f"token {created.token}  (shown once; send it as `Authorization: Bearer TOKEN`)")
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    keys = access.keys(_admin(args))
    if args.json:
        print(json.dumps([k.model_dump() for k in keys], indent=2))
        return 0
    _table([[k.name, ", ".join(k.permissions), k.created_at, k.created_by] for k in keys],
           ["KEY", "PERMISSIONS", "CREATED", "BY"])
    return 0


def cmd_key_revoke(args: argparse.Namespace) -> int:
    access.revoke_key(_admin(args), args.name)
    print(f"API key {args.name} revoked")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    rows = audit_log(open_store(args.data), args.limit)
    _table([[e.at, e.who, e.address, e.action, e.detail] for e in reversed(rows)],
           ["AT (UTC)", "WHO", "FROM", "WHAT", "DETAILS"])
    return 0


def add_parsers(sub: Any) -> None:
    role = sub.add_parser("role", help="roles for the HTTP API: user, admin and custom ones").add_subparsers(
        dest="role_command", required=True)
    role.add_parser("list", help="roles and their permissions").set_defaults(func=cmd_role_list)
    rset = role.add_parser("set", help="create or change a custom role")
    rset.add_argument("name")
    rset.add_argument("permissions", help="comma list: settings, extensions, call_logic, trunks, live_calls, "
                                          "originate, reports, recordings, users, metrics, callbacks, doors")
    rset.set_defaults(func=cmd_role_set)
    rrm = role.add_parser("remove", help="delete a custom role nobody has")
    rrm.add_argument("name")
    rrm.set_defaults(func=cmd_role_remove)

    api = sub.add_parser("api", help="the HTTP API: admin account, keys for integrations, audit log").add_subparsers(
        dest="api_command", required=True)
    apw = api.add_parser("admin-password", help="set the web password of the admin account")
    apw.add_argument("--password", help="new password (default: generate one)")
    apw.set_defaults(func=cmd_admin_password)
    key = api.add_parser("key", help="API keys for integrations (a CRM)").add_subparsers(
        dest="key_command", required=True)
    kadd = key.add_parser("add", help="create a key; its token is shown once")
    kadd.add_argument("name")
    kadd.add_argument("--permissions", required=True, help="comma list, e.g. reports,live_calls")
    kadd.set_defaults(func=cmd_key_add)
    klist = key.add_parser("list")
    klist.add_argument("--json", action="store_true")
    klist.set_defaults(func=cmd_key_list)
    krev = key.add_parser("revoke")
    krev.add_argument("name")
    krev.set_defaults(func=cmd_key_revoke)
    audit = api.add_parser("audit", help="who changed what, from where (CLI and HTTP API)")
    audit.add_argument("--limit", type=int, default=30)
    audit.set_defaults(func=cmd_audit)
    add_webhook_parsers(sub)


def cmd_webhook_add(args: argparse.Namespace) -> int:
    created = webhooks.add(_admin(args), webhooks.NewWebhook(name=args.name, url=args.url,
                                                             events=args.events.split(",")))
    print(f"webhook {created.webhook.name}: {', '.join(created.webhook.events)} -> {created.webhook.url}")
    print(f"signing secret {created.secret}  (shown once; the receiver checks X-Minipbx-Signature with it)")
    return 0


def cmd_webhook_list(args: argparse.Namespace) -> int:
    _table([[h.name, ", ".join(h.events), h.url] for h in webhooks.list_all(_admin(args))],
           ["WEBHOOK", "EVENTS", "URL"])
    return 0


def cmd_webhook_remove(args: argparse.Namespace) -> int:
    webhooks.remove(_admin(args), args.name)
    print(f"webhook {args.name} removed (with its undelivered events)")
    return 0


def cmd_webhook_log(args: argparse.Namespace) -> int:
    _table([[d.id, d.event, d.created_at, d.attempts, d.delivered_at or "-", d.last_error or ""]
            for d in reversed(webhooks.deliveries(_admin(args), args.name, args.limit))],
           ["ID", "EVENT", "QUEUED", "TRIES", "DELIVERED", "LAST ERROR"])
    return 0


def add_webhook_parsers(sub: Any) -> None:
    hook = sub.add_parser("webhook", help="call events POSTed to a URL (a CRM's screen pop)").add_subparsers(
        dest="webhook_command", required=True)
    add = hook.add_parser("add", help="subscribe a URL; the signing secret is shown once")
    add.add_argument("name")
    add.add_argument("url")
    add.add_argument("--events", default=",".join(EVENTS), help=f"comma list of {', '.join(EVENTS)} (default all)")
    add.set_defaults(func=cmd_webhook_add)
    hook.add_parser("list").set_defaults(func=cmd_webhook_list)
    rm = hook.add_parser("remove")
    rm.add_argument("name")
    rm.set_defaults(func=cmd_webhook_remove)
    log = hook.add_parser("log", help="recent deliveries: tries, when delivered, the last error")
    log.add_argument("name")
    log.add_argument("--limit", type=int, default=20)
    log.set_defaults(func=cmd_webhook_log)
