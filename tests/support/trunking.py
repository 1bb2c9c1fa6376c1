"""A fake SIP provider for tests that need a trunk: a real Kamailio with digest auth.

The provider knows the company's account ("acme", DIDs 4930100...) and PSTN
subscribers, which are test phones registered to the provider.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixtures import PhoneFactory
from tests.support.pbx import RunningPbx, free_sip_port
from tests.support.phone import Phone
from tests.support.provider import FakeProvider

TRUNK_PASSWORD = "Trunk-pass-1234"
DID = "4930100"
PSTN_PASSWORD = "Pstn-pass-1234"


@pytest.fixture
def provider(tmp_path: Path, pbx: RunningPbx) -> Iterator[FakeProvider]:
    fake = FakeProvider(tmp_path / "provider", addr="127.0.0.70", port=free_sip_port(), customer="acme",
                        password=TRUNK_PASSWORD, did_prefix=DID, pbx_addr="127.0.0.1", pbx_port=pbx.sip_port)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
        print(f"--- provider log:\n{fake.log()}")


def pstn_phone(phones: PhoneFactory, provider: FakeProvider, number: str, **kwargs: Any) -> Phone:
    provider.add_subscriber(number, PSTN_PASSWORD)
    phone = phones(number, registrar=provider.registrar, password=PSTN_PASSWORD, **kwargs)
    assert phone.register() == 200
    return phone


def add_trunk(pbx: RunningPbx, provider: FakeProvider, name: str = "prov", *extra: str,
              password: str = TRUNK_PASSWORD, username: str = "acme") -> None:
    result = pbx.minipbx("trunk", "add", name, "--host", provider.addr, "--port", str(provider.port),
                         "--username", username, "--password", password, *extra)
    assert result.returncode == 0, result.stderr


def trunk_state(pbx: RunningPbx, name: str) -> str:
    status = pbx.status()
    assert status is not None
    return str(next(t for t in status["trunks"] if t["name"] == name)["state"])


def wait_trunk(pbx: RunningPbx, name: str, state: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (current := trunk_state(pbx, name)) != state:
        assert time.monotonic() < deadline, f"trunk {name} is {current!r}, expected {state!r}"
        time.sleep(0.5)
