"""Trunk groups: ordered lines an outgoing call tries one after the other (as `minipbx group`).

A call out goes to the first free trunk of the caller's first group (`cos lines`; none = every
group), and when that trunk cannot carry it (it answers 408, 500, 502, 503 or 504, or does not
answer at all) to the next trunk, then the next group: the brain reads the groups at each call,
so the next call follows a change.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.trunks import config as store


class TrunkGroupView(BaseModel):
    name: str
    strategy: str = Field(description=f"hunting order: {', '.join(store.STRATEGIES)}")
    trunks: list[str] = Field(description="member trunks, in the order first_free tries them")
    used_by: list[str] = Field(description="extensions whose lines (`cos lines`) name the group")


class TrunkGroupChange(BaseModel):
    """Creates the trunk group, or replaces its trunks and strategy."""
    model_config = ConfigDict(extra="forbid")
    trunks: list[str] = Field(description="existing trunks, in the order they are tried", examples=[["sip1", "sip2"]])
    strategy: str = Field(default="first_free",
                          description="first_free: in the order given; round_robin: the next call starts at the "
                                      "next trunk; least_used: the trunk with the fewest calls first")


def _view(admin: Admin, name: str, strategy: str, members: list[str]) -> TrunkGroupView:
    return TrunkGroupView(name=name, strategy=strategy, trunks=members, used_by=store.group_users(admin.db, name))


def list_all(admin: Admin) -> list[TrunkGroupView]:
    return [_view(admin, name, strategy, members) for name, (strategy, members) in store.groups(admin.db).items()]


def get(admin: Admin, name: str) -> TrunkGroupView:
    found = store.groups(admin.db).get(name)
    if found is None:
        raise NotFound(f"trunk group {name} does not exist; see `group list`")
    return _view(admin, name, *found)


def set_group(admin: Admin, name: str, change: TrunkGroupChange) -> TrunkGroupView:
    store.set_group(admin.db, name, change.strategy, change.trunks)
    admin.audit("trunk_group.set", name=name, strategy=change.strategy, trunks=",".join(change.trunks))
    return get(admin, name)


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_group(admin.db, name)
    admin.audit("trunk_group.remove", name=name)
