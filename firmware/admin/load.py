"""How loaded the box is: CPU load, memory, the data partition (the dashboard's and /api/status's)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from pydantic import BaseModel, Field


class Load(BaseModel):
    cpus: int
    load_1m: float = Field(description="runnable processes, averaged over a minute (1.0 = one core busy)")
    load_5m: float
    memory_total_bytes: int
    memory_available_bytes: int
    disk_total_bytes: int = Field(description="the data partition (call records, recordings, voicemail)")
    disk_free_bytes: int


def _meminfo(path: Path = Path("/proc/meminfo")) -> tuple[int, int]:
    """(total, available) in bytes; (0, 0) where /proc/meminfo is not there (not Linux)."""
    figures: dict[str, int] = {}
    try:
        for line in path.read_text().splitlines():
            name, _, rest = line.partition(":")
            figures[name] = int(rest.split()[0]) * 1024
    except (OSError, ValueError, IndexError):
        return 0, 0
    return figures.get("MemTotal", 0), figures.get("MemAvailable", 0)


def measure(data_dir: Path) -> Load:
    one, five, _ = os.getloadavg()
    total, available = _meminfo()
    disk = shutil.disk_usage(data_dir)
    return Load(cpus=os.cpu_count() or 1, load_1m=round(one, 2), load_5m=round(five, 2),
                memory_total_bytes=total, memory_available_bytes=available,
                disk_total_bytes=disk.total, disk_free_bytes=disk.free)
