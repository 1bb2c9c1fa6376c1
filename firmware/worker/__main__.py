"""`python -m firmware.worker`: a call worker process, started by the brain."""
from __future__ import annotations

import argparse
import errno
import logging
import sys

import pjsua2 as pj

from firmware.worker.endpoint import EndpointSettings
from firmware.worker.protocol import PORT_TAKEN_EXIT
from firmware.worker.service import run_worker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="minipbx-worker", description=__doc__)
    parser.add_argument("--number", type=int, required=True, help="worker number (names its legs)")
    parser.add_argument("--brain-fd", type=int, required=True, help="inherited socket to the brain")
    parser.add_argument("--sip-host", default="127.0.0.1")
    parser.add_argument("--sip-port", type=int, required=True)
    parser.add_argument("--media-addr", required=True, help="address phones send RTP to")
    parser.add_argument("--rtp-base", type=int, required=True)
    parser.add_argument("--rtp-range", type=int, default=200)
    parser.add_argument("--log-level", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = EndpointSettings(
        sip_host=args.sip_host, sip_port=args.sip_port, media_addr=args.media_addr,
        rtp_base=args.rtp_base, rtp_range=args.rtp_range, log_level=args.log_level,
    )
    try:
        return run_worker(args.number, args.brain_fd, settings)
    except pj.Error as exc:
        # pjlib's code for a system errno is 120000 + errno. The brain picked a free port,
        # but another program bound it before we did: the brain retries on another one.
        if exc.status == 120000 + errno.EADDRINUSE:
            logging.getLogger("minipbx.worker").error("SIP port %d was taken before this worker bound it",
                                                      args.sip_port)
            return PORT_TAKEN_EXIT
        raise


if __name__ == "__main__":
    sys.exit(main())
