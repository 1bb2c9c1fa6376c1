"""Start the PBX on the box's own LAN address (ExecStart of minipbx.service).

Phones must be given one address for SIP and audio, and DHCP decides it, so it is
looked up at every start rather than written into the image: the IPv4 source
address of the default route, or failing that any global address, or the
link-local one (a laptop on a direct cable). The launcher then replaces itself
with `minipbx ... run --sip-addr ADDR` (exec, same PID), so systemd's watchdog and
sd_notify see the PBX itself as the main process.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import socket
import subprocess
import sys
import time

MINIPBX = "/opt/minipbx/bin/minipbx"
# TEST-NET-1 (RFC 5737): connecting a UDP socket only asks the kernel which source
# address it would use; no packet is sent.
_ROUTE_PROBE = ("192.0.2.1", 9)


def route_source_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(_ROUTE_PROBE)
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("0.") else address


def interface_addresses() -> list[str]:
    """IPv4 addresses on the box's interfaces, loopback excluded, from `ip -o -4 addr`."""
    try:
        out = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True, timeout=5,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    found = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == "inet":
            address = fields[3].split("/")[0]
            if not ipaddress.ip_address(address).is_loopback:
                found.append(address)
    return found


def choose_address(route_source: str | None, addresses: list[str]) -> str | None:
    """The default route's source address, else a global one, else a link-local one."""
    if route_source:
        return route_source
    global_ = [a for a in addresses if not ipaddress.ip_address(a).is_link_local]
    if global_:
        return global_[0]
    return addresses[0] if addresses else None


def wait_for_address(timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    while True:
        address = choose_address(route_source_address(), interface_addresses())
        if address or time.monotonic() >= deadline:
            return address
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="minipbx-launch", description="Run minipbx with --sip-addr set to this box's LAN address.",
        epilog="Arguments after -- are passed to minipbx; --sip-addr is appended.")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for an address (default 60)")
    parser.add_argument("--minipbx", default=MINIPBX, help=argparse.SUPPRESS)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    ns = parser.parse_args(argv)
    passed = ns.args[1:] if ns.args[:1] == ["--"] else ns.args
    address = wait_for_address(ns.wait)
    if address is None:
        print(f"minipbx-launch: no network address after {ns.wait:.0f} s; is the cable in and is there a DHCP "
              "server? (a direct cable to a laptop gets a 169.254.x.x address within a minute)", file=sys.stderr)
        return 1
    print(f"minipbx-launch: SIP on {address}", file=sys.stderr, flush=True)
    os.execv(ns.minipbx, [ns.minipbx, *passed, "--sip-addr", address])


if __name__ == "__main__":
    sys.exit(main())
