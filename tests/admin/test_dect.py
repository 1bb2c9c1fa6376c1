"""Pairing a DECT handset, as the CLI, the API and keypad programming ask for it: one check of
the window and of the extension asked for, before the running PBX is asked (the end-to-end
pairing is tests/gateway/test_dect_pairing.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from firmware.admin import dect, extensions
from firmware.admin.context import Admin, audit_log
from firmware.brain.control import ControlError
from firmware.dect.pairing import DectPairingError
from firmware.store.database import open_store


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(open_store(tmp_path), tmp_path)


@pytest.mark.parametrize(("request_", "refusal"), [
    (dect.PairRequest(seconds=0), "a subscription window of 0 s is not accepted; 1-255 seconds"),
    (dect.PairRequest(seconds=256), "a subscription window of 256 s is not accepted; 1-255 seconds"),
    (dect.PairRequest(extension="12a"), "extension number '12a' is not accepted; use digits in the extension "
                                        "ranges 100-899"),
    (dect.PairRequest(extension="9999"), "extension number 9999 is not accepted"),
    (dect.PairRequest(extension="101"), "extension number 101 is already extension 101; pick a free number"),
])
def test_a_bad_window_or_extension_is_refused_naming_it(admin: Admin, request_: dect.PairRequest,
                                                        refusal: str) -> None:
    extensions.add(admin, extensions.NewExtension(number="101", name="Reception"))
    with pytest.raises(DectPairingError, match=refusal.replace("(", r"\(")):
        dect.pair(admin, request_)
    assert [e.action for e in audit_log(admin.db)] == ["extension.add"]


def test_pairing_needs_the_running_pbx_and_logs_nothing_without_it(admin: Admin) -> None:
    with pytest.raises(ControlError, match="not running") as refused:
        dect.pair(admin, dect.PairRequest(seconds=60, extension="150"))
    assert refused.value.kind == "not_running"
    with pytest.raises(ControlError, match="not running"):
        dect.handsets(admin)
    assert audit_log(admin.db) == []
