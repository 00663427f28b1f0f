"""Signed, single-purpose tokens for links in notifications."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = ["ACK_MAX_AGE_SECONDS", "TokenError", "ack_token", "read_ack_token"]

# A link to acknowledge an escalation is good for a week.
ACK_MAX_AGE_SECONDS = 7 * 24 * 3600
# The salt makes the token useless for anything but acknowledging.
_ACK_SALT = "inbox.core.escalation.acknowledge"


class TokenError(ValueError):
    """The link is broken, forged or too old."""


def ack_token(secret: str, escalation_id: int) -> str:
    return URLSafeTimedSerializer(secret, salt=_ACK_SALT).dumps({"e": escalation_id})


def read_ack_token(secret: str, token: str, *, max_age: int = ACK_MAX_AGE_SECONDS) -> int:
    try:
        data = URLSafeTimedSerializer(secret, salt=_ACK_SALT).loads(token, max_age=max_age)
    except BadSignature:
        raise TokenError("länken är ogiltig eller för gammal") from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        raise TokenError("länken är ogiltig")
    return int(data["e"])
