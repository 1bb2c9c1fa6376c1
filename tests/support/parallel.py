"""Running the suite in parallel (pytest-xdist, `make test` uses two processes): each
process gets its own slice of what tests share on this machine, so parallel tests never
meet. Phones of process N bind 127.N.0.x; PBXs of process N take RTP ports from their
own 5000-port band. Sequential runs are process 0 and keep 127.0.0.x."""
from __future__ import annotations

import os
import random

# Processes that get a band of their own; more share bands and rely on the ports' bind checks.
BANDS = 4
RTP_FIRST = 30000
RTP_BAND = 5000


def slot() -> int:
    """This pytest process's number (PYTEST_XDIST_WORKER is gw0, gw1, ...), 0 when not parallel."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") and name[2:].isdigit() else 0


def phone_network() -> str:
    """The first three parts of this process's phones' loopback addresses."""
    return f"127.{slot() % 250}.0"


def rtp_base(step: int = 1000) -> int:
    """A first RTP port for a PBX or a worker of this process (its band, a random step inside)."""
    band = RTP_FIRST + (slot() % BANDS) * RTP_BAND
    return band + random.randrange(0, RTP_BAND - step + 1, step)
