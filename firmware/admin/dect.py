"""DECT handsets: opening the module's subscription window so a new handset pairs (and gets
the next free extension, or the one asked for), the list of handsets with where they are, and
removing one (deregistered from the module; its extension kept, or removed on request).
The module is the line gateway's hardware: these ask the running PBX, which asks the gateway;
a handset that pairs is an extension at once (no restart)."""
from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from firmware.admin.brain import control_socket
from firmware.admin.context import Admin
from firmware.admin.errors import NotFound
from firmware.apps.references import extension_uses
from firmware.brain.control import PairDect, RemoveDect, ask
from firmware.dect.pairing import DEFAULT_WINDOW_SECONDS, DectPairingError, check_extension, check_window
from firmware.gateway.accounts import free_extension_number
from firmware.store.extensions import remove_extension


class PairRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: int = Field(default=DEFAULT_WINDOW_SECONDS, description="how long new handsets may subscribe, 1-255")
    extension: str | None = Field(default=None, description="the extension the new handset gets (default: the "
                                                            "lowest free number of the extension ranges)")


class PairingView(BaseModel):
    seconds: int = Field(description="the subscription window is open for this long")
    extension: str = Field(description="the extension the next handset that subscribes gets")


class HandsetView(BaseModel):
    extension: str
    port: str = Field(description="the board's port, e.g. dect3")
    ipui: str = Field(description="the handset's DECT identity")
    base: str = Field(description="the DECT module")
    cell: int = Field(description="the radio cell (base station) serving it now")
    registered: bool = Field(description="its SIP account is registered (calls reach it)")
    in_range: bool
    last_seen: str = Field(description="when the module last heard from it (UTC)")


def pair(admin: Admin, request: PairRequest) -> PairingView:
    """Open the subscription window; ControlError when the PBX is not running or the module refused."""
    seconds, extension = checked(admin, request)
    ask(control_socket(admin.data_dir), PairDect(seconds=str(seconds), extension=extension, by=admin.actor.who))
    return opened(admin, seconds, extension)


def checked(admin: Admin, request: PairRequest) -> tuple[int, str]:
    """(seconds, extension or '' for the next free one), or DectPairingError. Keypad programming,
    inside the brain, checks here and opens the window itself (no control socket to itself)."""
    seconds = check_window(request.seconds)
    return seconds, check_extension(admin.db, request.extension) if request.extension else ""


def opened(admin: Admin, seconds: int, extension: str) -> PairingView:
    """The window is open: audited, and which extension the next handset gets."""
    admin.audit("dect.pair", seconds=seconds, extension=extension or "next free")
    return PairingView(seconds=seconds, extension=extension or free_extension_number(admin.db))


def handsets(admin: Admin) -> list[HandsetView]:
    """Every subscribed handset as the running line gateway sees it; ControlError when the PBX is not running."""
    gateway: dict[str, Any] = ask(control_socket(admin.data_dir), "status").get("gateway") or {}  # type: ignore[assignment]
    ports = {str(p["device"]): p for p in gateway.get("ports", [])}
    return [HandsetView(extension=str(ports.get(h["port"], {}).get("extension", "")), port=h["port"], ipui=h["ipui"],
                        base=h["base"], cell=h["cell"], registered=bool(ports.get(h["port"], {}).get("registered")),
                        in_range=h["in_range"],
                        last_seen=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(h["last_seen"]))))
            for h in gateway.get("dect", [])]


class RemoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remove_extension: bool = Field(default=False, description="also remove the handset's extension (its mailbox, "
                                                              "forwarding, group places); refused while routes, menus "
                                                              "or queues still send calls to it")


class RemovedView(BaseModel):
    port: str = Field(description="the board port the handset had, e.g. dect3")
    extension: str
    extension_removed: bool = Field(description="false: the extension stays, without a device")


def remove(admin: Admin, handset: str, request: RemoveRequest) -> RemovedView:
    """Deregister a handset (named by its port or its extension) from the DECT module: it can no
    longer call or be rung. Its extension stays unless `remove_extension`; NotFound for an
    unknown handset, DectPairingError when the extension is still used, ControlError when the PBX
    is not running or the module refused."""
    listed = handsets(admin)
    found = next((h for h in listed if handset in (h.port, h.extension)), None)
    if found is None:
        known = ", ".join(f"{h.port} (extension {h.extension})" for h in listed) or "none"
        raise NotFound(f"no DECT handset {handset!r} is subscribed; give a port or an extension "
                       f"(subscribed: {known})")
    if request.remove_extension and found.extension:
        uses = extension_uses(admin.db, found.extension)
        if uses:
            raise DectPairingError(f"handset {found.port} not removed: ext:{found.extension} is still used by "
                                   f"{', '.join(uses[:5])}; change those first, or keep the extension")
    ask(control_socket(admin.data_dir), RemoveDect(port=found.port, by=admin.actor.who), timeout=10.0)
    removed = request.remove_extension and bool(found.extension)
    if removed:
        remove_extension(admin.db, found.extension)
    admin.audit("dect.remove", port=found.port, extension=found.extension, extension_removed=removed)
    return RemovedView(port=found.port, extension=found.extension, extension_removed=removed)


def wait_for_new(admin: Admin, known: set[str], seconds: float) -> HandsetView | None:
    """The first handset not in `known` (ports) that pairs within `seconds` and has its extension, else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        new = [h for h in handsets(admin) if h.port not in known and h.extension]
        if new:
            return new[0]
        time.sleep(0.5)
    return None
