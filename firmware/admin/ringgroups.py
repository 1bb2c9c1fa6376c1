"""Ring groups (departments): create or change, list, delete. The brain reads them per call."""
from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.apps.ringgroups import config as store


class RingGroupView(BaseModel):
    name: str
    number: str = Field(description="'' = reached only as group:NAME")
    strategy: str
    step_seconds: int
    timeout: int
    no_answer: str = Field(description="destination after the timeout ('' = release the caller)")
    pickup_group: str
    members: list[str] = Field(description="in ringing order: extension numbers or number:DIGITS")
    pagers: list[str] = Field(default=[], description="strategy page: who may page the group ([] = everyone)")
    park_number: str = Field(default="", description="strategy page: a call transferred to this number is parked "
                             "and its slot paged to the group ('' = none)")


class RingGroupChange(BaseModel):
    """Creates the group, or changes what is given (fields left out are kept)."""
    model_config = ConfigDict(extra="forbid")
    number: str | None = None
    strategy: str | None = Field(default=None, description=f"one of: {', '.join(store.STRATEGIES)}")
    step_seconds: int | None = None
    timeout: int | None = None
    no_answer: str | None = None
    pickup_group: str | None = None
    members: list[str] | None = None
    pagers: list[str] | None = None
    park_number: str | None = None


def _view(group: store.RingGroup) -> RingGroupView:
    return RingGroupView.model_validate({**asdict(group), "members": list(group.members),
                                         "pagers": list(group.pagers)})


def set_group(admin: Admin, name: str, change: RingGroupChange) -> RingGroupView:
    group = store.set_ring_group(admin.db, name, **change.model_dump())
    admin.audit("ringgroup.set", name=name, **change.model_dump(exclude_none=True))
    return _view(group)


def list_all(admin: Admin) -> list[RingGroupView]:
    return [_view(g) for g in store.list_ring_groups(admin.db)]


def get(admin: Admin, name: str) -> RingGroupView:
    group = store.get_ring_group(admin.db, name)
    if group is None:
        raise NotFound(f"ring group {name} does not exist; see `ringgroup list`")
    return _view(group)


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_ring_group(admin.db, name)
    admin.audit("ringgroup.remove", name=name)
