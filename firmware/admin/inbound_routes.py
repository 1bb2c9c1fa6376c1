"""Inbound routes: where calls on a trunk go, per dialled number (DID) and mode; list, set, remove.

The brain reads them per call, so the next call follows a change.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.trunks import inbound as store


class RouteView(BaseModel):
    trunk: str
    did: str = Field(description="the dialled number; '' = any number")
    mode: str = Field(description="day, lunch, break, night, holiday, or * (every mode)")
    destination: str
    music: str = Field(description="music class callers hear on hold ('' = the default)")


class RouteChange(BaseModel):
    """Creates the route for this trunk, number and mode, or replaces it."""
    model_config = ConfigDict(extra="forbid")
    destination: str = Field(description="ext:N, group:NAME, queue:NAME, ivr:NAME, voicemail:N, vmaccess, "
                                         "number:DIGITS, icm:NAME or hangup", examples=["ivr:main"])
    music: str = Field(default="", description="a music class (`moh list`); '' = the default")


def _view(row: dict[str, object]) -> RouteView:
    return RouteView(trunk=str(row["trunk"]), did=str(row["did"] or ""), mode=str(row["mode"]),
                     destination=str(row["destination"]), music=str(row.get("music") or ""))


def list_all(admin: Admin) -> list[RouteView]:
    return [_view(r) for r in store.routes(admin.db)]


def _found(admin: Admin, trunk: str, did: str, mode: str) -> RouteView | None:
    return next((r for r in list_all(admin) if (r.trunk, r.did, r.mode) == (trunk, did, mode)), None)


def set_route(admin: Admin, trunk: str, did: str, mode: str, change: RouteChange) -> RouteView:
    store.set_route(admin.db, trunk, did, mode, change.destination, change.music)
    route = _found(admin, trunk, did, mode)
    assert route is not None
    admin.audit("route.set", trunk=trunk, did=did, mode=mode, destination=route.destination, music=route.music)
    return route


def remove(admin: Admin, trunk: str, did: str, mode: str) -> None:
    if not store.remove_route(admin.db, trunk, did, mode):
        raise NotFound(f"there is no inbound route on {trunk} for {did or 'any number'} in mode {mode}; "
                       "see `route list`")
    admin.audit("route.remove", trunk=trunk, did=did, mode=mode)
