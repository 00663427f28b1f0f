"""Sign in, sign out, choose the language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, sign_in
from inbox.actions import users as users_actions
from inbox.core import limits
from inbox.core.access import ROLE_LABELS
from inbox.core.passwords import LOCKOUT, locked_until, verify_password
from inbox.core.text import Text
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store import people
from inbox.store.db import session_scope
from inbox.store.models import User
from inbox.web import csrf
from inbox.web.auth import Ctx, TooLong, field, signed_in
from inbox.web.errors import Refused
from inbox.web.i18n import LANGUAGES
from inbox.web.i18n import gettext_ as _
from inbox.web.templating import render

DEMO_FLAG = "demo_password"
DEMO_USERS_FLAG = "demo_users"


def safe_next(target: str) -> str:
    """Only a path on this site: never another host (open redirect)."""
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.netloc or "\\" in target:
        return "/"
    return target


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: str
    departments: tuple[str, ...]
    duty: bool


def _demo(rt: Runtime) -> tuple[str, list[DemoUser]] | None:
    """The demo's password and its users with their roles, while the database holds
    the demo's data; never outside development (a production installation)."""
    if rt.settings.environment != "development":
        return None
    with Session(rt.engine) as session:
        password = people.flag_value(session, DEMO_FLAG)
        if not password:
            return None
        emails = (people.flag_value(session, DEMO_USERS_FLAG) or "").split()
        found = [people.user_by_email(session, email) for email in emails]
    return password, [
        DemoUser(u.email, u.name, u.role, tuple(u.departments or ()), u.duty)
        for u in found
        if u is not None and u.active
    ]


def _page(
    request: Request, rt: Runtime, *, error: Text | str = "", email: str = "", status: int = 200
) -> Response:
    return render(
        request,
        "login.html",
        {
            "error": error,
            "email": email,
            "next": safe_next(request.query_params.get("next", "/")),
            "demo": _demo(rt),
            "roles": ROLE_LABELS,
        },
        status_code=status,
    )


def _check(
    rt: Runtime, email: str, password: str, key: str, now: datetime
) -> User | datetime | None:
    """The user; or when the lockout ends; or None for a wrong email or password."""
    with session_scope(rt.engine) as session:
        failures = people.login_failures_since(session, key=key, since=now - LOCKOUT)
        until = locked_until(failures, now)
        if until is not None:
            return until
        user = people.user_by_email(session, email)
        ok = verify_password(user.password_hash if user else None, password)
        if not ok or user is None or not user.active:
            sign_in.record_login_failure(session, email=email, key=key, now=now)
            return None
        sign_in.clear_login_failures(session, key=key)
        audit.record_event(session, actor=user.email, kind="login", now=now)
        session.expunge(user)
        return user


async def login_form(request: Request, rt: Runtime, _form: FormData) -> Response:
    return _page(request, rt)


async def login(request: Request, rt: Runtime, form: FormData) -> Response:
    try:
        email = field(form, "email", limit=limits.EMAIL).strip().lower()
        password = field(form, "password", limit=limits.PASSWORD)
    except TooLong as exc:
        typed = form.get("email", "")
        kept = typed.strip() if isinstance(typed, str) else ""
        return _page(request, rt, email=kept, error=exc.text, status=422)
    target = safe_next(field(form, "next", limit=2000) or "/")
    wait = request.app.state.signin_rate.take()
    if wait is not None:
        busy = _page(
            request,
            rt,
            email=email,
            status=429,
            error=_("För många inloggningar just nu. Försök igen om %(seconds)s sekunder.")
            % {"seconds": wait},
        )
        busy.headers["Retry-After"] = str(wait)
        return busy
    # The address as the trusted proxies tell it (inbox.web.proxies), else the peer's.
    client = request.client.host if request.client else "-"
    # The database and the password hasher block: in the thread pool, off the event loop.
    now = utcnow()
    outcome = await run_in_threadpool(_check, rt, email, password, f"{email}|{client}", now)
    if isinstance(outcome, datetime):
        until = outcome
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        locked = _page(
            request,
            rt,
            email=email,
            status=429,
            error=_("För många misslyckade försök. Försök igen om %(minutes)s min.")
            % {"minutes": minutes},
        )
        locked.headers["Retry-After"] = str(max(1, int((until - now).total_seconds())))
        return locked
    if outcome is None:
        return _page(
            request,
            rt,
            email=email,
            status=400,
            error=_("Fel e-postadress eller lösenord."),
        )
    user = outcome
    # A new session on sign-in: nothing planted before it survives (session fixation).
    lang = request.session.get("lang")
    request.session.clear()
    signed_in(request, user, now)
    if lang:
        request.session["lang"] = lang
    csrf.token_of(request)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request, ctx: Ctx) -> Response:
    # Ends every session of the user, also any copy of this cookie.
    def end() -> None:
        with session_scope(ctx.rt.engine) as session:
            users_actions.sign_out(session, user_id=ctx.user.id, now=ctx.now)

    await run_in_threadpool(end)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def set_language(request: Request, rt: Runtime, form: FormData) -> Response:
    lang = field(form, "lang", limit=8)
    if lang not in LANGUAGES:
        raise Refused(400, Text("Språket %(value)s finns inte. Välj sv eller en.", value=lang))
    request.session["lang"] = lang
    uid = request.session.get("uid")
    if isinstance(uid, int):
        with session_scope(rt.engine) as session:
            user = people.user_by_id(session, uid)
            if user is not None:
                users_actions.set_user_language(session, user=user, language=lang, now=utcnow())
    return RedirectResponse(safe_next(field(form, "next", limit=2000) or "/"), status_code=303)
