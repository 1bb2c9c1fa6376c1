"""SIP trunks: the edge caches them, so every change is followed by a reload of the running PBX."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import tell_brain
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.trunks import config as store


# `register` is spelled so on the wire; in Python it is register_ (BaseModel has its own `register`).
class NewTrunk(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    name: str = Field(examples=["provider1"])
    host: str
    port: int = 5060
    transport: str = "udp"
    domain: str | None = None
    username: str = ""
    password: str = Field(default="", description="write-only: never returned")
    auth_username: str = ""
    register_: bool = Field(default=True, alias="register", description="register to the provider")
    caller_id: str = ""
    send_pai: bool = False
    privacy: str = ""
    inbound_only: bool = False
    channels: int = 30


class TrunkView(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    name: str
    kind: str
    host: str
    port: int
    transport: str
    domain: str
    username: str
    auth_username: str
    register_: bool = Field(alias="register")
    caller_id: str
    send_pai: bool
    privacy: str
    inbound_only: bool
    channels: int
    password_set: bool


def _view(trunk: store.Trunk) -> TrunkView:
    return TrunkView.model_validate(trunk.public())


def add(admin: Admin, new: NewTrunk) -> TrunkView:
    trunk = store.add_sip_trunk(
        admin.db, new.name, new.host, port=new.port, transport=new.transport, domain=new.domain,
        username=new.username, password=new.password, auth_username=new.auth_username, register=new.register_,
        caller_id=new.caller_id, send_pai=new.send_pai, privacy=new.privacy, inbound_only=new.inbound_only,
        channels=new.channels)
    admin.audit("trunk.add", name=trunk.name, host=trunk.host)
    tell_brain(admin.data_dir)
    return _view(trunk)


def list_all(admin: Admin) -> list[TrunkView]:
    return [_view(t) for t in store.list_trunks(admin.db)]


def get(admin: Admin, name: str) -> TrunkView:
    trunk = store.get_trunk(admin.db, name)
    if trunk is None:
        raise NotFound(f"trunk {name} does not exist; see `trunk list`")
    return _view(trunk)


def remove(admin: Admin, name: str) -> None:
    get(admin, name)
    store.remove_trunk(admin.db, name)
    admin.audit("trunk.remove", name=name)
    tell_brain(admin.data_dir)
