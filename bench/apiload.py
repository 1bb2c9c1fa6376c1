"""A bounded load on the PBX's HTTP API: GETs at a set rate, for at most a set time and count.

A few threads, each with its own keep-alive connection, take the next request's slot (the
k-th request is due at start + k / rate) and send it to the next endpoint in turn; a server
slower than the rate simply gets fewer requests (each thread waits for its answer). The load
stops by itself at its deadline or after `rate x seconds` requests, whichever comes first.
"""
from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from bench.sipprun import percentile

Json = dict[str, Any]
# Endpoints that read the database or ask the brain: what a CRM or the web admin polls.
# (A key with the permissions reports and live_calls may read all of them.)
API_PATHS = ("/api/status", "/api/cdr?limit=50", "/api/stats/summary", "/api/calls", "/api/stats/missed")
REQUEST_TIMEOUT_S = 5.0


class ApiLoad:
    def __init__(self, base_url: str, token: str, paths: tuple[str, ...] = API_PATHS, *, rate: float,
                 seconds: float, threads: int = 4) -> None:
        if rate <= 0 or seconds <= 0 or threads < 1:
            raise ValueError(f"API load: rate {rate}, seconds {seconds}, threads {threads}: all must be positive")
        url = urlsplit(base_url)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.headers = {"Authorization": f"Bearer {token}"}
        self.paths = paths
        self.rate = rate
        self.seconds = seconds
        self.max_requests = max(1, int(rate * seconds))
        self.threads = [threading.Thread(target=self._run, name=f"api-load-{n}", daemon=True) for n in range(threads)]
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._next = 0
        self._started = 0.0
        self._ended = 0.0
        self._latencies: list[float] = []
        self._by_path: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()

    def start(self) -> ApiLoad:
        self._started = time.monotonic()
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> Json:
        """Stop sending (threads finish the request they are in) and return what was served."""
        self._stop.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 1)
        self._ended = self._ended or time.monotonic()
        return self.summary()

    def _slot(self) -> int | None:
        """The index of the next request to send, or None when the load is over."""
        with self._lock:
            if self._next >= self.max_requests:
                return None
            index = self._next
            self._next += 1
        due = self._started + index / self.rate
        if due >= self._started + self.seconds or self._stop.wait(max(0.0, due - time.monotonic())):
            return None
        return index

    def _run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while (index := self._slot()) is not None:
            path = self.paths[index % len(self.paths)]
            began = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT_S)
                conn.request("GET", path, headers=self.headers)
                response = conn.getresponse()
                response.read()
                ok = 200 <= response.status < 300
                kind = "" if ok else f"{path.split('?')[0]} HTTP {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                # A broken connection is opened again for the next request.
                ok, kind = False, f"{path.split('?')[0]} {type(exc).__name__}"
                if conn is not None:
                    conn.close()
                conn = None
            with self._lock:
                if ok:
                    self._latencies.append((time.monotonic() - began) * 1000)
                    self._by_path[path.split("?")[0]] += 1
                else:
                    self._errors[kind] += 1
                self._ended = time.monotonic()
        if conn is not None:
            conn.close()

    def summary(self) -> Json:
        with self._lock:
            served, errors = len(self._latencies), sum(self._errors.values())
            wall = max(1e-6, (self._ended or time.monotonic()) - self._started)
            return {
                "target_rate_per_s": self.rate, "max_requests": self.max_requests, "threads": len(self.threads),
                "sent": served + errors, "served": served, "errors": errors,
                "served_per_s": round(served / wall, 1), "seconds": round(wall, 1),
                "latency_ms": {"p50_ms": _r(percentile(self._latencies, 50)),
                               "p99_ms": _r(percentile(self._latencies, 99)),
                               "max_ms": _r(max(self._latencies, default=None))},
                "served_by_path": dict(self._by_path), "error_kinds": dict(self._errors.most_common()),
            }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
