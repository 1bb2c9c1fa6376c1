"""What the API process is started with."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ApiConfig:
    data_dir: Path
    # Where the appliance keeps the admin PIN's hash (the first sign-in from a browser checks it).
    admin_pin_dir: Path | None = None
    # Requests larger than this are refused before their body is read (HTTP 413).
    max_body_bytes: int = 1 << 20
