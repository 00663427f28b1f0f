"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from sqlalchemy import exc as sa_exc
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbox.api.routes import PREFIX, api_routes, error_response
from inbox.api.routes import http_error as api_http_error
from inbox.channels.meta import sandbox
from inbox.channels.meta.processor import process_continuously
from inbox.channels.meta.store import DeliveryWriter
from inbox.channels.meta.webhook import MetaWebhook
from inbox.core.text import Text
from inbox.core.timeutil import utcnow
from inbox.runtime import start
from inbox.settings import Settings
from inbox.web.auth import public
from inbox.web.catalog import load_catalog
from inbox.web.errors import Refused, server_error
from inbox.web.errors import http_error as page_http_error
from inbox.web.figures import FigureStore
from inbox.web.proxies import TrustedProxies
from inbox.web.routes import routes
from inbox.web.templating import make_templates
from inbox.web.throttle import SignInRate
from inbox.web.views import dashboard, escalations

# Everything is served from here: no inline scripts, no other origins.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


NO_STORE = (b"cache-control", b"no-store")
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """Headers on every answer. Nothing but the static files may be kept in a cache
    (pages, API answers and downloads carry personal data); behind HTTPS, browsers
    are told to use nothing else."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.extra = [HSTS] if https else []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        cacheable = scope["path"].startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS, *self.extra]
                if not cacheable:
                    headers = [h for h in headers if h[0].lower() != b"cache-control"]
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


log = logging.getLogger("inbox.app")


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """The database did not answer (restarting, failing over): 503, try again soon."""
    log.error("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
    headers = {"Retry-After": "5"}
    path = request.url.path
    if path == PREFIX or path.startswith(PREFIX + "/"):
        return error_response(
            503, "database_unavailable", "the database is not answering; retry shortly", headers
        )
    text = Text("Databasen svarar inte just nu. Försök igen om en stund.")
    return await page_http_error(request, Refused(503, text, headers))


async def http_error(request: Request, exc: Exception) -> Response:
    """JSON errors under the API, pages (or JSON for scripts) everywhere else."""
    path = request.url.path
    if path == PREFIX or path.startswith(PREFIX + "/"):
        return api_http_error(request, exc)
    return await page_http_error(request, exc)


async def unhandled(request: Request, exc: Exception) -> Response:
    """500: JSON under the API, a page in the reader's language everywhere else."""
    path = request.url.path
    if path == PREFIX or path.startswith(PREFIX + "/"):
        log.error("unhandled error on %s %s", request.method, path, exc_info=exc)
        return error_response(500, "internal_error", "an unexpected error; see the server log")
    return await server_error(request, exc)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = start(settings)
        app.state.runtime = runtime
        app.state.dashboard_figures = FigureStore()
        dashboard.warm(app.state.dashboard_figures, runtime.engine, utcnow())
        writer = DeliveryWriter(runtime.engine)
        writer.start()
        app.state.delivery_writer = writer
        processor = None
        stopping = asyncio.Event()
        if settings.process_deliveries:
            processor = asyncio.create_task(process_continuously(runtime, writer, stopping))
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
            stopping.set()
            if processor is not None:
                await processor
            writer.stop()
            app.state.dashboard_figures.close()
            runtime.engine.dispose()

    app = Starlette(
        routes=[
            *routes(settings),
            *api_routes(),
            Route(
                "/escalations/ack/{token}",
                public(escalations.acknowledge),
                methods=["GET", "POST"],
            ),
            Route("/webhooks/meta", MetaWebhook(settings), methods=["GET", "HEAD", "POST"]),
            *(sandbox.sandbox_routes() if sandbox.enabled(settings) else []),
        ],
        lifespan=lifespan,
        middleware=[
            Middleware(TrustedProxies, trusted=settings.trusted_proxies),
            Middleware(SecurityHeaders, https=settings.base_url.startswith("https://")),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="inbox_session",
                max_age=12 * 60 * 60,
                same_site="lax",
                https_only=settings.base_url.startswith("https://"),
            ),
        ],
        exception_handlers={
            HTTPException: http_error,
            Exception: unhandled,
            sa_exc.OperationalError: database_unavailable,
            sa_exc.InterfaceError: database_unavailable,
            # e.g. a database switched to read-only during a failover
            sa_exc.InternalError: database_unavailable,
            # the same from the bulk paths, which speak to the driver directly
            psycopg.OperationalError: database_unavailable,
            psycopg.InternalError: database_unavailable,
            sqlite3.OperationalError: database_unavailable,
        },
    )
    app.state.templates = make_templates(settings.templates_dir)
    app.state.catalog = load_catalog(settings.rules_dir)
    app.state.signin_rate = SignInRate(settings.login_global_per_minute)
    return app
