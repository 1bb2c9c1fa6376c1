"""Schema migrations, oldest first; PRAGMA user_version counts how many ran.

Append new migrations; never edit one that has shipped.
"""
from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

# Kamailio 5.6's own tables (db_sqlite schema: standard, auth_db, usrloc), so the
# edge reads credentials and keeps registrations in this same file. The version
# rows are what Kamailio checks when it opens each table.
_KAMAILIO_TABLES = """
CREATE TABLE version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) VALUES ('version', 1);
CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX subscriber_username_idx ON subscriber (username);
INSERT INTO version (table_name, table_version) VALUES ('subscriber', 7);
CREATE TABLE location (
    id INTEGER PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    contact VARCHAR(512) DEFAULT '' NOT NULL,
    received VARCHAR(128) DEFAULT NULL,
    path VARCHAR(512) DEFAULT NULL,
    expires TIMESTAMP WITHOUT TIME ZONE DEFAULT '2030-05-28 21:32:15' NOT NULL,
    q REAL DEFAULT 1.0 NOT NULL,
    callid VARCHAR(255) DEFAULT 'Default-Call-ID' NOT NULL,
    cseq INTEGER DEFAULT 1 NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    cflags INTEGER DEFAULT 0 NOT NULL,
    user_agent VARCHAR(255) DEFAULT '' NOT NULL,
    socket VARCHAR(64) DEFAULT NULL,
    methods INTEGER DEFAULT NULL,
    instance VARCHAR(255) DEFAULT NULL,
    reg_id INTEGER DEFAULT 0 NOT NULL,
    server_id INTEGER DEFAULT 0 NOT NULL,
    connection_id INTEGER DEFAULT 0 NOT NULL,
    keepalive INTEGER DEFAULT 0 NOT NULL,
    partition INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT location_ruid_idx UNIQUE (ruid)
);
CREATE INDEX location_account_contact_idx ON location (username, domain, contact);
CREATE INDEX location_expires_idx ON location (expires);
CREATE INDEX location_tcpcon_idx ON location (connection_id);
CREATE INDEX location_connection_idx ON location (server_id, connection_id);
INSERT INTO version (table_name, table_version) VALUES ('location', 9);
CREATE TABLE location_attrs (
    id INTEGER PRIMARY KEY NOT NULL,
    ruid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT NULL,
    aname VARCHAR(64) DEFAULT '' NOT NULL,
    atype INTEGER DEFAULT 0 NOT NULL,
    avalue VARCHAR(512) DEFAULT '' NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
);
CREATE INDEX location_attrs_account_record_idx ON location_attrs (username, domain, ruid);
CREATE INDEX location_attrs_last_modified_idx ON location_attrs (last_modified);
INSERT INTO version (table_name, table_version) VALUES ('location_attrs', 1);
"""


def _initial(db: sqlite_utils.Database) -> None:
    for statement in _KAMAILIO_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("extensions").create(
        {
            "number": str,
            "name": str,
            "email": str,
            "department": str,
            "role": str,
            "created_at": str,
        },
        pk="number",
        not_null={"name", "role", "created_at"},
        defaults={"role": "user"},
    )
    db.table("cdr").create(
        {
            "id": int,
            "call_id": str,
            "caller": str,
            "called": str,
            "answered_by": str,
            "started_at": str,
            "answered_at": str,
            "ended_at": str,
            "talk_seconds": float,
            "disposition": str,
            "hangup_cause": str,
            "hangup_by": str,
            "worker": int,
        },
        pk="id",
        not_null={"caller", "called", "started_at", "ended_at", "disposition"},
    )
    db.table("cdr").create_index(["started_at"])
    db.table("cdr").create_index(["caller"])
    db.table("cdr").create_index(["called"])


# Kamailio tables for trunks: uacreg (registrations to providers, uac module),
# address (providers and IP-authenticated peers by source address, permissions
# module), and an htable whose rows say how to reach each trunk.
_KAMAILIO_TRUNK_TABLES = """
CREATE TABLE uacreg (
    id INTEGER PRIMARY KEY NOT NULL,
    l_uuid VARCHAR(64) DEFAULT '' NOT NULL,
    l_username VARCHAR(64) DEFAULT '' NOT NULL,
    l_domain VARCHAR(64) DEFAULT '' NOT NULL,
    r_username VARCHAR(64) DEFAULT '' NOT NULL,
    r_domain VARCHAR(64) DEFAULT '' NOT NULL,
    realm VARCHAR(64) DEFAULT '' NOT NULL,
    auth_username VARCHAR(64) DEFAULT '' NOT NULL,
    auth_password VARCHAR(64) DEFAULT '' NOT NULL,
    auth_ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    auth_proxy VARCHAR(255) DEFAULT '' NOT NULL,
    expires INTEGER DEFAULT 0 NOT NULL,
    flags INTEGER DEFAULT 0 NOT NULL,
    reg_delay INTEGER DEFAULT 0 NOT NULL,
    contact_addr VARCHAR(255) DEFAULT '' NOT NULL,
    socket VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT uacreg_l_uuid_idx UNIQUE (l_uuid)
);
INSERT INTO version (table_name, table_version) VALUES ('uacreg', 5);
CREATE TABLE address (
    id INTEGER PRIMARY KEY NOT NULL,
    grp INTEGER DEFAULT 1 NOT NULL,
    ip_addr VARCHAR(50) NOT NULL,
    mask INTEGER DEFAULT 32 NOT NULL,
    port SMALLINT DEFAULT 0 NOT NULL,
    tag VARCHAR(64)
);
INSERT INTO version (table_name, table_version) VALUES ('address', 6);
CREATE TABLE trunk_htable (
    id INTEGER PRIMARY KEY NOT NULL,
    key_name VARCHAR(64) DEFAULT '' NOT NULL,
    key_type INTEGER DEFAULT 0 NOT NULL,
    value_type INTEGER DEFAULT 0 NOT NULL,
    key_value VARCHAR(128) DEFAULT '' NOT NULL,
    expires INTEGER DEFAULT 0 NOT NULL
);
INSERT INTO version (table_name, table_version) VALUES ('trunk_htable', 2);
"""


def _routing(db: sqlite_utils.Database) -> None:
    for statement in _KAMAILIO_TRUNK_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    # Outbound caller ID of the extension ('' = the trunk's default) and its class of service.
    db.table("extensions").add_column("caller_id", str, not_null_default="")
    db.table("extensions").add_column("cos", str, not_null_default="national")
    db.table("trunks").create(
        {
            "name": str,
            "kind": str,  # sip or fxo
            "host": str,
            "port": int,
            "transport": str,
            "domain": str,  # SIP domain of the provider (From/To/R-URI host)
            "username": str,
            "password": str,  # the provider needs it in clear for digest auth; never logged
            "auth_username": str,
            "register": int,
            "caller_id": str,  # default outbound number of this trunk
            "send_pai": int,
            "privacy": str,
            "inbound_only": int,  # an "advertised" line kept free for incoming calls
            "channels": int,  # simultaneous calls the line carries
        },
        pk="name",
        not_null={"kind"},
        defaults={"transport": "udp", "register": 1, "send_pai": 0, "privacy": "", "inbound_only": 0,
                  "channels": 30, "caller_id": "", "auth_username": ""},
    )
    db.table("trunk_groups").create({"name": str, "strategy": str}, pk="name")
    db.table("trunk_group_members").create(
        {"group_name": str, "trunk": str, "position": int}, pk=("group_name", "trunk"),
        foreign_keys=[("group_name", "trunk_groups", "name"), ("trunk", "trunks", "name")],
    )
    db.table("extension_groups").create(
        {"number": str, "group_name": str, "position": int}, pk=("number", "group_name"),
        foreign_keys=[("number", "extensions", "number"), ("group_name", "trunk_groups", "name")],
    )
    db.table("inbound_routes").create(
        {"trunk": str, "did": str, "mode": str, "destination": str}, pk=("trunk", "did", "mode"),
    )
    db.table("caller_lists").create(
        {"list": str, "number": str, "destination": str, "note": str}, pk=("list", "number"),
    )
    db.table("cos_profiles").create({"name": str, "classes": str}, pk="name")
    db.table("cos_profiles").insert_all(
        [
            {"name": "internal", "classes": "internal"},
            {"name": "local", "classes": "internal,local"},
            {"name": "national", "classes": "internal,local,national,mobile"},
            {"name": "international", "classes": "internal,local,national,mobile,international"},
            {"name": "unrestricted", "classes": "internal,local,national,mobile,international,premium"},
        ]
    )
    # Per mode: a COS for one extension (number) or, with number '*', for everyone.
    db.table("mode_cos").create({"number": str, "mode": str, "cos": str}, pk=("number", "mode"))
    db.table("mode_schedule").create({"weekday": int, "start": str, "end": str, "mode": str},
                               pk=("weekday", "start"))
    db.table("holidays").create({"date": str, "name": str}, pk="date")
    db.table("mode_override").create(
        {"id": int, "mode": str, "kind": str, "set_by": str, "set_at": str, "until": str}, pk="id",
    )
    db.table("mode_log").create({"id": int, "at": str, "mode": str, "reason": str, "by": str}, pk="id")
    for column in ("trunk", "did", "mode", "route"):
        db.table("cdr").add_column(column, str)


def _line_gateway(db: sqlite_utils.Database) -> None:
    # Which board port an extension is ('' = a SIP phone or softphone; 'fxs1', 'dect2',
    # 'door1', 'zone1' = a port the line gateway makes look like a SIP phone).
    db.table("extensions").add_column("device", str, not_null_default="")
    # SIP accounts the line gateway registers itself: its ports' extensions and one
    # internal account per FXO line ('line-fxo1'). Kamailio checks digests against ha1;
    # the gateway must answer the challenge, so it needs the plain password. Internal
    # accounts have no extensions row, so `ext list` never shows them.
    db.table("gateway_accounts").create(
        {"username": str, "device": str, "password": str}, pk="username", not_null={"device", "password"},
    )
    db.table("gateway_accounts").create_index(["device"], unique=True)


def _call_apps(db: sqlite_utils.Database) -> None:
    """Call applications: ring groups, forwarding, IVR menus, prompts, voicemail,
    returning-caller routing. Destinations are text (see firmware/destinations):
    ext:101, group:sales, ivr:main, voicemail:101, number:0301234567, icm:name, hangup."""
    db.table("ring_groups").create(
        {
            "name": str,
            "number": str,  # '' = not dialable directly; else an internal number that rings the group
            "strategy": str,  # all, linear (one by one), cascade (one by one, earlier keep ringing)
            "step_seconds": int,  # linear/cascade: how long each member rings before the next
            "timeout": int,  # whole group: seconds before the no-answer destination
            "no_answer": str,  # destination after timeout ('' = release the caller)
            "pickup_group": str,  # stored for group call pickup
        },
        pk="name",
        not_null={"strategy"},
        defaults={"number": "", "strategy": "all", "step_seconds": 10, "timeout": 30, "no_answer": "",
                  "pickup_group": ""},
    )
    # A member is an extension number or an outside number ('number:...'), in ringing order.
    db.table("ring_group_members").create(
        {"group_name": str, "member": str, "position": int}, pk=("group_name", "member"),
        foreign_keys=[("group_name", "ring_groups", "name")],
    )
    # Per extension; destinations are ext:N, number:N (outside, within the extension's
    # class of service) or voicemail:N. '' = not set.
    db.table("forwarding").create(
        {
            "number": str,
            "dnd": int,
            "always": str,
            "busy": str,
            "no_answer": str,
            "no_answer_seconds": int,
            "unregistered": str,
        },
        pk="number",
        defaults={"dnd": 0, "always": "", "busy": "", "no_answer": "", "no_answer_seconds": 15,
                  "unregistered": ""},
        foreign_keys=[("number", "extensions", "number")],
    )
    db.table("ivr_menus").create(
        {
            "name": str,
            "greeting": str,  # prompt name (custom or system)
            "timeout": int,  # seconds after the greeting before the default destination
            "max_invalid": int,  # invalid keys (and timeouts) before the default destination
            "default_dest": str,
            "direct_dial": int,  # callers may dial an extension number during the greeting (DISA)
            "outside_cos": str,  # '' = no outside dialling from this menu; else a COS profile name
            "pin_hash": str,  # '' = no PIN before outside dialling; else scrypt hash
            "language": str,  # '' = the system language
        },
        pk="name",
        defaults={"greeting": "", "timeout": 5, "max_invalid": 3, "default_dest": "hangup", "direct_dial": 1,
                  "outside_cos": "", "pin_hash": "", "language": ""},
    )
    db.table("ivr_options").create(
        {"menu": str, "key": str, "destination": str}, pk=("menu", "key"),
        foreign_keys=[("menu", "ivr_menus", "name")],
    )
    # Company greetings and other uploaded or phone-recorded prompts (files under data/prompts).
    db.table("custom_prompts").create(
        {"name": str, "file": str, "seconds": float, "source": str, "created_at": str}, pk="name",
    )
    db.table("mailboxes").create(
        {
            "number": str,
            "pin_hash": str,  # scrypt; '' = not set yet (the owner's own phone may set it)
            "email": str,  # '' = no e-mail delivery
            "attach": int,  # attach the audio to the e-mail
            "delete_after_email": int,
            "language": str,
        },
        pk="number",
        defaults={"pin_hash": "", "email": "", "attach": 1, "delete_after_email": 0, "language": ""},
    )
    db.table("vm_messages").create(
        {
            "id": int,
            "mailbox": str,
            "caller": str,
            "caller_name": str,
            "received_at": str,
            "seconds": float,
            "folder": str,  # new, saved
            "file": str,  # relative to data/voicemail
            "emailed": int,
        },
        pk="id",
        not_null={"mailbox", "received_at", "folder", "file"},
        defaults={"folder": "new", "emailed": 0, "caller_name": ""},
    )
    db.table("vm_messages").create_index(["mailbox", "folder"])
    # Wrong PINs per (what, who): brute-force guessing is stopped by a growing lockout.
    db.table("pin_failures").create(
        {"scope": str, "source": str, "failures": int, "locked_until": str}, pk=("scope", "source"),
    )
    db.table("icm_destinations").create(
        {
            "name": str,
            "days": int,  # look back this many days in the call records
            "sources": str,  # JSON list: "cdr" and/or CRM lookup URLs, in order; first answer wins
            "timeout_ms": int,  # per CRM lookup
            "exceptions": str,  # comma-separated extensions never chosen this way
            "follow_forwarding": int,
            "area_code": str,  # local numbers are prefixed with this before matching
            "fallback": str,  # destination when nobody is found or the employee does not answer
            "ring_seconds": int,
        },
        pk="name",
        defaults={"days": 30, "sources": '["cdr"]', "timeout_ms": 1500, "exceptions": "", "follow_forwarding": 0,
                  "area_code": "", "fallback": "hangup", "ring_seconds": 20},
    )


def _call_control(db: sqlite_utils.Database) -> None:
    """Call control: pickup groups, camp-on bookings that survive a restart, and the steps of
    a call (answered, transferred, picked up, parked, held) in its record."""
    # '1' = the pickup group every extension starts in; 'none' = neither picks up nor is picked up.
    db.table("extensions").add_column("pickup_group", str, not_null_default="1")
    db.table("camp_ons").create({"extension": str, "number": str, "booked_at": str}, pk="extension",
                                not_null={"number", "booked_at"})
    db.table("cdr").add_column("history", str, not_null_default="")
    db.table("cdr").add_column("hold_seconds", float, not_null_default=0.0)
    db.table("cdr").add_column("transferred_by", str, not_null_default="")
    # The music class callers of this route hear on hold ('' = default).
    db.table("inbound_routes").add_column("music", str, not_null_default="")


def _directory(db: sqlite_utils.Database) -> None:
    """Directory (LDAP / Active Directory) sync: its configuration, the people it owns, its log."""
    # '' = in service; else when it was disabled (a person who left the directory). A disabled
    # extension has no subscriber row, so Kamailio refuses its login, and its calls are sent to
    # the directory's leaver destination (firmware/directory/leavers.py).
    db.table("extensions").add_column("disabled_at", str, not_null_default="")
    # Keys and values as firmware/directory/config.py validates them; the bind password is one.
    db.table("directory_config").create({"key": str, "value": str}, pk="key")
    db.table("directory_people").create(
        {
            "entry_id": str,  # the entry's stable id (entryUUID, objectGUID): survives renames and moves
            "number": str,  # the extension this person owns
            "dn": str,
            # As last read from the directory, for the phonebook (extensions have no such columns).
            "title": str,
            "mobile": str,
            # SIP digests kept while the person is disabled, so a returning person's phone works again.
            "held_ha1": str,
            "held_ha1b": str,
            "disabled_reason": str,
            "synced_at": str,
        },
        pk="entry_id",
        not_null={"number"},
        defaults={"dn": "", "title": "", "mobile": "", "held_ha1": "", "held_ha1b": "", "disabled_reason": "",
                  "synced_at": ""},
    )
    db.table("directory_people").create_index(["number"], unique=True)
    db.table("directory_log").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "trigger": str,  # command, schedule, api
            "ok": int,
            "added": int,
            "updated": int,
            "disabled": int,
            "enabled": int,
            "removed": int,
            "error": str,  # one line when the sync failed (and changed nothing)
            "details": str,  # JSON list of one-line changes and notes; never a password
        },
        pk="id",
        not_null={"started_at", "ok"},
        defaults={"added": 0, "updated": 0, "disabled": 0, "enabled": 0, "removed": 0, "error": "",
                  "details": "[]", "trigger": ""},
    )


def _phonebook(db: sqlite_utils.Database) -> None:
    """Shared external contacts (suppliers, the building's caretaker) for the desk phones' phonebook."""
    db.table("phonebook_contacts").create(
        {"name": str, "number": str, "label": str, "created_at": str},  # label: work, mobile, home
        pk=("name", "number"),
        not_null={"label", "created_at"},
    )


def _web_access(db: sqlite_utils.Database) -> None:
    """Who may use the HTTP API (firmware/access): web passwords, custom roles, sessions,
    integration keys, and the audit log of every change made through firmware/admin."""
    # A custom role is a set of permissions (firmware/access/permissions.py); the built-in
    # roles user and admin are not rows. extensions.role names one of the three kinds.
    db.table("roles").create({"name": str, "permissions": str}, pk="name", not_null={"permissions"})
    # login: an extension number or 'admin' (the appliance's account). scrypt, never the password.
    db.table("web_passwords").create({"login": str, "hash": str}, pk="login", not_null={"hash"})
    # Bearer tokens from a login; only their SHA-256 is kept, so a copy of the file logs nobody in.
    db.table("api_sessions").create(
        {"token_hash": str, "login": str, "expires_at": str}, pk="token_hash", not_null={"login", "expires_at"},
    )
    db.table("api_sessions").create_index(["login"])
    # Keys for integrations (a CRM): a name, a permission set, the SHA-256 of the secret.
    db.table("api_keys").create(
        {"name": str, "token_hash": str, "permissions": str, "created_at": str, "created_by": str},
        pk="name", not_null={"token_hash", "permissions", "created_at"},
    )
    db.table("api_keys").create_index(["token_hash"], unique=True)
    db.table("audit_log").create(
        {"id": int, "at": str, "who": str, "address": str, "action": str, "detail": str},
        pk="id", not_null={"at", "who", "action"}, defaults={"address": "", "detail": ""},
    )


def _webhooks(db: sqlite_utils.Database) -> None:
    """Webhooks (firmware/webhooks): subscriptions, and an outbox the API process delivers from,
    so an event survives a restart and a receiver that is down."""
    db.table("webhooks").create(
        {"name": str, "url": str, "events": str, "secret": str}, pk="name", not_null={"url", "events", "secret"},
    )
    db.table("webhook_outbox").create(
        {
            "id": int,
            "webhook": str,
            "event": str,
            "body": str,  # the JSON sent, fixed when the event happened
            "created_at": str,
            "attempts": int,
            "next_attempt_at": str,  # '' once delivered or given up
            "delivered_at": str,
            "last_error": str,  # why the last attempt failed ('' = none yet)
        },
        pk="id", not_null={"webhook", "event", "body", "created_at"},
        defaults={"attempts": 0, "next_attempt_at": "", "delivered_at": "", "last_error": ""},
        foreign_keys=[("webhook", "webhooks", "name")],
    )
    db.table("webhook_outbox").create_index(["next_attempt_at"])


def _cdr_direction(db: sqlite_utils.Database) -> None:
    """Each call record says which way the call went: `in` (came in on a trunk or exchange line),
    `out` (went out on one), `internal`. Rows from before are classified by what they hold: no
    trunk is internal; a trunk call made by a known extension went out; the rest came in."""
    db.table("cdr").add_column("direction", str, not_null_default="internal")
    db.execute("UPDATE cdr SET direction = CASE WHEN trunk IS NULL OR trunk = '' THEN 'internal' "
               "WHEN caller IN (SELECT number FROM extensions) THEN 'out' ELSE 'in' END")
    db.table("cdr").create_index(["direction"])


def _call_recording(db: sqlite_utils.Database) -> None:
    """Call recording (firmware/recording): policies per extension, ring group and trunk, and the
    index of recorded files."""
    db.table("recording_policies").create({"target": str, "policy": str}, pk="target", not_null={"policy"})
    db.table("recordings").create(
        {
            "id": int,
            "call_id": str,  # the call record's call_id
            "segment": int,  # 1, 2, ...: a new file after a hold, a transfer, a park
            "started_at": str,
            "ended_at": str,
            "seconds": float,
            "bytes": int,
            "path": str,  # relative to the data directory
            "parties": str,  # "101 and 0301234567"
            "extensions": str,  # ",101,102,": extensions that talked, for `recordings list --ext`
            "trunk": str,
            "did": str,
            "state": str,  # recording, done, interrupted
            "why": str,  # the policy that made it record
        },
        pk="id", not_null={"call_id", "started_at", "path", "state"},
        defaults={"segment": 1, "ended_at": "", "seconds": 0.0, "bytes": 0, "parties": "", "extensions": ",",
                  "trunk": "", "did": "", "why": ""},
    )
    db.table("recordings").create_index(["started_at"])
    db.table("recordings").create_index(["call_id"])


def _conference(db: sqlite_utils.Database) -> None:
    """Conference rooms (firmware/conference): number, name, PIN hashes, most parties, music while alone."""
    db.table("conference_rooms").create(
        {"number": str, "name": str, "pin_hash": str, "moderator_pin_hash": str, "max_parties": int,
         "music_alone": int},
        pk="number", not_null={"max_parties", "music_alone"},
        defaults={"name": "", "pin_hash": "", "moderator_pin_hash": "", "max_parties": 10, "music_alone": 1},
    )
    # Paging groups are ring groups with strategy 'page': who may page one ('' = every extension).
    db.table("ring_groups").add_column("pagers", str, not_null_default="")
    # Call recordings by e-mail (firmware/recording/mail.py): who wants them, and the outbox.
    db.table("recording_mail").create({"extension": str}, pk="extension")
    db.table("recording_outbox").create(
        {"id": int, "recording_id": int, "address": str, "created_at": str, "sent_at": str},
        pk="id", not_null={"recording_id", "address", "created_at"},
        defaults={"sent_at": ""},
    )


def _queues(db: sqlite_utils.Database) -> None:
    """Call queues (firmware/queues): settings, agents with their login and pause, one row per caller."""
    db.table("queues").create(
        {"name": str, "number": str, "strategy": str, "music": str, "ring_seconds": int, "retry_seconds": int,
         "wrapup_seconds": int, "max_callers": int, "max_wait_seconds": int, "announce_position": int,
         "announce_seconds": int, "join_empty": int, "leave_empty": int, "overflow": str, "leave_key": str,
         "leave_destination": str, "service_level_seconds": int},
        pk="name", not_null={"strategy", "overflow"},
        defaults={"number": "", "music": "", "leave_key": "", "leave_destination": ""},
    )
    db.table("queue_members").create(
        {"queue": str, "extension": str, "position": int, "penalty": int, "dynamic": int, "logged_in": int,
         "paused": int, "pause_reason": str},
        pk=("queue", "extension"), not_null={"position", "penalty", "dynamic", "logged_in", "paused"},
        defaults={"pause_reason": ""},
    )
    db.table("queue_calls").create(
        {"id": int, "queue": str, "call_id": str, "caller": str, "joined_at": str, "position": int,
         "outcome": str, "agent": str, "wait_seconds": float, "talk_seconds": float, "ended_at": str},
        pk="id", not_null={"queue", "joined_at", "outcome"},
        defaults={"agent": "", "wait_seconds": 0.0, "talk_seconds": 0.0, "caller": "", "call_id": ""},
    )
    db.table("queue_calls").create_index(["queue", "joined_at"])


def _queue_callbacks(db: sqlite_utils.Database) -> None:
    """Callback requests of call queues (firmware/queues): when, in which modes, how often to try."""
    queues = db.table("queues")
    queues.add_column("callback_key", str, not_null_default="")
    queues.add_column("callback_profile", str, not_null_default="national")
    queues.add_column("callback_modes", str, not_null_default="day")
    queues.add_column("callback_attempts", int, not_null_default=3)
    queues.add_column("callback_retry_minutes", int, not_null_default=10)
    db.table("queue_callbacks").create(
        {"id": int, "queue": str, "number": str, "requested_at": str, "place": str, "state": str,
         "attempts": int, "next_at": str, "agent": str, "result": str},
        pk="id", not_null={"queue", "number", "requested_at", "place", "state", "attempts"},
        defaults={"attempts": 0, "next_at": "", "agent": "", "result": ""},
    )
    db.table("queue_callbacks").create_index(["queue", "state"])


def _queue_announcements(db: sqlite_utils.Database) -> None:
    """Queues: what agents see and hear (the wait in the name, a whisper), a periodic announcement,
    callback hours of their own; pauses of agents who are agents as a ring group's members; where a
    callback request came from (the API limits requests per address)."""
    queues = db.table("queues")
    queues.add_column("show_wait", int, not_null_default=0)
    queues.add_column("announcement", str, not_null_default="")
    queues.add_column("whisper", str, not_null_default="")
    queues.add_column("callback_hours", str, not_null_default="")
    db.table("queue_group_pauses").create(
        {"queue": str, "extension": str, "reason": str}, pk=("queue", "extension"), defaults={"reason": ""})
    callbacks = db.table("queue_callbacks")
    callbacks.add_column("source", str, not_null_default="phone")
    callbacks.add_column("address", str, not_null_default="")
    callbacks.create_index(["address", "requested_at"])


def _doors(db: sqlite_utils.Database) -> None:
    """Door stations (firmware/door): the open code and times per door, where a visitor's ring goes
    per mode, and every opening of a lock."""
    db.table("doors").create(
        {"name": str, "open_code": str, "open_seconds": int, "ring_seconds": int},
        pk="name", not_null={"open_code", "open_seconds", "ring_seconds"},
        defaults={"open_code": "*5", "open_seconds": 5, "ring_seconds": 30},
    )
    db.table("door_routes").create(
        {"door": str, "mode": str, "destination": str}, pk=("door", "mode"), not_null={"destination"})
    db.table("door_log").create(
        {"id": int, "at": str, "door": str, "by": str, "how": str, "seconds": int, "result": str},
        pk="id", not_null={"at", "door", "by", "how"}, defaults={"seconds": 0, "result": ""},
    )
    db.table("door_log").create_index(["at"])


def _page_park(db: sqlite_utils.Database) -> None:
    """Page and park (firmware/calls/page_park.py): a paging group's number that parks the call
    transferred to it and pages the slot ('' = none)."""
    db.table("ring_groups").add_column("park_number", str, not_null_default="")


def _pin_levels(db: sqlite_utils.Database) -> None:
    """PIN failures counted per presented number, per source and per target (firmware/pins/guard.py):
    a row's source becomes a level key, and each row knows its last failure so old counts are
    forgotten. Locks in force stay in force."""
    db.table("pin_failures").add_column("last_failure_at", str, not_null_default="")
    db.execute("UPDATE pin_failures SET source = 'address:' || source WHERE scope = 'web-login'")
    db.execute("UPDATE pin_failures SET source = 'ext:' || substr(source, 10) WHERE source LIKE 'greeting:%'")
    # The old shared counter of every withheld caller: exactly what the levels do away with.
    db.execute("DELETE FROM pin_failures WHERE source = 'anonymous'")
    db.execute("UPDATE pin_failures SET source = 'number:' || source "
               "WHERE scope != 'web-login' AND source NOT LIKE '%:%'")


def _report_indexes(db: sqlite_utils.Database) -> None:
    """Call records by party and time: the statistics' "missed and not called back" and the
    per-extension figures look up one number's calls before or after a moment, which a year of
    records would otherwise scan."""
    for column in ("caller", "called", "answered_by"):
        db.table("cdr").create_index([column, "started_at"], index_name=f"cdr_{column}_started_at")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_initial, _routing, _line_gateway, _call_apps,
                                                             _call_control, _directory, _phonebook, _web_access,
                                                             _webhooks, _cdr_direction, _call_recording,
                                                             _conference, _queues, _queue_callbacks,
                                                             _queue_announcements, _doors, _page_park, _pin_levels,
                                                             _report_indexes]
