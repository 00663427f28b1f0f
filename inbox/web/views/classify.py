"""The admin's test bench for the rules: paste a text, see the tags and the rule that fired."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from inbox.core import limits
from inbox.core.kinds import Channel, Kind
from inbox.core.tagging import tag_values
from inbox.core.text import Text
from inbox.store import items
from inbox.web.auth import Ctx, TooLong, field
from inbox.web.templating import render

KINDS = [k.value for k in Kind]
CHANNELS = [c.value for c in Channel]


def _page_names(ctx: Ctx) -> dict[str, str]:
    with Session(ctx.rt.engine) as session:
        return items.page_names(session)


async def classify_page(request: Request, ctx: Ctx) -> Response:
    context: dict[str, Any] = {
        "kinds": KINDS,
        "channels": CHANNELS,
        "pages": sorted(ctx.rt.rules.pages),
        "page_names": _page_names(ctx),
        "text": "",
        "chosen": {"page": "", "channel": "facebook", "kind": "comment"},
        "result": None,
        "error": "",
    }
    if request.method == "POST":
        typed = ctx.form.get("text", "")
        try:
            text = field(ctx.form, "text", limit=limits.RULES_TEST)
        except TooLong as exc:
            context.update(text=typed if isinstance(typed, str) else "", error=exc.text)
            return render(request, "admin_classify.html", context, status_code=422)
        chosen = {
            "page": field(ctx.form, "page", limit=64),
            "channel": field(ctx.form, "channel", limit=16),
            "kind": field(ctx.form, "kind", limit=24),
        }
        context.update(text=text, chosen=chosen)
        if chosen["channel"] not in CHANNELS or chosen["kind"] not in KINDS:
            context["error"] = Text("Okänd kanal eller typ.")
            return render(request, "admin_classify.html", context, status_code=400)
        if not text.strip():
            context["error"] = Text("Skriv eller klistra in en text.")
            return render(request, "admin_classify.html", context, status_code=400)
        values = tag_values(
            text,
            ctx.rt.rules,
            page=chosen["page"],
            channel=chosen["channel"],
            kind=chosen["kind"],
            received_at=ctx.now,
        )
        context["result"] = values["classification"]
    return render(request, "admin_classify.html", context)
