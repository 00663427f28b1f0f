"""Password hashing (argon2id) and the sign-in throttle's rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from inbox.core import limits
from inbox.core.text import Text

_hasher = PasswordHasher()

MIN_LENGTH = 10
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both paths cost the same time.

    Made on first use, not at import: a command that signs nobody in pays nothing.
    """
    return _hasher.hash("not-a-real-password-0")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        matched = _hasher.verify(password_hash or _dummy_hash(), password)
        return matched and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> Text | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return Text("Lösenordet ska ha minst %(n)s tecken.", n=MIN_LENGTH)
    if len(password) > limits.PASSWORD.most:
        return limits.PASSWORD.problem(password)
    return None


def locked_until(failures: Sequence[datetime], now: datetime) -> datetime | None:
    """After MAX_FAILURES failures within LOCKOUT, sign-in waits until LOCKOUT after the last."""
    recent = sorted(t for t in failures if now - t < LOCKOUT)
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-1] + LOCKOUT
