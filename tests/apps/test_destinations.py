"""The destination registry: every kind declared by its feature, checked for form and existence,
and every place that stores a destination blocking the removal of what it names."""
from __future__ import annotations

import pytest
import sqlite_utils

from firmware.apps import destinations
from firmware.apps.destinations import (
    DestinationError,
    DestinationKind,
    DestinationKindClash,
    Target,
    check_destination,
    check_kinds,
    parse_destination,
)
from firmware.apps.ringgroups.config import RingGroupError, remove_ring_group, set_ring_group
from firmware.directory.config import set_config
from firmware.door.config import add_door, set_door


def test_every_kind_is_listed_in_the_refusal_in_the_documented_order() -> None:
    with pytest.raises(DestinationError) as refused:
        parse_destination("pager:1")
    assert str(refused.value) == (
        "destination 'pager:1' is not accepted; use ext:NUMBER, group:NAME, ivr:NAME, voicemail:NUMBER, vmaccess, "
        "number:DIGITS, icm:NAME, conf:NUMBER, queue:NAME or hangup")


@pytest.mark.parametrize(("text", "message"), [
    ("ext:10a", "destination 'ext:10a': '10a' is not accepted after ext:; use digits"),
    ("group:-x", "destination 'group:-x': '-x' is not accepted after group:; use a name of letters"),
    ("hangup:now", "destination 'hangup:now' is not accepted; use ext:NUMBER"),
])
def test_a_malformed_target_is_named_with_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(DestinationError, match=message):
        parse_destination(text)


@pytest.mark.parametrize(("text", "message"), [
    ("ext:199", "extension 199 does not exist; see `ext list`"),
    ("group:sales", "ring group sales does not exist; see `ringgroup list`"),
    ("ivr:main", "voice menu main does not exist; see `ivr list`"),
    ("voicemail:199", "no mailbox 199: there is no such extension"),
    ("icm:returning", "returning-caller destination returning does not exist; see `icm list`"),
    ("conf:800", "conference room 800 does not exist; see `conf list`"),
    ("queue:support", "queue support does not exist; see `queue list`"),
])
def test_a_target_that_does_not_exist_is_refused_by_its_kind(db: sqlite_utils.Database, text: str,
                                                             message: str) -> None:
    with pytest.raises(DestinationError, match=message):
        check_destination(db, text)


def test_existing_targets_come_back_in_normal_form(db: sqlite_utils.Database) -> None:
    set_ring_group(db, "sales", members=["101"])
    assert check_destination(db, " group:sales ") == "group:sales"
    assert check_destination(db, "vmaccess") == "vmaccess"
    assert check_destination(db, "number:+49301234") == "number:+49301234"


def test_every_kind_is_served_by_an_app_or_by_the_switch() -> None:
    kinds = destinations.registry()
    assert {name for name, kind in kinds.items() if kind.app is not None} == {"ivr", "voicemail", "vmaccess", "conf"}
    assert {name for name, kind in kinds.items() if kind.serve is not None} == {
        "ext", "group", "number", "icm", "queue", "hangup"}


def test_two_features_claiming_one_kind_or_a_kind_nothing_serves_fail_at_start() -> None:
    def serve(*_: object) -> None:
        return None

    with pytest.raises(DestinationKindClash, match="destination kind pager is declared twice"):
        check_kinds((DestinationKind("pager", Target.NAME, "pager:NAME", serve=serve),
                     DestinationKind("pager", Target.NAME, "pager:NAME", serve=serve)))
    with pytest.raises(DestinationKindClash, match="pager needs exactly one of an app or a serve"):
        check_kinds((DestinationKind("pager", Target.NAME, "pager:NAME"),))


def test_a_ring_group_a_door_or_the_directory_still_sends_calls_to_cannot_be_removed(
        db: sqlite_utils.Database) -> None:
    set_ring_group(db, "reception", members=["101"])
    db.execute("UPDATE extensions SET device = 'door1' WHERE number = '104'")
    add_door(db, "door1")
    set_door(db, "door1", destination="group:reception")
    set_door(db, "door1", mode="night", destination="group:reception")
    set_config(db, {"leaver_destination": "group:reception"})
    with pytest.raises(RingGroupError) as refused:
        remove_ring_group(db, "reception")
    assert str(refused.value) == (
        "ring group reception cannot be removed: group:reception is still used by door door1 (night), "
        "door door1 (other modes), the directory sync's leaver destination; change those first")
    set_door(db, "door1", destination="ext:101")
    set_door(db, "door1", mode="night", destination="")
    set_config(db, {"leaver_destination": ""})
    remove_ring_group(db, "reception")
