"""The item page and every action on an item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from sqlmodel import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, item_work, outbound, privacy, retention
from inbox.actions import responses as responses_actions
from inbox.actions.outbound import ACKNOWLEDGEMENT
from inbox.channels.outbound import offer as sending
from inbox.channels.registry import RegistryError, send_record
from inbox.core import case_record, limits
from inbox.core.access import may_handle
from inbox.core.history import Names, history
from inbox.core.kinds import Resolution
from inbox.core.rules.saved_replies import acknowledgement_text, fill, for_department
from inbox.core.sla import sla_state
from inbox.core.text import Text
from inbox.store import audit as audit_store
from inbox.store import items, people, records
from inbox.store.db import session_scope
from inbox.store.models import Item
from inbox.store.queries import thread_items
from inbox.web.auth import Ctx, TooLong, field
from inbox.web.errors import Refused
from inbox.web.templating import flash, render
from inbox.web.views.login import safe_next

PRESENCE_WINDOW = timedelta(seconds=45)
MAX_BACK = 2000
# What each kind of sending is called on the item page.
OUTBOUND_LABELS = {
    "reply": Text("svar"),
    "private_reply": Text("privat svar"),
    "message": Text("meddelande"),
    "hide": Text("dölj"),
    "unhide": Text("visa igen"),
    "delete": Text("radera"),
}


def _item_id(request: Request) -> int:
    raw = request.path_params["item_id"]
    if not isinstance(raw, int) or raw < 1:
        raise HTTPException(404, "Ärendet finns inte.")
    return raw


def fetch_item(session: Session, request: Request, ctx: Ctx) -> Item:
    """The item, if it exists and the user may handle it (get-and-authorise)."""
    item = items.item_by_id(session, _item_id(request))
    if item is None:
        raise HTTPException(404, "Ärendet finns inte.")
    if not may_handle(
        ctx.user,
        department=item.department,
        priority=item.priority,
        flags=item.flags,
        assignee=item.assignee,
    ):
        raise HTTPException(403, "Ärendet hör till en annan förvaltning.")
    return item


def _others_viewing(session: Session, item_id: int, ctx: Ctx) -> list[str]:
    return items.others_viewing(
        session, item_id, besides=ctx.user.email, since=ctx.now - PRESENCE_WINDOW
    )


def _context(session: Session, item: Item, ctx: Ctx, **extra: Any) -> dict[str, Any]:
    record = items.item_record(session, item)
    page = record.page
    conn = session.connection()
    around = thread_items(conn, item, now=ctx.now)
    # Only what the viewer may open; the rest of the thread is counted, not shown.
    thread = [
        t
        for t in around
        if may_handle(
            ctx.user,
            department=t.department,
            priority=t.priority,
            flags=t.flags,
            assignee=t.assignee,
        )
    ]
    colleagues = items.active_users(session)
    catalog = ctx.catalog
    replies = [
        (r.title, fill(r.text, author=item.author, page=page.name, agent=ctx.user.name))
        for r in for_department(catalog.saved_replies, item.department)
    ]
    # Everyone who ever did something, by name (a deactivated colleague too).
    names = {u.email: u.name for u in people.users_by_email(session)}
    alerted = items.escalations_of(session, item.id or 0)
    known = {
        **{e.person: e.person_name for e in alerted},
        **{e.email: e.person_name for e in alerted},
        **names,
    }
    lines = history(
        record.events,
        Names(
            people=known,
            departments=catalog.departments,
            topics=catalog.topics,
            on_duty=frozenset(e.email for e in alerted),
        ),
    )
    return {
        "item": item,
        "page": page,
        "sending": sending.sending_of(session, item, page, ctx.rt.settings, ctx.now),
        "outbound_labels": OUTBOUND_LABELS,
        "post": record.post,
        "thread": thread,
        "thread_hidden": len(around) - len(thread),
        "responses": record.responses,
        "notes": record.notes,
        "history": lines,
        "show_detail": ctx.user.is_admin,
        "colleagues": colleagues,
        "names": names,
        "replies": replies,
        "acknowledgement": fill(
            acknowledgement_text(catalog.saved_replies),
            author=item.author,
            page=page.name,
            agent=ctx.user.name,
        ),
        "state": sla_state(
            received_at=item.received_at,
            due_at=item.due_at,
            first_response_at=item.first_response_at,
            now=ctx.now,
        ),
        "others": _others_viewing(session, item.id or 0, ctx),
        "now": ctx.now,
        "reasons": item_work.REMOVAL_REASONS,
        "sentiments": item_work.SENTIMENTS,
        "classification": item.classification if isinstance(item.classification, dict) else {},
        "pii_spans": (item.classification or {}).get("pii_spans") or []
        if isinstance(item.classification, dict)
        else [],
        "revealed": False,
        "may_reveal": ctx.user.role in privacy.REVEAL_ROLES,
        "registration": audit_store.registration_of(session, item.id or 0),
        "hold": audit_store.hold_of(session, item.id or 0),
        # Legal holds are a records decision: admins place and release them.
        "may_hold": ctx.user.is_admin,
        "registry": ctx.rt.rules.registry_for(item.department),
        "may_register": privacy.may_register(ctx.user.role, ctx.user.departments, item),
        "reply_text": "",
        "note_text": "",
        "send_note": "",
        "reason_detail": "",
        "hold_reason": "",
        "warning": "",
        "error": "",
        **extra,
    }


async def item_page(request: Request, ctx: Ctx) -> Response:
    with session_scope(ctx.rt.engine) as session:
        item = fetch_item(session, request, ctx)
        item_work.touch_view(session, item_id=item.id or 0, user_email=ctx.user.email, now=ctx.now)
        privacy.record_read(session, item_id=item.id or 0, actor=ctx.user.email, now=ctx.now)
        context = _context(session, item, ctx)
        return render(request, "item.html", {**context, "back": back_of(request)})


async def presence(request: Request, ctx: Ctx) -> Response:
    with session_scope(ctx.rt.engine) as session:
        item = fetch_item(session, request, ctx)
        item_work.touch_view(session, item_id=item.id or 0, user_email=ctx.user.email, now=ctx.now)
        others = _others_viewing(session, item.id or 0, ctx)
        count = items.response_count(session, item.id or 0)
    return render(request, "_presence.html", {"others": others, "response_count": count})


def back_of(request: Request) -> str:
    """Where the person came from (``back``: the duty view, the queue with its
    filters), when it is a path on this site; otherwise empty."""
    raw = request.query_params.get("back", "")
    if not raw or len(raw) > MAX_BACK or any(ch < " " for ch in raw):
        return ""
    return raw if safe_next(raw) == raw else ""


def _done(
    request: Request,
    item: Item,
    message: str | Text,
    *,
    to_queue: bool = False,
    leave: bool = False,
) -> Response:
    """After an action: ``next`` when given; the page the person came from when
    the work on the item is done (``to_queue``, or ``leave`` after a reply);
    otherwise the item again, still knowing where the person came from."""
    flash(request, message)
    back = back_of(request)
    target = request.query_params.get("next")
    if not target and back:
        target = back if to_queue or leave else f"/items/{item.id}?back={quote(back, safe='/')}"
    if not target:
        target = "/" if to_queue else f"/items/{item.id}"
    return RedirectResponse(safe_next(target), status_code=303)


# What a refused form had typed, kept in the page shown again: action -> (context, field).
KEPT = {
    "reply": ("reply_text", "text"),
    "record": ("reply_text", "text"),
    "note": ("note_text", "text"),
    "send": ("send_note", "note"),
    "remove": ("reason_detail", "detail"),
    "hold": ("hold_reason", "reason"),
    "release_hold": ("hold_reason", "reason"),
}


def _refused(
    request: Request, session: Session, item: Item, ctx: Ctx, message: Text, action: str
) -> Response:
    """The item page again with the message, and what the person typed still in the form."""
    kept: dict[str, str] = {}
    if action in KEPT:
        name, form_field = KEPT[action]
        typed = ctx.form.get(form_field, "")
        kept[name] = typed if isinstance(typed, str) else ""
    context = _context(session, item, ctx, error=message, **kept)
    return render(request, "item.html", {**context, "back": back_of(request)}, status_code=422)


async def act(request: Request, ctx: Ctx) -> Response:
    """One endpoint per action name; each calls exactly one function in ``inbox.actions``."""
    action = request.path_params["action"]
    handler = ACTIONS.get(action)
    if handler is None:
        raise Refused(404, Text("Okänd åtgärd: %(action)s.", action=action))
    with session_scope(ctx.rt.engine) as session:
        item = fetch_item(session, request, ctx)
        try:
            return handler(request, session, item, ctx)
        except (audit.ActionError, TooLong) as exc:
            session.rollback()
            item = fetch_item(session, request, ctx)
            return _refused(request, session, item, ctx, exc.text, action)


def _conflict(request: Request, session: Session, item: Item, ctx: Ctx) -> Response | None:
    """Stop a second answer: someone replied since the person opened the item.

    A colleague who only has the item open is shown on the page (the presence
    line) as a warning; it does not hold the reply back for a second click.
    """
    seen = field(ctx.form, "seen_responses", limit=10)
    count = items.response_count(session, item.id or 0) + items.replies_on_the_way(
        session, item.id or 0
    )
    confirmed = field(ctx.form, "confirm", limit=4) == "1"
    if confirmed or not (seen.isdigit() and count > int(seen)):
        return None
    warning = Text("Någon annan har svarat sedan du öppnade ärendet.")
    context = _context(
        session, item, ctx, warning=warning, reply_text=field(ctx.form, "text", limit=limits.REPLY)
    )
    return render(request, "item.html", {**context, "back": back_of(request)}, status_code=409)


def _reply(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    text = field(ctx.form, "text", limit=limits.REPLY)
    conflict = _conflict(request, session, item, ctx)
    if conflict is not None:
        return conflict
    page = items.page_of(session, item)
    offer = sending.sending_of(session, item, page, ctx.rt.settings, ctx.now)
    sending.queue_reply(
        session,
        item,
        offer,
        text=text,
        private=field(ctx.form, "private", limit=4) == "1",
        key=field(ctx.form, "idempotency_key", limit=64),
        actor=ctx.user.email,
        actor_name=ctx.user.name,
        now=ctx.now,
    )
    return _done(
        request,
        item,
        Text("Svaret är köat och skickas till %(platform)s.", platform=offer.platform),
        leave=True,
    )


def _record(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    """A reply given outside the inbox: recorded as the response, sent nowhere."""
    conflict = _conflict(request, session, item, ctx)
    if conflict is not None:
        return conflict
    responses_actions.reply(
        session,
        item,
        text=field(ctx.form, "text", limit=limits.REPLY),
        actor=ctx.user.email,
        author=ctx.user.name,
        now=ctx.now,
        calendar=ctx.rt.calendar,
        source="elsewhere",
    )
    recorded = Text("Svaret är registrerat (givet någon annanstans).")
    return _done(request, item, recorded, to_queue=True)


def _settle(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    """A person settles an uncertain send: seen on the platform, or send it again."""
    raw = field(ctx.form, "outbound", limit=12)
    action = items.outbound_by_id(session, int(raw)) if raw.isdigit() else None
    if action is None or action.item_id != item.id:
        raise audit.ActionError(Text("Det finns ingen sådan sändning för ärendet."))
    sent = field(ctx.form, "sent", limit=4) == "1"
    outbound.resolve_uncertain(
        session, action, sent=sent, actor=ctx.user.email, now=ctx.now, calendar=ctx.rt.calendar
    )
    return _done(
        request, item, "Svaret är markerat som skickat." if sent else "Svaret skickas igen."
    )


def _unhide(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    page = items.page_of(session, item)
    offer = sending.sending_of(session, item, page, ctx.rt.settings, ctx.now)
    sending.queue_moderation(
        session,
        item,
        offer.unhide,
        key=field(ctx.form, "idempotency_key", limit=64),
        actor=ctx.user.email,
        actor_name=ctx.user.name,
        now=ctx.now,
    )
    return _done(
        request, item, Text("Kommentaren visas igen på sidan när ändringen har gått fram.")
    )


def _acknowledge(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    text = field(ctx.form, "text", limit=limits.REPLY) or acknowledgement_text(
        ctx.catalog.saved_replies
    )
    page = items.page_of(session, item)
    offer = sending.sending_of(session, item, page, ctx.rt.settings, ctx.now)
    if offer.can_send:
        sending.queue_reply(
            session,
            item,
            offer,
            text=text,
            private=False,
            key=field(ctx.form, "idempotency_key", limit=64),
            actor=ctx.user.email,
            actor_name=ctx.user.name,
            now=ctx.now,
            reason=ACKNOWLEDGEMENT,
        )
        return _done(
            request,
            item,
            Text("Bekräftelsen är köad och skickas till %(platform)s.", platform=offer.platform),
            leave=True,
        )
    item_work.acknowledge(
        session,
        item,
        text=text,
        actor=ctx.user.email,
        author=ctx.user.name,
        now=ctx.now,
        calendar=ctx.rt.calendar,
    )
    return _done(request, item, Text("Bekräftelsen är registrerad."), leave=True)


def _close(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    value = field(ctx.form, "resolution", limit=32)
    if value not in (Resolution.NO_REPLY_NEEDED.value, Resolution.SPAM.value):
        raise audit.ActionError(Text("Välj ”kräver inget svar” eller ”skräp”."))
    item_work.close_item(
        session, item, resolution=Resolution(value), actor=ctx.user.email, now=ctx.now
    )
    return _done(request, item, "Ärendet är stängt.", to_queue=True)


def _remove(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    reason = field(ctx.form, "reason", limit=32)
    detail = field(ctx.form, "detail", limit=limits.REASON)
    how = field(ctx.form, "how", limit=8) or "inbox"
    page = items.page_of(session, item)
    offer = sending.sending_of(session, item, page, ctx.rt.settings, ctx.now)
    item_work.remove_item(
        session, item, reason=reason, detail=detail, actor=ctx.user.email, now=ctx.now
    )
    if how in ("hide", "delete"):
        sending.queue_moderation(
            session,
            item,
            offer.hide if how == "hide" else offer.delete,
            key=field(ctx.form, "idempotency_key", limit=64),
            actor=ctx.user.email,
            actor_name=ctx.user.name,
            now=ctx.now,
            reason=reason,
            detail=detail,
        )
        message = (
            Text(
                "Ärendet är borttaget; kommentaren döljs på %(platform)s.", platform=offer.platform
            )
            if how == "hide"
            else Text(
                "Ärendet är borttaget; kommentaren raderas från %(platform)s.",
                platform=offer.platform,
            )
        )
        return _done(request, item, message, to_queue=True)
    return _done(
        request, item, "Ärendet är borttaget här; kommentaren finns kvar på sidan.", to_queue=True
    )


def _assign(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    who = field(ctx.form, "assignee", limit=255).strip()
    if who == "me":
        who = ctx.user.email
    if who:
        user = people.user_by_email(session, who)
        if user is None or not user.active:
            raise audit.ActionError(Text("Det finns ingen aktiv användare %(who)s.", who=who))
    item_work.assign_item(session, item, assignee=who or None, actor=ctx.user.email, now=ctx.now)
    return _done(request, item, "Ärendet är tilldelat." if who else "Tilldelningen är borttagen.")


def _send(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    catalog = ctx.catalog
    item_work.send_to_department(
        session,
        item,
        department=field(ctx.form, "department", limit=64),
        note=field(ctx.form, "note", limit=limits.DEPARTMENT_NOTE),
        known=set(catalog.departments) | set(ctx.user.departments),
        actor=ctx.user.email,
        now=ctx.now,
    )
    return _done(request, item, "Ärendet är skickat till en annan förvaltning.", to_queue=True)


def _note(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    item_work.add_note(
        session,
        item,
        text=field(ctx.form, "text", limit=limits.NOTE),
        actor=ctx.user.email,
        now=ctx.now,
    )
    return _done(request, item, "Anteckningen är sparad.")


def _correct(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    catalog = ctx.catalog
    name = field(ctx.form, "field", limit=16)
    allowed = {
        "topic": set(catalog.topics),
        "sentiment": set(item_work.SENTIMENTS),
        "department": set(catalog.departments),
    }.get(name, set())
    item_work.correct_item(
        session,
        item,
        field=name,
        value=field(ctx.form, "value", limit=64),
        allowed=allowed,
        actor=ctx.user.email,
        now=ctx.now,
    )
    return _done(request, item, "Rättelsen är sparad.")


def _reveal(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    """The item page once more, personal data shown; the reveal is in the audit trail."""
    privacy.reveal(
        session,
        item,
        role=ctx.user.role,
        reason=field(ctx.form, "reason", limit=privacy.MAX_REASON),
        actor=ctx.user.email,
        now=ctx.now,
    )
    return render(request, "item.html", _context(session, item, ctx, revealed=True))


def _register(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    """Registrera som ärende: the complete record, e-mailed to the registry."""
    if not privacy.may_register(ctx.user.role, ctx.user.departments, item):
        raise Refused(403, Text("Du får inte registrera ärenden från en annan förvaltning."))
    address = ctx.rt.rules.registry_for(item.department)
    if address is None:
        raise audit.ActionError(Text("Ingen registrator är angiven i departments.toml."))
    record = records.case_record(
        session,
        item,
        department=ctx.catalog.department_name(item.department),
        made_by=ctx.user.name,
        now=ctx.now,
    )
    name = case_record.filename(record)
    try:
        send_record(
            ctx.rt.settings,
            to=address,
            subject=f"Ärende {item.id} att registrera: {record.page}",
            body=(
                f"Ärende {item.id} från {record.page} lämnas över för registrering av "
                f"{ctx.user.name} ({ctx.user.email}).\nHela ärendet finns i bilagan {name}.\n"
            ),
            filename=name,
            html=case_record.render_html(record),
            reply_to=ctx.user.email,
        )
    except RegistryError as exc:
        raise audit.ActionError(
            Text("Det gick inte att skicka till registrator (%(why)s).", why=str(exc))
        ) from exc
    privacy.registered(
        session,
        item,
        address=address,
        actor=ctx.user.email,
        actor_name=ctx.user.name,
        attachment=name,
        now=ctx.now,
    )
    return _done(request, item, Text("Ärendet är skickat till registrator %(to)s.", to=address))


def _reference(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    if not privacy.may_register(ctx.user.role, ctx.user.departments, item):
        raise Refused(403, Text("Du får inte registrera ärenden från en annan förvaltning."))
    privacy.set_reference(
        session,
        item,
        reference=field(ctx.form, "reference", limit=200),
        actor=ctx.user.email,
        now=ctx.now,
    )
    return _done(request, item, "Diarienumret är sparat.")


def _hold(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    _decide_hold(session, item, ctx, retention.place_hold)
    return _done(request, item, "Ärendet har ett bevarandebeslut: det gallras och raderas inte.")


def _release_hold(request: Request, session: Session, item: Item, ctx: Ctx) -> Response:
    _decide_hold(session, item, ctx, retention.release_hold)
    return _done(request, item, "Bevarandebeslutet är hävt.")


def _decide_hold(session: Session, item: Item, ctx: Ctx, decide: Callable[..., None]) -> None:
    """Place or lift a legal hold: an administrator's decision, with a reason."""
    if not ctx.user.is_admin:
        raise Refused(403, Text("Bara en administratör kan besluta om bevarande."))
    decide(
        session,
        item_id=item.id or 0,
        reason=field(ctx.form, "reason", limit=limits.NOTE),
        actor=ctx.user.email,
        now=ctx.now,
    )


ACTIONS = {
    "reply": _reply,
    "record": _record,
    "settle": _settle,
    "unhide": _unhide,
    "acknowledge": _acknowledge,
    "close": _close,
    "remove": _remove,
    "assign": _assign,
    "send": _send,
    "note": _note,
    "correct": _correct,
    "reveal": _reveal,
    "register": _register,
    "reference": _reference,
    "hold": _hold,
    "release_hold": _release_hold,
}
