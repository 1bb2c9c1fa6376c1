"""Conference rooms as admin operations, for the CLI (and the HTTP API to come): set, list,
show, remove, and who is in a room now (asked of the running PBX)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin, change_detail
from firmware.admin.errors import NotFound
from firmware.brain.control import ask
from firmware.conference import rooms as store


class RoomView(BaseModel):
    number: str
    name: str
    has_pin: bool
    has_moderator_pin: bool
    max_parties: int
    music_alone: bool


class RoomChange(BaseModel):
    """Fields left out are kept; a PIN of '' removes it."""
    model_config = ConfigDict(extra="forbid")
    name: str | None = None
    pin: str | None = Field(default=None, description="4-10 digits; '' = none")
    moderator_pin: str | None = Field(default=None, description="4-10 digits; '' = no moderator")
    max_parties: int | None = None
    music_alone: bool | None = None


class InRoom(BaseModel):
    who: str
    moderator: bool
    muted: bool
    since: str


class RoomNow(BaseModel):
    room: str
    locked: bool
    worker: int
    members: list[InRoom]


def _view(room: store.Room) -> RoomView:
    return RoomView(number=room.number, name=room.name, has_pin=bool(room.pin_hash),
                    has_moderator_pin=bool(room.moderator_pin_hash), max_parties=room.max_parties,
                    music_alone=room.music_alone)


def set_room(admin: Admin, number: str, change: RoomChange) -> RoomView:
    """The brain reads the room when someone dials it: the next caller gets the change."""
    room = store.set_room(admin.db, number, **change.model_dump(exclude_none=True))
    admin.audit("conference.set", number=number, **change_detail(change))
    return _view(room)


def list_all(admin: Admin) -> list[RoomView]:
    return [_view(r) for r in store.rooms(admin.db)]


def get(admin: Admin, number: str) -> RoomView:
    room = store.get_room(admin.db, number)
    if room is None:
        raise NotFound(f"conference room {number} does not exist; see `conf list`")
    return _view(room)


def remove(admin: Admin, number: str) -> None:
    store.remove_room(admin.db, number)
    admin.audit("conference.remove", number=number)


def who(admin: Admin, number: str) -> RoomNow:
    """Who is in the room now; ControlError when the PBX is not running."""
    get(admin, number)
    rooms = ask(control_socket(admin.data_dir), "status").get("conferences", [])
    for room in rooms if isinstance(rooms, list) else []:
        if isinstance(room, dict) and room.get("room") == number:
            return RoomNow.model_validate(room)
    return RoomNow(room=number, locked=False, worker=0, members=[])
