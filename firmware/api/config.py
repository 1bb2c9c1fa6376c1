"""What the API process is started with."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ApiConfig:
    data_dir: Path
    # Requests larger than this are refused before their body is read (HTTP 413).
    max_body_bytes: int = 1 << 20
