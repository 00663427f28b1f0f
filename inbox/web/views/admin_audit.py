"""Granskningslogg: the audit trail for an admin, filtered, in sentences with names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from inbox.core.audit_trail import GROUPS, describe
from inbox.core.text import Text
from inbox.core.timeutil import local_midnight
from inbox.store.audit import AuditFilter, actors, events_page, user_names
from inbox.web import i18n
from inbox.web.auth import Ctx
from inbox.web.errors import Refused
from inbox.web.labels import label
from inbox.web.templating import render

PAGE_SIZE = 50
MAX_PAGE = 10_000


def _day(request: Request, name: str) -> date | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Refused(
            400, Text("Ogiltigt datum: %(value)s (ÅÅÅÅ-MM-DD).", value=raw[:20])
        ) from None


def _filters(request: Request) -> tuple[AuditFilter, dict[str, str], int]:
    first, last = _day(request, "from"), _day(request, "to")
    actor = request.query_params.get("actor", "").strip()[:255]
    kind = request.query_params.get("kind", "").strip()[:48]
    raw_page = request.query_params.get("page", "1")
    page = int(raw_page) if raw_page.isdigit() and 0 < int(raw_page) <= MAX_PAGE else 1
    f = AuditFilter(
        since=local_midnight(first) if first else None,
        # "to" names the last day, included, as the dashboard's "Till och med".
        until=local_midnight(last + timedelta(days=1)) if last else None,
        actor=actor or None,
        kind=kind or None,
    )
    chosen = {
        "from": first.isoformat() if first else "",
        "to": last.isoformat() if last else "",
        "actor": actor,
        "kind": kind,
    }
    return f, chosen, page


async def audit_page(request: Request, ctx: Ctx) -> Response:
    f, chosen, page = _filters(request)
    # The kinds' names in the reader's language, as the item page's log shows them.
    i18n.set_language(getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE))
    with ctx.rt.engine.connect() as conn:
        rows, more = events_page(conn, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        names = user_names(conn)
        people = actors(conn)
    entries: list[dict[str, Any]] = [
        {
            "at": row["at"],
            "item_id": row["item_id"],
            "sentence": describe(
                row["kind"],
                names.get(row["actor"], row["actor"]),
                row["item_id"],
                row["data"] or {},
                kind_label=label(row["kind"], "event"),
            ),
        }
        for row in rows
    ]
    query = {k: v for k, v in chosen.items() if v}
    return render(
        request,
        "admin_audit.html",
        {
            "entries": entries,
            "chosen": chosen,
            "groups": GROUPS,
            "people": [(p, names.get(p, p)) for p in people],
            "page": page,
            "previous": urlencode({**query, "page": page - 1}) if page > 1 else "",
            "next": urlencode({**query, "page": page + 1}) if more else "",
        },
    )
