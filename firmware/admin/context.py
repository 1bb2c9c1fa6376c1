"""Who is acting, on which box: what every admin operation is given."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils
from pydantic import BaseModel

from firmware.store.database import write_transaction


@dataclass(frozen=True)
class Actor:
    """Who made a change and from where: 'admin', an extension number, 'key:crm', 'command line'."""
    who: str
    address: str = ""


COMMAND_LINE = Actor("command line", "local")


@dataclass(frozen=True)
class Admin:
    db: sqlite_utils.Database
    data_dir: Path
    actor: Actor = COMMAND_LINE

    def audit(self, action: str, **detail: object) -> None:
        """One audit row per change; secrets are never among the details."""
        with write_transaction(self.db):
            self.db.table("audit_log").insert({
                "at": datetime.now(UTC).isoformat(timespec="seconds"), "who": self.actor.who,
                "address": self.actor.address, "action": action,
                "detail": json.dumps(detail, sort_keys=True, default=str),
            })


def change_detail(change: BaseModel) -> dict[str, object]:
    """The fields a change gives, for its audit row; a PIN only as '(changed)', never its digits."""
    return {k: ("(changed)" if k.endswith("pin") else v) for k, v in change.model_dump(exclude_none=True).items()}


@dataclass(frozen=True)
class AuditEntry:
    at: str
    who: str
    address: str
    action: str
    detail: str


def audit_log(db: sqlite_utils.Database, limit: int = 50, offset: int = 0) -> list[AuditEntry]:
    rows = db.execute("SELECT at, who, address, action, detail FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?",
                      [limit, offset]).fetchall()
    return [AuditEntry(*(str(v) for v in row)) for row in rows]
