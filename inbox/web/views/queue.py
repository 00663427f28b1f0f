"""The queue (start page) and its self-refreshing table body."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, escalations
from inbox.core.queue_filters import MINE_DEPARTMENTS, PAGE_SIZE, FilterError, parse_filters
from inbox.store.db import session_scope
from inbox.store.queries import open_escalations, queue_counts, queue_items
from inbox.web.auth import Ctx
from inbox.web.errors import Refused
from inbox.web.templating import flash, render


def _filters(request: Request, ctx: Ctx):  # type: ignore[no-untyped-def]
    default = "" if ctx.user.sees_all or not ctx.user.departments else MINE_DEPARTMENTS
    try:
        return parse_filters(request.query_params, default_department=default)
    except FilterError as exc:
        raise Refused(400, exc.text) from None


async def queue(request: Request, ctx: Ctx) -> Response:
    filters = _filters(request, ctx)
    with ctx.rt.engine.connect() as conn:
        rows = queue_items(conn, filters=filters, user=ctx.user, now=ctx.now)
        counts = queue_counts(conn, user=ctx.user, now=ctx.now, filters=filters)
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "counts": counts,
            "filters": filters,
            "now": ctx.now,
            "page_size": PAGE_SIZE,
            "mine_departments": MINE_DEPARTMENTS,
        },
    )


async def queue_rows(request: Request, ctx: Ctx) -> Response:
    filters = _filters(request, ctx)
    with ctx.rt.engine.connect() as conn:
        rows = queue_items(conn, filters=filters, user=ctx.user, now=ctx.now)
    return render(request, "_queue_rows.html", {"rows": rows, "filters": filters, "now": ctx.now})


async def duty(request: Request, ctx: Ctx) -> Response:
    from inbox.store.queries import duty_items

    if not ctx.user.may_use_duty_view:
        raise HTTPException(403, "Beredskapsvyn är för den som har beredskap.")
    with ctx.rt.engine.connect() as conn:
        rows = duty_items(conn, user=ctx.user, now=ctx.now)
        alarms = open_escalations(conn)
    return render(request, "duty.html", {"rows": rows, "alarms": alarms, "now": ctx.now})


async def acknowledge_alarm(request: Request, ctx: Ctx) -> Response:
    """Stop an escalation from the duty view (its backup is then not called)."""
    if not ctx.user.may_use_duty_view:
        raise HTTPException(403, "Beredskapsvyn är för den som har beredskap.")
    escalation_id = request.path_params["escalation_id"]
    with session_scope(ctx.rt.engine) as session:
        try:
            escalations.acknowledge_escalation(
                session, escalation_id=escalation_id, actor=ctx.user.email, now=ctx.now
            )
        except audit.ActionError as exc:
            raise HTTPException(404, str(exc)) from None
    flash(request, "Larmet är kvitterat.")
    return RedirectResponse("/duty", status_code=303)
