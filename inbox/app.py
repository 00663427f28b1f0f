"""The ASGI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inbox.runtime import start
from inbox.settings import Settings
from inbox.web.catalog import load_catalog
from inbox.web.errors import http_error
from inbox.web.routes import routes
from inbox.web.templating import make_templates

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


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = start(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
            runtime.engine.dispose()

    app = Starlette(
        routes=routes(settings),
        lifespan=lifespan,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key,
                session_cookie="inbox_session",
                max_age=12 * 60 * 60,
                same_site="lax",
                https_only=settings.base_url.startswith("https://"),
            ),
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.templates = make_templates(settings.templates_dir)
    app.state.catalog = load_catalog(settings.rules_dir)
    app.state.dashboard_cache = {}
    return app
