"""One sqlite connection per request (requests run on a thread pool; a connection is not shared)."""
from __future__ import annotations

from collections.abc import Generator
from typing import Annotated

import sqlite_utils
from fastapi import Depends, Request

from firmware.store.database import connect, db_path


def open_db(request: Request) -> Generator[sqlite_utils.Database, None, None]:
    # The brain migrated the file at its start; no integrity check per request (it reads the whole file).
    db = connect(db_path(request.app.state.config.data_dir))
    try:
        yield db
    finally:
        db.conn.close()


Db = Annotated[sqlite_utils.Database, Depends(open_db)]
