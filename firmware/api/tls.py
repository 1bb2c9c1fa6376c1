"""The HTTPS certificate: the owner's if they put one in place, else a self-signed one made at first start.

Files: DATA/tls/cert.pem and DATA/tls/key.pem. Replacing both (and restarting
minipbx) puts the owner's certificate in service; they are never overwritten.
"""
from __future__ import annotations

import ipaddress
import os
import subprocess
from pathlib import Path

CERT_NAME = "cert.pem"
KEY_NAME = "key.pem"


class CertificateError(RuntimeError):
    """No certificate could be made; the message says why and what to do."""


def certificate_paths(data_dir: Path) -> tuple[Path, Path]:
    folder = data_dir / "tls"
    return folder / CERT_NAME, folder / KEY_NAME


def ensure_certificate(data_dir: Path, address: str) -> tuple[Path, Path]:
    """The certificate and key to serve; made with openssl (EC P-256, 10 years) when missing."""
    cert, key = certificate_paths(data_dir)
    if cert.exists() and key.exists():
        return cert, key
    cert.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        ipaddress.ip_address(address)
        names = f"IP:{address},DNS:minipbx.local" if address not in ("0.0.0.0", "::") else "DNS:minipbx.local"
    except ValueError:
        names = f"DNS:{address}"
    tmp_key = key.with_name(".key.tmp")
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
               "-keyout", str(tmp_key), "-out", str(cert.with_name(".cert.tmp")), "-days", "3650",
               "-subj", "/CN=minipbx", "-addext", f"subjectAltName={names}"]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise CertificateError("openssl is not installed; install it or put a certificate in "
                               f"{cert} and {key}") from None
    except subprocess.CalledProcessError as exc:
        raise CertificateError(f"openssl could not make a certificate: {exc.stderr.decode(errors='replace')}") \
            from None
    os.chmod(tmp_key, 0o600)
    # Key first: a cert without its key is useless, a key without a cert is remade next time.
    os.replace(tmp_key, key)
    os.replace(cert.with_name(".cert.tmp"), cert)
    return cert, key
