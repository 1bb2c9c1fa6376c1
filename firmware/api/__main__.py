"""`python -m firmware.api --data DIR --addr A --port P [--tls] [--https-addr B --https-port Q]`: the API
process `minipbx run` starts; with --https-addr it also serves HTTPS there (the appliance's LAN address)."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

from firmware.api.app import create_app
from firmware.api.config import ApiConfig
from firmware.api.serving import Listener, serve
from firmware.api.tls import ensure_certificate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m firmware.api")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--addr", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--admin-pin-dir", type=Path, default=None,
                        help="the appliance's admin PIN (default: DATA/../appliance)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS (a self-signed certificate if none)")
    parser.add_argument("--https-addr", default=None, help="also serve HTTPS on this address")
    parser.add_argument("--https-port", type=int, default=443)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    data_dir = args.data.resolve()
    listeners = [Listener(args.addr, args.port, *(ensure_certificate(data_dir, args.addr) if args.tls else ()))]
    if args.https_addr is not None:
        listeners.append(Listener(args.https_addr, args.https_port, *ensure_certificate(data_dir, args.https_addr)))
    pin_dir = (args.admin_pin_dir or data_dir.parent / "appliance").resolve()
    serve(create_app(ApiConfig(data_dir=data_dir, admin_pin_dir=pin_dir)), listeners)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
