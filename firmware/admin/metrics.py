"""Figures for monitoring (Prometheus text format): what runs, calls, registrations, the line gateway's
ports, webhook backlog, disk."""
from __future__ import annotations

import shutil
from dataclasses import dataclass

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.brain.control import ControlError, ask


@dataclass(frozen=True)
class Metric:
    name: str
    help: str
    kind: str  # gauge or counter
    samples: tuple[tuple[str, float], ...]  # (labels as 'a="b"' or '', value)


def _status(admin: Admin) -> dict[str, object] | None:
    try:
        return ask(control_socket(admin.data_dir), "status", timeout=3)
    except (ControlError, OSError):
        return None


def collect(admin: Admin) -> list[Metric]:
    status = _status(admin)
    metrics = [Metric("minipbx_up", "1 while the brain answers its control socket", "gauge",
                      (("", 1.0 if status else 0.0),))]
    if status is not None:
        edge = status.get("edge")
        workers = status.get("workers")
        regs = status.get("registrations")
        calls = status.get("active_calls")
        trunks = status.get("trunks")
        assert isinstance(edge, dict) and isinstance(workers, list) and isinstance(regs, list)
        assert isinstance(calls, list) and isinstance(trunks, list)
        metrics += [
            Metric("minipbx_edge_up", "1 while the SIP edge (Kamailio) runs", "gauge",
                   (("", 1.0 if edge.get("up") else 0.0),)),
            Metric("minipbx_worker_up", "1 while a call worker runs", "gauge",
                   tuple((f'worker="{w["number"]}"', 1.0 if w["up"] else 0.0) for w in workers)),
            Metric("minipbx_worker_restarts_total", "restarts of a call worker since the brain started", "counter",
                   tuple((f'worker="{w["number"]}"', float(w["restarts"])) for w in workers)),
            Metric("minipbx_registrations", "registered phones (contacts)", "gauge", (("", float(len(regs))),)),
            Metric("minipbx_active_calls", "calls in progress", "gauge", (("", float(len(calls))),)),
            Metric("minipbx_trunk_registered", "1 when a trunk is registered to its provider", "gauge",
                   tuple((f'trunk="{t["name"]}"', 1.0 if t.get("state") == "registered" else 0.0) for t in trunks)),
        ]
        gateway = status.get("gateway")
        if isinstance(gateway, dict):
            metrics += _gateway(gateway)
    by = admin.db.execute("SELECT disposition, COUNT(*) FROM cdr GROUP BY disposition ORDER BY disposition").fetchall()
    backlog = admin.db.execute("SELECT COUNT(*) FROM webhook_outbox WHERE next_attempt_at != ''").fetchone()[0]
    free = shutil.disk_usage(admin.data_dir).free
    metrics += [
        Metric("minipbx_calls_total", "finished calls by disposition (call records)", "counter",
               tuple((f'disposition="{d}"', float(n)) for d, n in by)),
        Metric("minipbx_webhook_backlog", "webhook deliveries waiting for a (re)try", "gauge",
               (("", float(backlog)),)),
        Metric("minipbx_data_free_bytes", "free space on the data partition", "gauge", (("", float(free)),)),
    ]
    return metrics


def _gateway(gateway: dict[str, object]) -> list[Metric]:
    """The board's ports as the gateway reports them (`minipbx status`): an alert can name the
    analog phone that lost its registration, is stuck off hook or whose line controller failed."""
    ports = gateway.get("ports")
    assert isinstance(ports, list)
    named = [(f'port="{p["device"]}"', p) for p in ports]
    return [
        Metric("minipbx_gateway_up", "1 while the line gateway (the board's ports) runs", "gauge",
               (("", 1.0 if gateway.get("up") else 0.0),)),
        Metric("minipbx_gateway_port_registered", "1 when a board port is registered as its extension", "gauge",
               tuple((f'{label},kind="{p.get("kind", "")}",extension="{p.get("extension", "")}"',
                      1.0 if p.get("registered") else 0.0) for label, p in named)),
        Metric("minipbx_gateway_port_state", "a board port's call state (idle, dialtone, ringing, talking, ...): "
               "1 for the state it is in", "gauge",
               tuple((f'{label},state="{p.get("state", "unknown")}"', 1.0) for label, p in named)),
        Metric("minipbx_gateway_port_off_hook", "1 while a phone on a board port is off hook", "gauge",
               tuple((label, 1.0 if p["off_hook"] else 0.0) for label, p in named if "off_hook" in p)),
        Metric("minipbx_gateway_port_fault", "1 while a board port's device reports a fault", "gauge",
               tuple((label, 1.0 if p.get("fault") else 0.0) for label, p in named)),
    ]


def render(metrics: list[Metric]) -> str:
    lines: list[str] = []
    for metric in metrics:
        lines += [f"# HELP {metric.name} {metric.help}", f"# TYPE {metric.name} {metric.kind}"]
        for labels, value in metric.samples:
            lines.append(f"{metric.name}{{{labels}}} {value:g}" if labels else f"{metric.name} {value:g}")
    return "\n".join(lines) + "\n"
