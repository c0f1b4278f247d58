"""Checking that a webhook delivery comes from the server, for a receiver written in Python.

Each delivery is ``POST <url>`` with the headers ``Agentic-Timestamp: <unix seconds>`` and
``Agentic-Signature: sha256=<hex>``: HMAC-SHA256, keyed with the webhook's secret (its UTF-8 bytes),
over the timestamp's digits, a ``.``, and the body's exact bytes::

    from agentic_client import verify_webhook

    if not verify_webhook(secret, request.headers["Agentic-Timestamp"], raw_body, request.headers["Agentic-Signature"]):
        return 401

Verify the raw bytes as they arrived: JSON decoded and encoded again is not the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Optional, Union

TIMESTAMP_HEADER = "Agentic-Timestamp"
SIGNATURE_HEADER = "Agentic-Signature"


def sign_webhook(secret: str, timestamp: Union[int, str], body: bytes) -> str:
    """The ``Agentic-Signature`` the server sends with ``body`` at ``timestamp``: ``sha256=<hex>``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_webhook(
    secret: str,
    timestamp: Union[int, str, None],
    body: bytes,
    signature: Optional[str],
    *,
    tolerance: float = 300.0,
    now: Optional[float] = None,
) -> bool:
    """Whether ``signature`` is the server's for ``body`` at ``timestamp`` (compared in constant time),
    and ``timestamp`` is within ``tolerance`` seconds of ``now`` (default: this machine's clock), so a
    delivery recorded and sent again later is refused. A missing or malformed header is False."""
    if timestamp is None or signature is None:
        return False
    text = str(timestamp).strip()
    if not (text.isascii() and text.isdigit()):
        return False
    current = time.time() if now is None else now
    if abs(current - int(text)) > tolerance:
        return False
    return hmac.compare_digest(sign_webhook(secret, text, body).encode("ascii"), signature.strip().encode("utf-8"))


__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "sign_webhook", "verify_webhook"]
