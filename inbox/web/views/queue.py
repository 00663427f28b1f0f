"""The queue (start page), its self-refreshing table body, and work on several items."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, bulk, escalations
from inbox.core.queue_filters import (
    MINE_DEPARTMENTS,
    PAGE_SIZE,
    FilterError,
    QueueFilters,
    parse_filters,
)
from inbox.core.text import Text
from inbox.store import items, people
from inbox.store.db import session_scope
from inbox.store.queries import open_escalations, queue_counts, queue_ids, queue_items
from inbox.web.auth import Ctx, field
from inbox.web.errors import Refused
from inbox.web.templating import flash, render

# At most this many items in one action on "all matching the filter".
BULK_LIMIT = 1000
BULK_OPERATIONS = (
    ("no_reply_needed", Text("Stäng: kräver inget svar")),
    ("spam", Text("Stäng: skräp")),
    ("assign", Text("Tilldela")),
    ("send", Text("Skicka till en annan förvaltning")),
    ("topic", Text("Rätta ämnet")),
)
UNDO_REFUSED = {
    "unknown": Text("Det finns ingen sådan ändring att ångra."),
    "not_yours": Text("Bara den som gjorde ändringen kan ångra den."),
    "done": Text("Ändringen är redan ångrad."),
    "expired": Text("Det går bara att ångra inom en minut; ändringen står kvar."),
}


def _filters(request: Request, ctx: Ctx, params: Mapping[str, str] | None = None) -> QueueFilters:
    default = "" if ctx.user.sees_all or not ctx.user.departments else MINE_DEPARTMENTS
    try:
        return parse_filters(
            request.query_params if params is None else params, default_department=default
        )
    except FilterError as exc:
        raise Refused(400, exc.text) from exc


def _posted_filters(ctx: Ctx) -> QueueFilters:
    """The filters a form carries (``filter``: the queue's query string, as shown)."""
    params = dict(parse_qsl(field(ctx.form, "filter", limit=2000)))
    try:
        return parse_filters(params, default_department="")
    except FilterError as exc:
        raise Refused(400, exc.text) from None


def _back(filters: QueueFilters) -> str:
    """The queue with these filters ("department=" kept: "all I see" is not the default)."""
    query = filters.query_string()
    return "/?" + (query if filters.department else "&".join(filter(None, [query, "department="])))


def _undo_offer(request: Request, ctx: Ctx) -> dict[str, Any] | None:
    """The user's last bulk action, while it can still be undone."""
    event_id = request.session.get("bulk_undo")
    if not isinstance(event_id, int):
        return None
    with session_scope(ctx.rt.engine) as session:
        event = items.bulk_event(session, event_id)
        if event is None or event.actor != ctx.user.email or event.data.get("undone_at"):
            request.session.pop("bulk_undo", None)
            return None
        at = event.at if event.at.tzinfo else event.at.replace(tzinfo=ctx.now.tzinfo)
        if ctx.now - at > bulk.UNDO_WINDOW:
            request.session.pop("bulk_undo", None)
            return None
        return {"id": event_id, "count": len(event.data.get("items") or [])}


def _page(
    request: Request,
    ctx: Ctx,
    filters: QueueFilters,
    *,
    error: Text | None = None,
    chosen: Mapping[str, str] | None = None,
    checked: frozenset[int] = frozenset(),
    typed_query: str | None = None,
) -> Response:
    with ctx.rt.engine.connect() as conn:
        rows = queue_items(conn, filters=filters, user=ctx.user, now=ctx.now)
        # Closed items are most of the table: the closed view lists the open items'
        # filter values (what the index holds) and shows no numbers.
        show_counts = filters.status == "open"
        counts = queue_counts(
            conn, user=ctx.user, now=ctx.now, filters=filters if show_counts else QueueFilters()
        )
    with session_scope(ctx.rt.engine) as session:
        colleagues = [(u.email, u.name) for u in items.active_users(session)]
        names = {u.email: u.name for u in people.users_by_email(session)}
        page_names = items.page_names(session)
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "counts": counts,
            "show_counts": show_counts,
            "filters": filters,
            "now": ctx.now,
            "page_size": PAGE_SIZE,
            "mine_departments": MINE_DEPARTMENTS,
            "bulk_operations": BULK_OPERATIONS,
            "colleagues": colleagues,
            "names": names,
            "page_names": page_names,
            "undo": _undo_offer(request, ctx),
            "error": error,
            "chosen": chosen or {},
            "checked": checked,
            "typed_query": filters.q if typed_query is None else typed_query,
        },
        status_code=(422 if typed_query is not None else 400) if error else 200,
    )


async def queue(request: Request, ctx: Ctx) -> Response:
    try:
        return _page(request, ctx, _filters(request, ctx))
    except Refused as refused:
        cause = refused.__cause__
        if not isinstance(cause, FilterError) or cause.typed_query is None:
            raise
    # A search too long: the queue without it, the message, and the words kept in the box.
    rest = {k: v for k, v in request.query_params.items() if k != "q"}
    filters = _filters(request, ctx, rest)
    return _page(request, ctx, filters, error=cause.text, typed_query=cause.typed_query)


async def queue_rows(request: Request, ctx: Ctx) -> Response:
    filters = _filters(request, ctx)
    with ctx.rt.engine.connect() as conn:
        rows = queue_items(conn, filters=filters, user=ctx.user, now=ctx.now)
    with session_scope(ctx.rt.engine) as session:
        names = {u.email: u.name for u in people.users_by_email(session)}
    return render(
        request,
        "_queue_rows.html",
        {"rows": rows, "filters": filters, "now": ctx.now, "names": names},
    )


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
            raise Refused(404, exc.text) from None
    flash(request, "Larmet är kvitterat.")
    return RedirectResponse("/duty", status_code=303)


def _bulk_value(ctx: Ctx, operation: str) -> tuple[str, Text | None]:
    """The operation's value from the form, or a message saying what is missing."""
    if operation == "assign":
        who = field(ctx.form, "assignee", limit=255).strip()
        if who == "me":
            return ctx.user.email, None
        if not who:
            return "", Text("Välj vem ärendena ska tilldelas.")
        with session_scope(ctx.rt.engine) as session:
            user = people.user_by_email(session, who)
            if user is None or not user.active:
                return "", Text("%(who)s är inte en aktiv användare.", who=who)
        return who, None
    if operation == "send":
        department = field(ctx.form, "department", limit=64)
        if department not in ctx.catalog.departments:
            return "", Text("Välj vilken förvaltning ärendena ska skickas till.")
        return department, None
    if operation == "topic":
        topic = field(ctx.form, "topic", limit=64)
        if topic not in ctx.catalog.topics:
            return "", Text("Välj vilket ämne ärendena ska ha.")
        return topic, None
    return "", None


async def bulk_action(request: Request, ctx: Ctx) -> Response:
    """Several items at once: those ticked, or every item matching the filter.

    "All matching" first shows how many items that is; the confirmation acts on
    the items matching the filter at that moment.
    """
    filters = _posted_filters(ctx)
    back = _back(filters)
    operation = field(ctx.form, "operation", limit=32)
    every = field(ctx.form, "all", limit=4) == "1"
    raw_ids = [v for v in ctx.form.getlist("ids") if isinstance(v, str)]
    ticked = frozenset(int(v) for v in raw_ids if v.isascii() and v.isdigit() and len(v) < 12)
    chosen = {
        name: field(ctx.form, name, limit=255)
        for name in ("operation", "assignee", "department", "topic")
    }
    error: Text | None = None
    value = ""
    if operation not in bulk.OPERATIONS:
        error = Text("Välj vad som ska göras med de valda ärendena.")
    else:
        value, error = _bulk_value(ctx, operation)
    if error is None and not every and not ticked:
        error = Text("Välj minst ett ärende i listan, eller alla som matchar filtret.")
    if error is None and every:
        with ctx.rt.engine.connect() as conn:
            ids = queue_ids(conn, filters=filters, user=ctx.user, now=ctx.now, limit=BULK_LIMIT + 1)
        if len(ids) > BULK_LIMIT:
            error = Text("Filtret matchar fler än %(n)s ärenden; gör urvalet mindre.", n=BULK_LIMIT)
        elif not ids:
            error = Text("Inga ärenden matchar filtret.")
        elif field(ctx.form, "confirmed", limit=4) != "1":
            label = dict(BULK_OPERATIONS)[operation]
            return render(
                request,
                "bulk_confirm.html",
                {
                    "count": len(ids),
                    "label": label,
                    "chosen": chosen,
                    "filter_query": filters.query_string(),
                    "back": back,
                },
            )
    if error is not None:
        return _page(request, ctx, filters, error=error, chosen=chosen, checked=ticked)
    chosen_ids = ids if every else sorted(ticked)
    with session_scope(ctx.rt.engine) as session:
        result = bulk.apply(
            session,
            items.items_by_ids(session, chosen_ids),
            operation=operation,
            value=value,
            user=ctx.user,
            now=ctx.now,
            departments=set(ctx.catalog.departments),
            topics=set(ctx.catalog.topics),
        )
    if result.event_id is not None:
        request.session["bulk_undo"] = result.event_id
    flash(
        request,
        Text(
            "Klart: %(changed)s ärenden ändrade, %(unchanged)s var redan så, "
            "%(refused)s fick du inte ändra.",
            changed=len(result.changed),
            unchanged=len(result.unchanged),
            refused=len(result.not_allowed) + len(set(chosen_ids) - _found(result)),
        ),
    )
    return RedirectResponse(back, status_code=303)


def _found(result: bulk.BulkResult) -> set[int]:
    return set(result.changed) | set(result.unchanged) | set(result.not_allowed)


async def bulk_undo(request: Request, ctx: Ctx) -> Response:
    """Undo the last bulk action, within a minute and while its items are untouched."""
    filters = _posted_filters(ctx)
    raw = field(ctx.form, "event", limit=12)
    with session_scope(ctx.rt.engine) as session:
        try:
            reverted = bulk.undo(
                session,
                int(raw) if raw.isascii() and raw.isdigit() else 0,
                actor=ctx.user.email,
                now=ctx.now,
            )
        except bulk.UndoRefused as exc:
            session.rollback()
            message = UNDO_REFUSED.get(exc.reason) or Text(
                "Ändringen kan inte ångras: någon har arbetat med ärende %(ids)s sedan dess.",
                ids=", ".join(str(i) for i in exc.items[:10]),
            )
            request.session.pop("bulk_undo", None)
            flash(request, message)
            return RedirectResponse(_back(filters), status_code=303)
    request.session.pop("bulk_undo", None)
    flash(request, Text("Ångrat: %(n)s ärenden är som de var före ändringen.", n=len(reverted)))
    return RedirectResponse(_back(filters), status_code=303)
