"""Page access tokens at rest: sealed with Fernet under ``INBOX_TOKEN_KEY``.

A token is sealed when a page is connected and opened only to send; it is never
printed, logged or shown again. Fernet (AES-128-CBC with HMAC-SHA256, from
``cryptography``) also authenticates: a tampered or foreign cipher text does not
open.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class TokenKeyError(ValueError):
    """The key is not a Fernet key, or the cipher text was sealed under another key."""


def development_key(secret_key: str) -> str:
    """A key derived from the development secret: only for ``environment=development``."""
    digest = hashlib.sha256(b"inbox development token key\x00" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def check_key(key: str) -> str:
    """The key as given, or ``TokenKeyError`` naming what is wrong (never the key)."""
    try:
        Fernet(key.encode())
    except (ValueError, TypeError):
        raise TokenKeyError(
            "INBOX_TOKEN_KEY is not a Fernet key (32 url-safe base64-encoded bytes, "
            "as Fernet.generate_key() prints it)"
        ) from None
    return key


class TokenBox:
    def __init__(self, key: str) -> None:
        self._fernet = Fernet(check_key(key).encode())

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise TokenKeyError(
                "the stored token does not open with INBOX_TOKEN_KEY (was the key changed?)"
            ) from None

    def __repr__(self) -> str:
        return "TokenBox(<key hidden>)"
