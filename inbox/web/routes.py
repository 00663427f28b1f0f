"""Every route, with the roles allowed on it."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from inbox.settings import Settings
from inbox.store.db import ping
from inbox.web.auth import ADMINS, SUPERVISORS, guarded, public
from inbox.web.views import (
    admin,
    admin_audit,
    admin_pages,
    classify,
    dashboard,
    item,
    login,
    personal_data,
    queue,
)

HEALTH_TIMEOUT = 5.0


async def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


async def health(request: Request) -> Response:
    """200 "ok" when the database answers and the webhook writer runs; 503 naming what
    is down otherwise (for a load balancer or an orchestrator)."""
    engine = request.app.state.runtime.engine
    writer = request.app.state.delivery_writer
    try:
        await asyncio.wait_for(asyncio.to_thread(ping, engine), timeout=HEALTH_TIMEOUT)
        database = "ok"
    except Exception as exc:
        database = f"down ({type(exc).__name__})"
    lines = [f"database: {database}", f"writer: {'ok' if writer.alive else 'down'}"]
    if writer.failures:
        lines.append(f"writer: {writer.failures} failed commits in a row: {writer.last_error}")
    if database == "ok" and writer.alive:
        return Response("ok", media_type="text/plain")
    return Response("\n".join(lines) + "\n", status_code=503, media_type="text/plain")


def routes(settings: Settings) -> list[BaseRoute]:
    return [
        Route("/", guarded(queue.queue), name="queue"),
        Route("/queue/rows", guarded(queue.queue_rows), name="queue_rows"),
        Route("/queue/bulk", guarded(queue.bulk_action), methods=["POST"]),
        Route("/queue/bulk/undo", guarded(queue.bulk_undo), methods=["POST"]),
        Route("/duty", guarded(queue.duty), name="duty"),
        Route(
            "/escalations/{escalation_id:int}/acknowledge",
            guarded(queue.acknowledge_alarm),
            methods=["POST"],
        ),
        Route("/items/{item_id:int}", guarded(item.item_page), name="item"),
        Route("/items/{item_id:int}/presence", guarded(item.presence), methods=["POST"]),
        Route("/items/{item_id:int}/{action:str}", guarded(item.act), methods=["POST"]),
        Route("/dashboard", guarded(dashboard.dashboard, roles=SUPERVISORS), name="dashboard"),
        Route(
            "/dashboard/{table:str}.csv",
            guarded(dashboard.dashboard_csv, roles=SUPERVISORS),
        ),
        Route("/report", guarded(dashboard.dashboard, roles=SUPERVISORS)),
        Route("/admin/users", guarded(admin.users, roles=ADMINS)),
        Route("/admin/pages", guarded(admin_pages.pages, roles=ADMINS)),
        Route("/admin/audit", guarded(admin_audit.audit_page, roles=ADMINS), name="audit"),
        Route(
            "/admin/classify",
            guarded(classify.classify_page, roles=ADMINS),
            methods=["GET", "POST"],
        ),
        Route(
            "/admin/classify/words",
            guarded(classify.add_word, roles=ADMINS),
            methods=["POST"],
        ),
        Route(
            "/admin/classify/rules",
            guarded(classify.add_rule, roles=ADMINS),
            methods=["POST"],
        ),
        Route("/admin/users", guarded(admin.add_user, roles=ADMINS), methods=["POST"]),
        Route(
            "/admin/personal-data",
            guarded(personal_data.personal_data, roles=ADMINS),
            name="personal_data",
        ),
        Route(
            "/admin/personal-data/export.{fmt:str}",
            guarded(personal_data.export, roles=ADMINS),
        ),
        Route(
            "/admin/personal-data/erase",
            guarded(personal_data.erase, roles=ADMINS),
            methods=["POST"],
        ),
        Route(
            "/admin/users/{user_id:int}/active",
            guarded(admin.set_active, roles=ADMINS),
            methods=["POST"],
        ),
        Route("/login", public(login.login_form), name="login"),
        Route("/login", public(login.login), methods=["POST"]),
        Route("/logout", guarded(login.logout), methods=["POST"]),
        Route("/language", public(login.set_language), methods=["POST"]),
        Route("/healthz", health),
        # Browsers ask for /favicon.ico on their own; the icon is the static SVG.
        Route("/favicon.ico", favicon),
        Mount("/static", StaticFiles(directory=str(settings.static_dir)), name="static"),
    ]
