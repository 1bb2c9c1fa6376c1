"""Asking the running edge to do things: Kamailio's RPC over its control socket (kamcmd)."""
from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path


class EdgeRpcError(RuntimeError):
    pass


async def rpc(run_dir: Path, *command: str, timeout: float = 5.0) -> str:
    binary = shutil.which("kamcmd") or "/usr/sbin/kamcmd"
    process = await asyncio.create_subprocess_exec(
        binary, "-s", f"unix:{run_dir / 'kamailio.ctl'}", *command,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise EdgeRpcError(f"edge did not answer {' '.join(command)} within {timeout:.0f} s") from None
    text = out.decode(errors="replace")
    if process.returncode != 0 or text.startswith("error:"):
        raise EdgeRpcError(f"edge refused {' '.join(command)}: {text.strip()}")
    return text


async def reload_trunks(run_dir: Path) -> None:
    """Make the edge read the trunk tables again (registrations, addresses, routes)."""
    await rpc(run_dir, "htable.reload", "trunks")
    await rpc(run_dir, "permissions.addressReload")
    await rpc(run_dir, "uac.reg_reload")


async def forget_failed_logins(run_dir: Path, address: str) -> None:
    """Lift the ban and the failure count of one source address (both tables are keyed by it).
    After a factory reset the box's own ports log in from it with the old passwords until the
    line gateway has restarted; that must not lock them out. Other addresses keep their bans."""
    # s: makes kamcmd pass the address as a string whatever it looks like.
    await rpc(run_dir, "htable.delete", "ipban", f"s:{address}")
    await rpc(run_dir, "htable.delete", "authfail", f"s:{address}")


def dialogs_with(listing: str, address: str) -> list[tuple[str, str]]:
    """(h_entry, h_id) of each dialog in a `dlg.list` answer that has a side whose contact is at
    `address` (host:port): the calls a worker at that address held, whichever side dialled."""
    at = re.compile(rf"\bcontact:\s*\S*@{re.escape(address)}(?![0-9])")
    found: list[tuple[str, str]] = []
    for block in re.split(r"\n(?=\{)", listing):
        entry, ident = re.search(r"\bh_entry:\s*(\d+)", block), re.search(r"\bh_id:\s*(\d+)", block)
        if entry and ident and at.search(block):
            found.append((entry.group(1), ident.group(1)))
    return found


async def end_dialogs_of(run_dir: Path, address: str) -> int:
    """End every call the edge tracks with a side at `address` (a call worker that died): the
    edge sends BYE to both sides, so the phone or trunk on the other side hangs up instead of
    hearing silence and sending RTP to ports a restarted worker uses again. How many ended."""
    ended = 0
    for entry, ident in dialogs_with(await rpc(run_dir, "dlg.list"), address):
        try:
            await rpc(run_dir, "dlg.end_dlg", entry, ident)
            ended += 1
        except EdgeRpcError:
            pass  # ended meanwhile (the other side hung up)
    return ended


# uac module registration flags (Kamailio 5.6 modules/uac/uac_reg.c)
_ONLINE = 1 << 2
_DISABLED = 1 << 0


async def trunk_registrations(run_dir: Path) -> dict[str, str]:
    """Trunk name -> 'registered' or 'not registered'."""
    text = await rpc(run_dir, "uac.reg_dump")
    states: dict[str, str] = {}
    for block in re.split(r"\n(?=\{)", text):
        uuid = re.search(r"l_uuid:\s*(\S+)", block)
        flags = re.search(r"\bflags:\s*(\d+)", block)
        if uuid and flags:
            value = int(flags.group(1))
            states[uuid.group(1)] = ("disabled" if value & _DISABLED else
                                     "registered" if value & _ONLINE else "not registered")
    return states


async def live_registrations(run_dir: Path) -> list[dict[str, str]]:
    """Registered contacts as the running edge holds them (sqlite lags a few seconds)."""
    text = await rpc(run_dir, "ul.dump")
    found: list[dict[str, str]] = []
    aor = ""
    contact: dict[str, str] | None = None
    for line in text.splitlines():
        key, _, value = line.strip().partition(": ")
        if key == "AoR":
            aor = value
        elif key == "Address":
            contact = {"extension": aor, "contact": value, "user_agent": "", "expires_in_s": ""}
            found.append(contact)
        elif contact is not None and key == "User-Agent":
            contact["user_agent"] = value
        elif contact is not None and key == "Expires":
            contact["expires_in_s"] = value
    return sorted(found, key=lambda r: (int(r["extension"]) if r["extension"].isdigit() else 0, r["contact"]))
