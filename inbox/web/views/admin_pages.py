"""Administration of pages: what each can send, and what to do when it cannot."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from inbox.core.outbound import route
from inbox.core.text import Text
from inbox.store import people
from inbox.store.quick import PageRow
from inbox.web.auth import Ctx
from inbox.web.templating import render

STATES = {
    "connected": Text("kopplad"),
    "reconnect": Text("ny token behövs"),
    "permission": Text("saknar behörighet"),
    "none": Text("inte kopplad"),
    "email": Text("e-post"),
}


def advice_for(state: str, key: str) -> tuple[Text, str] | None:
    """What an admin does about a page that cannot send, and the command that does it."""
    connect = f"inbox pages connect {key} --token-stdin"
    if state == "reconnect":
        return Text("Meta godtar inte sidans token längre. Koppla sidan igen:"), connect
    if state == "permission":
        return (
            Text(
                "Sidans token saknar behörighet att svara eller moderera. Ge appen "
                "behörigheterna nedan och koppla sidan igen."
            ),
            "pages_manage_engagement, pages_messaging",
        )
    if state == "none":
        return Text("Koppla sidan:"), connect
    return None


def state_of(row: PageRow) -> str:
    how = route(row.channel)
    if how == "meta":
        return row.connection or "none"
    if how == "email":
        return "email"
    return "connected" if row.has_webhook else "none"


async def pages(request: Request, ctx: Ctx) -> Response:
    with Session(ctx.rt.engine) as session:
        rows = people.page_rows(session)
    listed = [(row, state_of(row)) for row in rows]
    return render(
        request,
        "admin_pages.html",
        {
            "pages": [(row, state, advice_for(state, row.key)) for row, state in listed],
            "states": STATES,
        },
    )
