"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox import actions
from inbox.api.routes import api_routes, http_error
from inbox.calendar import local_date
from inbox.db import session_scope
from inbox.models import Escalation
from inbox.queries import open_items
from inbox.report import build_report
from inbox.runtime import Runtime, start
from inbox.settings import Settings
from inbox.signed_links import TokenError, read_ack_token
from inbox.timeutil import utcnow
from inbox.web.templating import make_templates


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    templates = make_templates(settings.templates_dir)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = start(settings)
        app.state.runtime = runtime
        scheduler = None
        if settings.scheduler == "on":
            from inbox.scheduler import Scheduler

            scheduler = Scheduler(runtime)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            runtime.engine.dispose()

    def runtime_of(request: Request) -> Runtime:
        rt: Runtime = request.app.state.runtime
        return rt

    async def queue(request: Request) -> Response:
        now = utcnow()
        with runtime_of(request).engine.connect() as conn:
            rows = open_items(conn, now=now, limit=200)
        return templates.TemplateResponse(
            request, "queue.html", {"rows": rows, "now": now, "lang": "sv"}
        )

    async def report(request: Request) -> Response:
        now = utcnow()
        end = local_date(now) + timedelta(days=1)
        start_day = end - timedelta(days=28)
        with runtime_of(request).engine.connect() as conn:
            data = build_report(conn, start=start_day, end=end, as_of=now)
        return templates.TemplateResponse(
            request, "report.html", {"report": data, "now": now, "lang": "sv"}
        )

    async def acknowledge(request: Request) -> Response:
        # The token is single-purpose (signed with its own salt), so the POST needs no
        # session: a forged form cannot name an escalation it has no token for.
        token = request.path_params["token"]
        context: dict[str, Any] = {"lang": "sv", "now": utcnow(), "done": False}
        try:
            escalation_id = read_ack_token(settings.secret_key, token)
        except TokenError as exc:
            context["error"] = f"Det gick inte att kvittera: {exc}."
            return templates.TemplateResponse(
                request, "escalation_ack.html", context, status_code=400
            )
        engine = runtime_of(request).engine
        with session_scope(engine) as session:
            esc = session.get(Escalation, escalation_id)
            if esc is None:
                context["error"] = "Det gick inte att kvittera: larmet finns inte."
                return templates.TemplateResponse(
                    request, "escalation_ack.html", context, status_code=404
                )
            context["esc"] = esc
            if request.method == "POST":
                ack = actions.acknowledge_escalation(
                    session, escalation_id=escalation_id, actor=esc.email, now=utcnow()
                )
                context.update(done=True, already=ack.already)
            elif esc.acknowledged_at is not None:
                context.update(done=True, already=True)
        return templates.TemplateResponse(request, "escalation_ack.html", context)

    async def health(_request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    return Starlette(
        routes=[
            Route("/", queue),
            Route("/report", report),
            Route("/healthz", health),
            *api_routes(),
            Route("/escalations/ack/{token}", acknowledge, methods=["GET", "POST"]),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
