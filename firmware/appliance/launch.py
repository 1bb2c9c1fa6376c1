"""Start the PBX on the box's own LAN address (ExecStart of minipbx.service).

Phones must be given one address for SIP and audio, and DHCP decides it, so it is
looked up at every start rather than written into the image: the IPv4 source
address of the default route, or failing that any global address, or the
link-local one (a laptop on a direct cable). The launcher then replaces itself
with `minipbx ... run --sip-addr ADDR --https-addr ADDR --https-port PORT` (exec,
same PID), so systemd's watchdog and sd_notify see the PBX itself as the main
process. The HTTP API (and the web admin) thus answers over HTTPS on the LAN
address, and over plain HTTP only on loopback (`run`'s --http-addr default).

The HTTPS port is 443 where the unprivileged minipbx user may open it (the image's
sysctl.d/minipbx.conf lowers net.ipv4.ip_unprivileged_port_start to 443), else
8443: a port the PBX cannot open would stop it from starting at all.
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
HTTPS_PORT = 443
FALLBACK_HTTPS_PORT = 8443
_UNPRIVILEGED_START = "/proc/sys/net/ipv4/ip_unprivileged_port_start"


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


def unprivileged_port_start() -> int:
    """The lowest port an ordinary user may open (1024 when the kernel does not say)."""
    try:
        with open(_UNPRIVILEGED_START) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return 1024


def https_port(unprivileged_start: int, is_root: bool) -> int:
    return HTTPS_PORT if is_root or unprivileged_start <= HTTPS_PORT else FALLBACK_HTTPS_PORT


def minipbx_argv(minipbx: str, passed: list[str], address: str, port: int) -> list[str]:
    """The `minipbx` command line: what the unit passed, then the LAN address for SIP and, unless
    the unit chose otherwise (--https-addr, --no-http), for the API's HTTPS on `port` (or the
    unit's --https-port)."""
    argv = [minipbx, *passed, "--sip-addr", address]
    if "--https-addr" in passed or "--no-http" in passed:
        return argv
    return [*argv, "--https-addr", address, *([] if "--https-port" in passed else ["--https-port", str(port)])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="minipbx-launch", description="Run minipbx with --sip-addr set to this box's LAN address.",
        epilog="Arguments after -- are passed to minipbx; --sip-addr, --https-addr and --https-port are appended.")
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
    command = minipbx_argv(ns.minipbx, passed, address, https_port(unprivileged_port_start(), os.geteuid() == 0))
    web = f", the web admin and API on https://{address}:{command[command.index('--https-port') + 1]}/" \
        if "--https-addr" in command and "--https-addr" not in passed else ""
    print(f"minipbx-launch: SIP on {address}{web}", file=sys.stderr, flush=True)
    os.execv(ns.minipbx, command)


if __name__ == "__main__":
    sys.exit(main())
