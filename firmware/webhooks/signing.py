"""How a delivery is signed, and how a receiver checks it (documented in docs/http-api.md).

X-Minipbx-Timestamp: seconds since the epoch; X-Minipbx-Signature: "sha256=" + hex
HMAC-SHA256 over "TIMESTAMP.BODY" with the subscription's secret. The timestamp in
the signed text lets a receiver refuse replays of old deliveries.
"""
from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), header)
