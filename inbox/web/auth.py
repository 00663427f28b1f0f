"""Who is asking: the session's user, and the guard every route goes through.

Every route is declared with ``guarded(handler, roles=...)`` (or ``public``):
the guard loads the signed-in user, refuses anonymous visitors (a redirect to
the sign-in page for a browser, 401 otherwise), checks the role, and checks
the CSRF token of every unsafe request before the handler runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.access import CurrentUser
from inbox.models import User
from inbox.runtime import Runtime
from inbox.text import Text
from inbox.timeutil import utcnow
from inbox.web import csrf
from inbox.web.catalog import Catalog
from inbox.web.errors import Refused, wants_html
from inbox.web.i18n import DEFAULT_LANGUAGE, LANGUAGES

ALL_ROLES = frozenset({"communicator", "supervisor", "admin"})
SUPERVISORS = frozenset({"supervisor", "admin"})
ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Ctx:
    user: CurrentUser
    rt: Runtime
    form: FormData
    now: datetime
    catalog: Catalog


Handler = Callable[[Request, Ctx], Awaitable[Response]]
PublicHandler = Callable[[Request, Runtime, FormData], Awaitable[Response]]


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def snapshot(user: User) -> CurrentUser:
    return CurrentUser(
        id=user.id or 0,
        email=user.email,
        name=user.name,
        role=user.role,
        departments=tuple(user.departments or ()),
        duty=user.duty,
        language=user.language,
    )


def load_user(request: Request, rt: Runtime) -> CurrentUser | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    with Session(rt.engine) as session:
        user = session.get(User, uid)
        if user is None or not user.active:
            request.session.pop("uid", None)
            return None
        return snapshot(user)


def _language(request: Request, user: CurrentUser | None) -> str:
    chosen = request.session.get("lang")
    if isinstance(chosen, str) and chosen in LANGUAGES:
        return chosen
    if user is not None and user.language in LANGUAGES:
        return user.language or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _prepare(request: Request, user: CurrentUser | None) -> None:
    request.state.user = user
    request.state.lang = _language(request, user)
    csrf.token_of(request)


def guarded(
    handler: Handler, *, roles: frozenset[str] = ALL_ROLES
) -> Callable[..., Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        rt = runtime_of(request)
        user = load_user(request, rt)
        _prepare(request, user)
        if user is None:
            if wants_html(request) and request.method == "GET":
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            raise HTTPException(401, "Logga in först.")
        if user.role not in roles:
            raise HTTPException(403, "Din roll får inte använda den här sidan.")
        form = FormData()
        if request.method not in csrf.SAFE_METHODS:
            form = await request.form(max_files=0, max_fields=100)
            csrf.check(request, form)
        ctx = Ctx(user=user, rt=rt, form=form, now=utcnow(), catalog=request.app.state.catalog)
        return await handler(request, ctx)

    endpoint.__name__ = handler.__name__
    return endpoint


def public(handler: PublicHandler) -> Callable[..., Awaitable[Response]]:
    """For the sign-in pages: no user needed, the CSRF check still applies."""

    async def endpoint(request: Request) -> Response:
        rt = runtime_of(request)
        _prepare(request, load_user(request, rt))
        form = FormData()
        if request.method not in csrf.SAFE_METHODS:
            form = await request.form(max_files=0, max_fields=20)
            csrf.check(request, form)
        return await handler(request, rt, form)

    endpoint.__name__ = handler.__name__
    return endpoint


def field(form: FormData, name: str, *, limit: int = 8000) -> str:
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, Text("Fältet %(name)s ska vara text.", name=name))
    if len(value) > limit:
        raise Refused(
            400, Text("Fältet %(name)s är för långt (högst %(n)s tecken).", name=name, n=limit)
        )
    return value
