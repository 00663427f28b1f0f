"""Acknowledging an escalation from the link in its notification."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from inbox.actions import escalations
from inbox.core.signed_links import TokenError, read_ack_token
from inbox.core.timeutil import utcnow
from inbox.runtime import Runtime
from inbox.store import items
from inbox.store.db import session_scope
from inbox.web.templating import render


async def acknowledge(request: Request, rt: Runtime, _form: FormData) -> Response:
    """GET shows what the alert was about; POST acknowledges it.

    The link's token is signed for this one purpose, so it identifies the
    escalation without a login (the person on duty is often on a phone); the
    form still carries the CSRF token of the session the GET started.
    """
    context: dict[str, Any] = {"done": False}
    try:
        escalation_id = read_ack_token(rt.settings.secret_key, request.path_params["token"])
    except TokenError as exc:
        context["error"] = f"Det gick inte att kvittera: {exc}."
        return render(request, "escalation_ack.html", context, status_code=400)
    with session_scope(rt.engine) as session:
        esc = items.escalation_by_id(session, escalation_id)
        if esc is None:
            context["error"] = "Det gick inte att kvittera: larmet finns inte."
            return render(request, "escalation_ack.html", context, status_code=404)
        context["esc"] = esc
        if request.method == "POST":
            ack = escalations.acknowledge_escalation(
                session, escalation_id=escalation_id, actor=esc.email, now=utcnow()
            )
            context.update(done=True, already=ack.already)
        elif esc.acknowledged_at is not None:
            context.update(done=True, already=True)
    return render(request, "escalation_ack.html", context)
