"""API bearer tokens: created (shown once) and revoked."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from inbox.actions.audit import ActionError, record_event
from inbox.core.tokens import hash_token, new_token, shown_prefix
from inbox.store.models import (
    ApiToken,
)

SCOPES = ("read", "items", "reply")
DEFAULT_SCOPES = ("read", "items")


def create_api_token(
    session: Session,
    *,
    name: str,
    actor: str,
    now: datetime,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
) -> tuple[ApiToken, str]:
    """A new API token; the secret is returned here once and never stored.

    Scopes: ``read`` (GET), ``items`` (record items and responses), ``reply``
    (send replies and moderation to the platforms).
    """
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ActionError(f"unknown scope {', '.join(unknown) or '(none)'}: {', '.join(SCOPES)}")
    name = name.strip()
    if not name or len(name) > 64 or any(ch.isspace() for ch in name):
        raise ActionError(f"invalid token name {name!r}: 1-64 characters, no spaces")
    active = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if active is not None:
        raise ActionError(f"a token named {name!r} already exists; revoke it first")
    secret = new_token()
    token = ApiToken(
        name=name,
        prefix=shown_prefix(secret),
        token_hash=hash_token(secret),
        scopes=" ".join(s for s in SCOPES if s in scopes),
        created_at=now,
    )
    session.add(token)
    session.flush()
    record_event(
        session, actor=actor, kind="api_token_created", now=now, token=name, scopes=token.scopes
    )
    return token, secret


def revoke_api_token(session: Session, *, name: str, actor: str, now: datetime) -> ApiToken:
    token = session.exec(
        select(ApiToken).where(ApiToken.name == name, col(ApiToken.revoked_at).is_(None))
    ).first()
    if token is None:
        raise ActionError(f"no active token named {name!r}")
    token.revoked_at = now
    session.add(token)
    record_event(session, actor=actor, kind="api_token_revoked", now=now, token=name)
    return token
