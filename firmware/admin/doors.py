"""Door stations: where a visitor's ring goes per mode, the open code and times, the log of
openings, and opening a door from the command line or the API. The brain reads the settings
per call, so the next visitor gets a change; opening goes through the running PBX, which owns
the lock (through the line gateway)."""
from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import COMMAND_LINE, Admin
from firmware.admin.errors import NotFound
from firmware.brain.control import OpenDoor, ask
from firmware.door import config as store


class DoorView(BaseModel):
    name: str = Field(description="the board's door port, e.g. door1")
    extension: str = Field(description="the door station's extension")
    open_code: str = Field(description="pressed in a call with the door, it opens the lock")
    open_seconds: int = Field(description="how long the lock opens")
    ring_seconds: int = Field(description="a visitor's call ends unanswered after this")
    routes: dict[str, str] = Field(description="mode (or * for every other mode) -> destination; none: the "
                                               "operator extension")


class DoorChange(BaseModel):
    """Changes what is given (fields left out are kept)."""
    model_config = ConfigDict(extra="forbid")
    destination: str | None = Field(default=None, description="where a visitor's ring goes in `mode` ('' = "
                                                               "remove that route), e.g. group:reception")
    mode: str = Field(default=store.ALL_MODES, description="day, lunch, break, night, holiday, or * for every "
                                                           "mode without a route of its own")
    open_code: str | None = Field(default=None, description="* or # and one or two digits, e.g. *5")
    open_seconds: int | None = Field(default=None, description="1-30")
    ring_seconds: int | None = Field(default=None, description="5-120")


class OpeningView(BaseModel):
    at: str
    door: str
    by: str = Field(description="the extension (or number) that opened it, 'command line', 'admin', 'key:NAME'")
    how: str = Field(description=f"one of: {', '.join(store.HOW)}")
    seconds: int = Field(description="how long it opened (0 = it did not)")
    result: str = Field(description="'' = opened; else why not")


def _view(door: store.Door) -> DoorView:
    return DoorView(name=door.name, extension=door.extension, open_code=door.open_code,
                    open_seconds=door.open_seconds, ring_seconds=door.ring_seconds, routes=dict(door.routes))


def list_all(admin: Admin) -> list[DoorView]:
    return [_view(d) for d in store.list_doors(admin.db)]


def get(admin: Admin, name: str) -> DoorView:
    door = store.get_door(admin.db, name)
    if door is None:
        raise NotFound(f"door {name} does not exist; see `door list` (doors are the board's door ports)")
    return _view(door)


def set_door(admin: Admin, name: str, change: DoorChange) -> DoorView:
    get(admin, name)
    door = store.set_door(admin.db, name, destination=change.destination, mode=change.mode,
                          open_code=change.open_code, open_seconds=change.open_seconds,
                          ring_seconds=change.ring_seconds)
    admin.audit("door.set", name=name, **change.model_dump(exclude_none=True))
    return _view(door)


def log(admin: Admin, name: str | None = None, limit: int = 50) -> list[OpeningView]:
    if name is not None:
        get(admin, name)
    return [OpeningView.model_validate(asdict(o)) for o in store.door_log(admin.db, name, limit)]


def open_door(admin: Admin, name: str) -> OpeningView:
    """Open the lock now for the door's open time; ControlError when the PBX is not running or the
    gateway could not open it."""
    get(admin, name)
    how = "cli" if admin.actor == COMMAND_LINE else "api"
    ask(control_socket(admin.data_dir), OpenDoor(door=name, by=admin.actor.who, how=how))
    admin.audit("door.open", name=name)
    return log(admin, name, 1)[0]
