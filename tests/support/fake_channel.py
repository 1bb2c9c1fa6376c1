"""An in-memory call worker: the switch's commands are kept, its events are made up.

Call logic (the switch and in-call features) runs against it without Kamailio or
pjsua2, so every transition has a fast unit test; the end-to-end tests with real
phones cover what a user notices. It speaks the worker protocol's messages
(docs/worker-protocol.md), checked against the protocol's tables.
"""
from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import Any

from firmware.brain.switch import Switch
from firmware.prompts.library import PromptLibrary, find_system_dir
from firmware.store.database import open_store, write_transaction
from firmware.store.extensions import add_extension
from firmware.worker.protocol import COMMANDS, EVENTS, Message, check

_ports = itertools.count(41000)


class FakeWorker:
    def __init__(self, switch: Switch, number: int) -> None:
        self.switch = switch
        self.number = number
        self.ready = True
        self.capacity = 64
        self._sip_port = next(_ports)
        self.sent: list[Message] = []
        self._ids = itertools.count(1)

    @property
    def sip_port(self) -> int:
        return self._sip_port

    # ---- the switch -> worker direction ------------------------------------------------
    def send(self, message: Message) -> None:
        # The socket reader of a real worker would refuse what this refuses.
        self.sent.append(check(message, COMMANDS))

    def commands(self, kind: str | None = None, leg: str | None = None) -> list[Message]:
        return [m for m in self.sent if (kind is None or m["type"] == kind) and
                (leg is None or leg in (m.get("leg"), m.get("a"), m.get("b")))]

    def last(self, kind: str, leg: str | None = None) -> Message:
        found = self.commands(kind, leg)
        assert found, f"worker {self.number} got no {kind} for {leg}: {self.sent}"
        return found[-1]

    def clear(self) -> None:
        self.sent.clear()

    # ---- the worker -> switch direction ------------------------------------------------
    def event(self, kind: str, **fields: Any) -> None:
        message = check({"type": kind, **fields}, EVENTS)
        self.switch.handle(self, message)  # type: ignore[arg-type]

    def incoming(self, caller: str, dialled: str, *, trunk: str = "", link: str = "") -> str:
        leg = f"w{self.number}-{next(self._ids)}"
        self.event("incoming", leg=leg, call_id=f"cid-{leg}", from_user=caller, from_name="",
                   to_user=dialled, auth_user="" if trunk else caller, trunk=trunk, did="", link=link,
                   source="127.0.0.9:5060")
        return leg

    def dialled(self, target: str) -> str:
        """The leg the switch last dialled to `target` (sip:TARGET@...)."""
        for message in reversed(self.sent):
            if message["type"] == "dial" and str(message["uri"]).startswith(f"sip:{target}@"):
                return str(message["leg"])
        raise AssertionError(f"worker {self.number} dialled no {target}: {self.sent}")

    def press(self, leg: str, digits: str) -> None:
        """The party on `leg` presses keys (RFC 2833 events, one `dtmf` each)."""
        for digit in digits:
            self.event("dtmf", leg=leg, digit=digit)

    def answer_leg(self, leg: str) -> None:
        self.event("progress", leg=leg, code=180)
        self.event("answered", leg=leg, call_id=f"cid-{leg}")


class FakePbx:
    """A switch on a real sqlite store in `data_dir`, with fake workers."""

    def __init__(self, data_dir: Path, workers: int = 2) -> None:
        self.db = open_store(data_dir)
        self.data_dir = data_dir
        prompts = PromptLibrary(find_system_dir(), data_dir / "prompts")
        self.switch = Switch(self.db, "127.0.0.1", 5060, "minipbx", data_dir=data_dir, prompts=prompts,
                             mailbox_changed=lambda mailbox: None)
        self.workers = [FakeWorker(self.switch, n + 1) for n in range(workers)]
        self.switch.workers = self.workers  # type: ignore[assignment]

    def extension(self, number: str) -> None:
        add_extension(self.db, number, f"Extension {number}", password="Test-password-1234")

    def trunk(self, name: str = "prov") -> None:
        """A SIP trunk with two channels at 127.0.0.9 (nothing listens: the fake worker dials)."""
        with write_transaction(self.db):
            self.db.table("trunks").insert({
                "name": name, "kind": "sip", "host": "127.0.0.9", "port": 5060, "transport": "udp",
                "domain": "127.0.0.9", "username": "", "password": "", "auth_username": "", "register": 0,
                "caller_id": "", "send_pai": 0, "privacy": "", "inbound_only": 0, "channels": 2})

    def talk(self, caller: str, callee: str, worker: int = 0) -> tuple[FakeWorker, str, str]:
        """caller rings callee, who answers; (worker, caller leg, callee leg)."""
        w = self.workers[worker]
        a = w.incoming(caller, callee)
        b = w.dialled(callee)
        w.answer_leg(b)
        return w, a, b


def fake_pbx(data_dir: Path, numbers: Iterable[str] = ("101", "102", "103", "104")) -> FakePbx:
    """A fake PBX with these extensions."""
    pbx = FakePbx(data_dir)
    for number in numbers:
        pbx.extension(number)
    return pbx


def run(scenario: Awaitable[None], seconds: float = 20) -> None:
    """Run a test's scenario (a coroutine: the switch's timers need a loop), bounded in time."""
    asyncio.run(asyncio.wait_for(scenario, seconds))  # type: ignore[arg-type]
