"""Checking Meta's ``X-Hub-Signature-256`` header on a webhook delivery.

The check must run on the raw request bytes, before any parsing: Meta signs the
body exactly as sent (non-ASCII escaped as ``\\u00e5``), so a body decoded and
re-serialised no longer matches.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def expected_signature(raw_body: bytes, app_secret: str) -> str:
    """The header value Meta would send for ``raw_body`` (useful to sign test bodies)."""
    digest = hmac.new(app_secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(raw_body: bytes, header: str | None, app_secret: str) -> bool:
    """True when ``header`` is ``sha256=<hex>`` and matches HMAC-SHA256 of the body.

    A missing, empty or malformed header is simply False: the caller answers 401
    either way, and must not learn which part was wrong from an exception.
    """
    if not header or not app_secret:
        # An empty secret would make every attacker's signature computable.
        return False
    value = header.strip()
    if value[: len(_PREFIX)].lower() != _PREFIX:
        return False
    given = value[len(_PREFIX) :]
    if _HEX_DIGEST.fullmatch(given) is None:
        return False
    wanted = expected_signature(raw_body, app_secret)[len(_PREFIX) :]
    # Constant time, so response timing says nothing about how many bytes matched.
    return hmac.compare_digest(given.lower().encode("ascii"), wanted.encode("ascii"))
