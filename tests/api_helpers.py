"""Shared set-up for the API tests: a page, a token, a client."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from inbox.actions import api_tokens
from inbox.store.db import session_scope
from tests.factories import NOW


def make_token(
    engine: Engine, name: str = "forms", scopes: tuple[str, ...] = api_tokens.DEFAULT_SCOPES
) -> str:
    with session_scope(engine) as session:
        _token, secret = api_tokens.create_api_token(
            session, name=name, actor="test", now=NOW, scopes=scopes
        )
    return secret
