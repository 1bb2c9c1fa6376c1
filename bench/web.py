"""Web admin page loads: `python -m bench.web` (part of `make bench`).

The API alone (`python -m firmware.api`) on a database holding CDR_ROWS call records (a busy
office's year or more), RECORDINGS recordings and EXTENSIONS extensions; Debian's Chromium,
signed in as the administrator, opens each page ROUNDS times from scratch (a new page load, its
scripts from the browser cache as a returning user's) and the time from the request to the page
drawn with its data (`main[data-ready]`) is measured. Without a running PBX the dashboard's live
parts answer 503 at once, so its figure is the page with the mode and today's figures.
Results: bench/results/web-DATE.json and .md, and web-latest.json. The target is 300 ms a page.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from firmware.store.database import open_store
from tests.support.api import ADMIN_PASSWORD, running_api

RESULTS = Path(__file__).resolve().parent / "results"
PAGES = ["dashboard", "people", "logic", "modes", "statistics", "records", "recordings", "doors", "settings",
         "integrations", "audit"]
CDR_ROWS, RECORDINGS, EXTENSIONS, ROUNDS = 100_000, 10_000, 200, 5
TARGET_MS = 300


def seed(data_dir: Path, cdr_rows: int, recordings: int, extensions: int) -> None:
    """Rows straight into the tables, in one transaction each (the PBX writes them one call at a time)."""
    db = open_store(data_dir)
    rng = random.Random(7)
    numbers = [str(100 + n) for n in range(extensions)]
    start = datetime.now(UTC) - timedelta(days=365)
    with db.conn:
        db.conn.executemany(
            "INSERT INTO extensions (number, name, department, role, created_at) VALUES (?, ?, ?, 'user', ?)",
            [(n, f"Person {n}", f"Department {int(n) % 8}", start.isoformat()) for n in numbers])
        rows = []
        for i in range(cdr_rows):
            started = start + timedelta(seconds=i * 365 * 86400 / cdr_rows)
            answered = rng.random() < 0.8
            caller, called = rng.sample(numbers, 2)
            talk = rng.randint(10, 600) if answered else 0
            stamp = started.isoformat(timespec="milliseconds")
            picked_up = (started + timedelta(seconds=5)).isoformat(timespec="milliseconds") if answered else None
            ended = (started + timedelta(seconds=5 + talk)).isoformat(timespec="milliseconds")
            rows.append((f"bench{i}", caller, called, called if answered else None, stamp, picked_up, ended,
                         float(talk), "answered" if answered else "no_answer", "the caller hung up", "caller",
                         "internal"))
        db.conn.executemany(
            "INSERT INTO cdr (call_id, caller, called, answered_by, started_at, answered_at, ended_at, talk_seconds, "
            "disposition, hangup_cause, hangup_by, direction) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        db.conn.executemany(
            "INSERT INTO recordings (call_id, segment, started_at, ended_at, seconds, bytes, path, parties, "
            "extensions, trunk, did, state, why) VALUES (?, 1, ?, ?, 60, 480044, ?, ?, ?, '', '', 'done', 'always')",
            [(f"bench{i}", rows[i][4], rows[i][6], f"recordings/bench/{i}.wav", f"{rows[i][1]} - {rows[i][2]}",
              f",{rows[i][1]},{rows[i][2]},") for i in range(min(recordings, cdr_rows))])
    db.conn.close()


def measure(base: Path, rounds: int) -> dict[str, Any]:
    with running_api(base) as api, sync_playwright() as driver:
        seed(api.data_dir, CDR_ROWS, RECORDINGS, EXTENSIONS)
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page(base_url=api.url)
            page.goto("/")
            page.get_by_label("Extension or admin").fill("admin")
            page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.locator("#mode-card").wait_for()
            results: dict[str, Any] = {}
            for name in PAGES:
                times = []
                for _ in range(rounds + 1):
                    began = time.monotonic()
                    page.goto("about:blank")
                    page.goto(f"/ui/#/{name}")
                    page.locator(f'main[data-ready="{name}"]').wait_for(timeout=30_000)
                    times.append((time.monotonic() - began) * 1000)
                times = times[1:]  # the first load fills the browser's cache
                results[name] = {"median_ms": round(statistics.median(times), 1), "worst_ms": round(max(times), 1),
                                 "within_target": max(times) <= TARGET_MS}
        finally:
            browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        pages = measure(Path(folder), args.rounds)
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
              "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "cdr_rows": CDR_ROWS,
              "recordings": RECORDINGS, "extensions": EXTENSIONS, "rounds": args.rounds, "target_ms": TARGET_MS,
              "pages": pages}
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(report, indent=2)
    (RESULTS / f"web-{stamp}.json").write_text(text + "\n")
    (RESULTS / "web-latest.json").write_text(text + "\n")
    lines = [f"# Web admin page loads ({report['when']})", "",
             f"{CDR_ROWS} call records, {RECORDINGS} recordings, {EXTENSIONS} extensions; {args.rounds} loads a page "
             f"after one that fills the cache; target {TARGET_MS} ms.", "",
             "| page | median ms | worst ms | within target |", "|---|---|---|---|"]
    lines += [f"| {n} | {f['median_ms']} | {f['worst_ms']} | {'yes' if f['within_target'] else 'NO'} |"
              for n, f in pages.items()]
    (RESULTS / f"web-{stamp}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
