"""CPU time and proportional memory (PSS) of processes, from /proc.

CPU: utime + stime of /proc/PID/stat, in clock ticks; two samples give a
percentage of one core. PSS: /proc/PID/smaps_rollup, so memory that workers
share (the Python interpreter, the pjsua2 library) is split between them
instead of being counted once per process as RSS would.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True)
class ProcSample:
    pid: int
    ticks: int
    pss_kb: int


@dataclass
class Snapshot:
    """Every watched process, by role ("brain", "edge", "worker3", "sipp-uac", ...), at one moment."""

    at: float
    machine_busy: int
    machine_total: int
    roles: dict[str, list[ProcSample]] = field(default_factory=dict)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may contain spaces.
    return text[text.rindex(")") + 2:].split()


def cpu_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After the name: state(0) ppid(1) ... utime(11) stime(12).
    return int(fields[11]) + int(fields[12])


def pss_kb(pid: int) -> int | None:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    total = sum(values[:8])
    return total - idle, total


def snapshot(roles: Mapping[str, Iterable[int]]) -> Snapshot:
    busy, total = machine_ticks()
    snap = Snapshot(at=time.monotonic(), machine_busy=busy, machine_total=total)
    for role, pids in roles.items():
        samples = []
        for pid in pids:
            ticks, pss = cpu_ticks(pid), pss_kb(pid)
            if ticks is not None and pss is not None:
                samples.append(ProcSample(pid, ticks, pss))
        snap.roles[role] = samples
    return snap


@dataclass(frozen=True)
class RoleUsage:
    """One role between two snapshots: CPU in % of one core, PSS in kB at the end."""

    processes: int
    cpu_percent: float
    pss_kb: int


def usage(before: Snapshot, after: Snapshot) -> dict[str, RoleUsage]:
    wall = after.at - before.at
    result: dict[str, RoleUsage] = {}
    for role, samples in after.roles.items():
        start = {s.pid: s.ticks for s in before.roles.get(role, [])}
        # A process that appeared in between counts from zero, which is what it used.
        ticks = sum(s.ticks - start.get(s.pid, 0) for s in samples)
        result[role] = RoleUsage(
            processes=len(samples),
            cpu_percent=round(100.0 * ticks / CLOCK_TICKS / wall, 2) if wall > 0 else 0.0,
            pss_kb=sum(s.pss_kb for s in samples),
        )
    return result


def machine_busy_percent(before: Snapshot, after: Snapshot) -> float:
    """All CPUs busy, in % of one core (so 200 = both cores of a 2-core box)."""
    total = after.machine_total - before.machine_total
    if total <= 0:
        return 0.0
    cpus = os.cpu_count() or 1
    return round(100.0 * cpus * (after.machine_busy - before.machine_busy) / total, 1)
