"""Per-session CSRF tokens, checked on every unsafe request.

Forms carry the token in a hidden ``csrf_token`` field; htmx requests send it
in the ``X-CSRF-Token`` header (set once in ``base.html``).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token_of(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check(request: Request, form: FormData) -> None:
    expected = request.session.get("csrf")
    sent = form.get(FIELD) or request.headers.get(HEADER) or ""
    if (
        not isinstance(expected, str)
        or not isinstance(sent, str)
        or not hmac.compare_digest(expected.encode(), sent.encode())
    ):
        raise HTTPException(403, "CSRF-kontrollen misslyckades. Ladda om sidan och försök igen.")
