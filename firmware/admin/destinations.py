"""What a call can be sent to now: every existing destination, for pages that offer a choice.

Read from the destination kinds' own declarations (firmware/apps/destinations.py), so a new
kind shows up here by declaring its `choices`.
"""
from __future__ import annotations

from pydantic import BaseModel, Field

from firmware.admin.context import Admin
from firmware.apps.destinations import Destination, Target, registry


class DestinationChoice(BaseModel):
    destination: str = Field(examples=["group:sales"])
    kind: str = Field(examples=["group"])
    target: str = Field(description="the number or name after the kind ('' for hangup, vmaccess)")
    label: str = Field(description="the extension's, room's or group's name ('' when it has none)")


class DestinationKindView(BaseModel):
    kind: str
    form: str = Field(description="how it is written, e.g. group:NAME")
    typed: bool = Field(description="its target is typed (an outside number), not chosen from a list")


class Destinations(BaseModel):
    kinds: list[DestinationKindView]
    choices: list[DestinationChoice]


def list_all(admin: Admin) -> Destinations:
    kinds, choices = [], []
    for kind in registry().values():
        typed = kind.target is not Target.NONE and not kind.choices
        kinds.append(DestinationKindView(kind=kind.kind, form=kind.form, typed=typed))
        if kind.target is Target.NONE:
            choices.append(DestinationChoice(destination=kind.kind, kind=kind.kind, target="", label=""))
        elif kind.choices:
            for target, label in admin.db.execute(kind.choices).fetchall():
                choices.append(DestinationChoice(destination=str(Destination(kind.kind, str(target))),
                                                 kind=kind.kind, target=str(target), label=str(label or "")))
    return Destinations(kinds=kinds, choices=choices)
