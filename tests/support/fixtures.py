"""pytest fixtures for test phones.

Use from a conftest.py (`from tests.support.fixtures import phone_factory`) or, for the whole tree,
`pytest_plugins = ["tests.support.fixtures"]` in the top-level tests/conftest.py.

    def test_call(phone_factory):
        a = phone_factory("201", tone_hz=600)        # bound to 127.0.0.2
        b = phone_factory("202", tone_hz=1000)       # bound to 127.0.0.3
        a.call(b.uri)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.parallel import phone_network
from tests.support.phone import Phone

# Phones get distinct loopback addresses (127.0.0.2, .3, ...) unless a test says otherwise, so every
# phone has its own source address and its own RTP port space; 127.0.0.1 is left to the PBX.
FIRST_HOST = 2


class PhoneFactory:
    """Creates phones for one test and closes them all at the end, pass or fail."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.phones: list[Phone] = []
        self._next_host = FIRST_HOST

    def next_address(self) -> str:
        """A loopback address not yet handed to a phone of this test."""
        if self._next_host > 254:
            raise AssertionError("out of 127.0.0.x addresses")
        addr = f"{phone_network()}.{self._next_host}"
        self._next_host += 1
        return addr

    def __call__(self, user: str, **kwargs: Any) -> Phone:
        """`Phone(user, **kwargs)` with defaults: `bind` = the next free 127.0.0.x, `record_dir` = a
        fresh folder under the test's tmp_path (recordings, pjsua.log, phone.stderr)."""
        kwargs.setdefault("bind", self.next_address())
        if "record_dir" not in kwargs:
            record_dir = self.base_dir / f"{user}-{len(self.phones) + 1}"
            kwargs["record_dir"] = record_dir
        phone = Phone(user, **kwargs)
        self.phones.append(phone)
        return phone

    def close_all(self) -> None:
        errors: list[BaseException] = []
        for phone in self.phones:
            phone.request_quit()      # all hang up and exit in parallel
        for phone in self.phones:
            try:
                phone.close()
            except Exception as exc:   # close every phone even if one misbehaves
                errors.append(exc)
        if errors:
            raise errors[0]

    def dump(self) -> None:
        """Print every phone's events; pytest shows it under "Captured stdout teardown" on failure."""
        for phone in self.phones:
            print(f"--- {phone!r} events (record dir {phone.record_dir})")
            for ev in phone.events:
                print("   ", json.dumps(ev))


@pytest.fixture
def phone_factory(tmp_path: Path) -> Iterator[PhoneFactory]:
    """Factory of test phones; every phone it made is closed (killed if need be) at test end."""
    factory = PhoneFactory(tmp_path / "phones")
    try:
        yield factory
    finally:
        factory.dump()
        factory.close_all()
