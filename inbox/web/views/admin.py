"""Administration of users."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit
from inbox.actions import users as users_actions
from inbox.core import limits
from inbox.core.access import ROLE_LABELS
from inbox.core.text import Text
from inbox.store import people
from inbox.store.db import session_scope
from inbox.web.auth import Ctx, TooLong, field
from inbox.web.errors import Refused
from inbox.web.templating import flash, render


def _typed(ctx: Ctx) -> dict[str, Any]:
    """What the add-user form held (the password never comes back)."""

    def text(name: str) -> str:
        value = ctx.form.get(name, "")
        return value if isinstance(value, str) else ""

    return {
        "email": text("email"),
        "name": text("name"),
        "role": text("role"),
        "duty": text("duty") == "1",
        "departments": [d for d in ctx.form.getlist("departments") if isinstance(d, str)],
    }


def _page(
    request: Request,
    ctx: Ctx,
    *,
    error: Text | str = "",
    status: int = 200,
    typed: dict[str, Any] | None = None,
) -> Response:
    with Session(ctx.rt.engine) as session:
        users = people.users_by_email(session)
    return render(
        request,
        "admin_users.html",
        {
            "users": users,
            "roles": ROLE_LABELS,
            "error": error,
            "typed": typed
            or {"email": "", "name": "", "role": "", "duty": False, "departments": []},
        },
        status_code=status,
    )


async def users(request: Request, ctx: Ctx) -> Response:
    return _page(request, ctx)


async def add_user(request: Request, ctx: Ctx) -> Response:
    departments = [d for d in ctx.form.getlist("departments") if isinstance(d, str)]
    unknown = sorted(set(departments) - set(ctx.catalog.departments))
    if unknown and ctx.catalog.departments:
        return _page(
            request,
            ctx,
            error=Text("Okänd förvaltning: %(keys)s.", keys=", ".join(unknown)),
            status=422,
            typed=_typed(ctx),
        )
    try:
        with session_scope(ctx.rt.engine) as session:
            user = users_actions.add_user(
                session,
                email=field(ctx.form, "email", limit=limits.EMAIL),
                name=field(ctx.form, "name", limit=limits.NAME),
                password=field(ctx.form, "password", limit=limits.PASSWORD),
                role=field(ctx.form, "role", limit=16),
                departments=departments,
                duty=field(ctx.form, "duty", limit=4) == "1",
                actor=ctx.user.email,
                now=ctx.now,
            )
            flash(request, Text("Användaren %(email)s är tillagd.", email=user.email))
    except (audit.ActionError, TooLong) as exc:
        return _page(request, ctx, error=exc.text, status=422, typed=_typed(ctx))
    return RedirectResponse("/admin/users", status_code=303)


async def set_active(request: Request, ctx: Ctx) -> Response:
    user_id = request.path_params["user_id"]
    value = field(ctx.form, "active", limit=4)
    if value not in ("0", "1"):
        raise Refused(400, Text("Välj aktiv (1) eller avaktiverad (0)."))
    try:
        with session_scope(ctx.rt.engine) as session:
            user = users_actions.set_user_active(
                session, user_id=user_id, active=value == "1", actor=ctx.user.email, now=ctx.now
            )
            flash(
                request,
                Text("%(email)s är aktiv.", email=user.email)
                if user.active
                else Text("%(email)s är avaktiverad.", email=user.email),
            )
    except audit.ActionError as exc:
        return _page(request, ctx, error=exc.text, status=422)
    return RedirectResponse("/admin/users", status_code=303)
