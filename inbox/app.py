"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from inbox.api.routes import api_routes, http_error
from inbox.calendar import local_date
from inbox.queries import open_items
from inbox.report import build_report
from inbox.runtime import Runtime, start
from inbox.settings import Settings
from inbox.timeutil import utcnow
from inbox.web.templating import make_templates


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    templates = make_templates(settings.templates_dir)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = start(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
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

    async def health(_request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    return Starlette(
        routes=[
            Route("/", queue),
            Route("/report", report),
            Route("/healthz", health),
            *api_routes(),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
