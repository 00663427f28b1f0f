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
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.core import limits
from inbox.core.access import CurrentUser
from inbox.core.limits import Limit
from inbox.core.text import Text
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store import people
from inbox.store.models import User
from inbox.web import csrf
from inbox.web.catalog import Catalog
from inbox.web.errors import Refused, wants_html
from inbox.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language

# A session lasts this long from sign-in, however often it is used.
SESSION_LIFETIME_SECONDS = 12 * 60 * 60

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


def signed_in(request: Request, user: User, now: datetime) -> None:
    """The session is the user's from ``now``, for ``SESSION_LIFETIME`` at most."""
    request.session["uid"] = user.id
    request.session["epoch"] = user.session_epoch
    request.session["since"] = int(now.timestamp())


def _signed_out(request: Request) -> None:
    for key in ("uid", "epoch", "since"):
        request.session.pop(key, None)


def load_user(request: Request, rt: Runtime) -> CurrentUser | None:
    """The session's user, or None: signed out, expired, ended or deactivated."""
    uid = request.session.get("uid")
    epoch = request.session.get("epoch")
    since = request.session.get("since")
    if not isinstance(uid, int):
        return None
    # An absolute limit from sign-in: using the session does not lengthen it.
    if not isinstance(since, int) or utcnow().timestamp() - since >= SESSION_LIFETIME_SECONDS:
        _signed_out(request)
        return None
    with Session(rt.engine) as session:
        user = people.user_by_id(session, uid)
        if user is None or not user.active or epoch != user.session_epoch:
            _signed_out(request)
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
    set_language(request.state.lang)
    csrf.token_of(request)


def guarded(
    handler: Handler, *, roles: frozenset[str] = ALL_ROLES
) -> Callable[..., Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        rt = runtime_of(request)
        # The database is blocking: in the thread pool, off the event loop.
        user = await run_in_threadpool(load_user, request, rt)
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
        _prepare(request, await run_in_threadpool(load_user, request, rt))
        form = FormData()
        if request.method not in csrf.SAFE_METHODS:
            form = await request.form(max_files=0, max_fields=20)
            csrf.check(request, form)
        return await handler(request, rt, form)

    endpoint.__name__ = handler.__name__
    return endpoint


class TooLong(Refused):
    """A field longer than its limit (``inbox.core.limits``): 422 with the field's own
    message. A view with a form catches it and shows the form again, text kept."""

    def __init__(self, text: Text, name: str) -> None:
        super().__init__(422, text)
        self.name = name


_ANY_FIELD = Text("Fältet är för långt: %(count)s tecken, högst %(n)s.")


def field(form: FormData, name: str, *, limit: Limit | int = limits.REPLY) -> str:
    """The text field ``name`` (empty when absent); ``TooLong`` over the limit."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise Refused(400, Text("Fältet %(name)s ska vara text.", name=name))
    checked = limit if isinstance(limit, Limit) else Limit(limit, _ANY_FIELD)
    problem = checked.problem(value)
    if problem is not None:
        raise TooLong(problem, name)
    return value
