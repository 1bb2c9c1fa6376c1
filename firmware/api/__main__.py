"""`python -m firmware.api --data DIR --addr A --port P [--tls]`: the API process `minipbx run` starts."""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from firmware.api.app import create_app
from firmware.api.config import ApiConfig
from firmware.api.tls import ensure_certificate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m firmware.api")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--addr", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--admin-pin-dir", type=Path, default=None,
                        help="the appliance's admin PIN (default: DATA/../appliance)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS (a self-signed certificate if none)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    data_dir = args.data.resolve()
    cert, key = ensure_certificate(data_dir, args.addr) if args.tls else (None, None)
    pin_dir = (args.admin_pin_dir or data_dir.parent / "appliance").resolve()
    app = create_app(ApiConfig(data_dir=data_dir, admin_pin_dir=pin_dir))
    uvicorn.run(app, host=args.addr, port=args.port, log_level="info", server_header=False,
                ssl_certfile=str(cert) if cert else None, ssl_keyfile=str(key) if key else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
