"""Which address the PBX is started on."""
from __future__ import annotations

from firmware.appliance.launch import choose_address


def test_the_default_routes_source_address_wins() -> None:
    assert choose_address("192.168.1.20", ["169.254.3.4", "192.168.1.20", "10.0.0.5"]) == "192.168.1.20"


def test_without_a_default_route_a_global_address_beats_link_local() -> None:
    assert choose_address(None, ["169.254.3.4", "10.0.0.5"]) == "10.0.0.5"


def test_a_direct_cable_to_a_laptop_still_gets_an_address() -> None:
    assert choose_address(None, ["169.254.3.4"]) == "169.254.3.4"


def test_no_address_at_all() -> None:
    assert choose_address(None, []) is None
