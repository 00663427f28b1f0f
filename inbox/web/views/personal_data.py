"""Personuppgifter: an administrator answers one person's request to see or erase their data.

Search by name, address, phone, personnummer or platform id; the list shows
every item, response, note and event found; the file for the person comes as
HTML or JSON; erasure takes a confirmation step that lists what will go, and
is recorded with the reason and who handled it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from inbox.actions import audit, person_index
from inbox.actions import retention as retention_actions
from inbox.core.person import Person
from inbox.core.person_export import export_html, export_json
from inbox.core.text import Text
from inbox.store.db import session_scope
from inbox.store.personal_data import PersonData
from inbox.web.auth import Ctx, field
from inbox.web.errors import Refused
from inbox.web.templating import flash, render

FIELDS = ("author", "email", "phone", "personnummer", "platform_id")
PATH = "/admin/personal-data"


def _values(source: Mapping[str, str] | FormData) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in FIELDS:
        value = source.get(name, "")
        if not isinstance(value, str) or len(value) > 255:
            raise Refused(
                400, Text("Fältet %(name)s är för långt (högst %(n)s tecken).", name=name, n=255)
            )
        out[name] = value.strip()
    return out


def _person(values: dict[str, str]) -> Person | Text:
    if not any(values.values()):
        return Text("Ange minst en uppgift om personen.")
    try:
        return Person(**values)
    except ValueError:
        return Text(
            "Uppgifterna går inte att söka på: ett personnummer har 10 eller 12 siffror, "
            "ett telefonnummer minst 7, ett namn minst en bokstav."
        )


def _page(
    request: Request,
    values: dict[str, str],
    *,
    data: PersonData | None = None,
    error: Text | str = "",
    confirm: bool = False,
    status: int = 200,
) -> Response:
    return render(
        request,
        "admin_personal_data.html",
        {
            "values": values,
            "data": data,
            "lines": [f.as_json() for f in data.everything()] if data else [],
            "error": error,
            "confirm": confirm,
            "query": urlencode({k: v for k, v in values.items() if v}),
        },
        status_code=status,
    )


async def personal_data(request: Request, ctx: Ctx) -> Response:
    values = _values(request.query_params)
    if not any(values.values()):
        return _page(request, values)
    person = _person(values)
    if isinstance(person, Text):
        return _page(request, values, error=person, status=400)
    return _page(request, values, data=person_index.find(ctx.rt.engine, person))


async def export(request: Request, ctx: Ctx) -> Response:
    values = _values(request.query_params)
    person = _person(values)
    if isinstance(person, Text):
        raise Refused(400, person)
    data = person_index.find(ctx.rt.engine, person)
    lines = [f.as_json() for f in data.everything()]
    fmt = request.path_params["fmt"]
    with session_scope(ctx.rt.engine) as session:
        audit.record_event(
            session,
            actor=ctx.user.email,
            kind="person_exported",
            now=ctx.now,
            named_by=sorted(k for k, v in values.items() if v),
            format=fmt,
            **data.counts(),
        )
    name = f"personuppgifter-{ctx.now:%Y%m%d-%H%M}.{fmt}"
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    if fmt == "json":
        body = json.dumps(
            export_json(lines, person.as_dict(), ctx.now), ensure_ascii=False, indent=2
        )
        return Response(body, media_type="application/json", headers=headers)
    return Response(
        export_html(lines, person.as_dict(), ctx.now), media_type="text/html", headers=headers
    )


async def erase(request: Request, ctx: Ctx) -> Response:
    values = _values(ctx.form)
    person = _person(values)
    if isinstance(person, Text):
        return _page(request, values, error=person, status=400)
    data = person_index.find(ctx.rt.engine, person)
    if field(ctx.form, "confirm", limit=4) != "1":
        return _page(request, values, data=data, confirm=True)
    reason = field(ctx.form, "reason", limit=2000).strip()
    if not reason:
        return _page(
            request,
            values,
            data=data,
            confirm=True,
            error=Text("Skriv skälet: vilken begäran det gäller (till exempel diarienumret)."),
            status=400,
        )
    try:
        erased, held = retention_actions.erase_person(
            ctx.rt.engine,
            person,
            data.own_item_ids,
            mentions=data.mention_item_ids,
            reason=reason,
            actor=ctx.user.email,
            now=ctx.now,
        )
    except audit.ActionError as exc:
        return _page(request, values, data=data, confirm=True, error=str(exc), status=400)
    flash(
        request,
        Text(
            "Raderat: %(items)s ärenden, %(mentions)s omnämnanden; "
            "%(held)s spärrade ärenden finns kvar.",
            items=erased.items,
            mentions=len(data.mention_item_ids),
            held=len(held),
        ),
    )
    return RedirectResponse(PATH, status_code=303)
