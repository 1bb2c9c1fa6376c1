"""Checking that the SIP port is free before the edge tries to take it."""
from __future__ import annotations

import errno
import socket


class PortInUseError(RuntimeError):
    pass


def check_sip_port_free(addr: str, port: int) -> None:
    """Raise PortInUseError naming the address if UDP or TCP addr:port is taken."""
    for kind, label in ((socket.SOCK_DGRAM, "UDP"), (socket.SOCK_STREAM, "TCP")):
        sock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((addr, port))
        except PermissionError:
            raise PortInUseError(
                f"SIP port {addr}:{port} ({label}) needs privileges; use a port above 1023 "
                "or run as the service user"
            ) from None
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                raise PortInUseError(
                    f"SIP address {addr} is not an address of this machine; use one it has "
                    "(see `ip -brief address`) or 127.0.0.1"
                ) from None
            raise PortInUseError(
                f"SIP port {addr}:{port} ({label}) is already in use ({exc.strerror}); stop the program "
                "using it (another minipbx, or Debian's kamailio service) or choose another with --sip-port"
            ) from None
        finally:
            sock.close()


def free_udp_port(addr: str = "127.0.0.1") -> int:
    """A UDP port nobody listens on right now (for a worker's SIP socket)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((addr, 0))
        return int(sock.getsockname()[1])
