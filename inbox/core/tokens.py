"""API bearer tokens: made at random, shown once, stored only as a hash.

A token carries 256 random bits, so a plain SHA-256 is enough to store it:
there is nothing to guess that a slow hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "inbx_"  # noqa: S105 - a label, not a secret
# Enough of the token to tell tokens apart in a list, far too little to use.
SHOWN_CHARS = 12


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_CHARS]


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or " " in value:
        return None
    return value
