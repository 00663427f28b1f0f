"""The ASGI application factory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
from inbox.deliveries_store import DeliveryWriter
from inbox.models import Escalation
from inbox.queries import open_items
from inbox.report import build_report
from inbox.runtime import Runtime, start
from inbox.settings import Settings
from inbox.signed_links import TokenError, read_ack_token
from inbox.timeutil import utcnow
from inbox.web.meta_webhook import MetaWebhook
from inbox.web.templating import make_templates

log = logging.getLogger("inbox.app")

# While deliveries stream in, the background processor works at most a quarter
# of the time (it rests three times as long as its last batch took), so the
# webhook keeps the CPU and the write lock; processing is over ten times faster
# than accepting, so the backlog still drains. When the writer is quiet it runs
# flat out.
_BUSY_WITHIN_SECONDS = 0.05
_REST_FACTOR = 9.0
_MIN_REST_SECONDS = 0.05
_BATCH = 100


async def _pause(stopping: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), timeout=seconds)


async def _process_continuously(
    runtime: Runtime, writer: DeliveryWriter, stopping: asyncio.Event
) -> None:
    """Drain pending deliveries into items until ``stopping`` is set.

    A batch under way is always finished (never cancelled mid-thread), so the
    database is left with no connection in use when the app shuts down.
    """
    assert writer.wakeup is not None
    while not stopping.is_set():
        started = time.monotonic()
        try:
            done = await asyncio.to_thread(
                actions.process_deliveries,
                runtime.engine,
                now=utcnow(),
                limit=_BATCH,
                calendar=runtime.calendar,
                rules=runtime.rules,
            )
        except Exception:
            log.exception("processing deliveries failed")
            done = 0
        if done:
            if time.monotonic() - writer.last_write < _BUSY_WITHIN_SECONDS:
                rest = max((time.monotonic() - started) * _REST_FACTOR, _MIN_REST_SECONDS)
                await _pause(stopping, rest)
            continue
        writer.wakeup.clear()
        wakeup = asyncio.ensure_future(writer.wakeup.wait())
        stop = asyncio.ensure_future(stopping.wait())
        _, waiting = await asyncio.wait({wakeup, stop}, timeout=1.0, return_when="FIRST_COMPLETED")
        for task in waiting:
            task.cancel()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    templates = make_templates(settings.templates_dir)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = start(settings)
        app.state.runtime = runtime
        writer = DeliveryWriter(runtime.engine)
        writer.start()
        app.state.delivery_writer = writer
        processor = None
        stopping = asyncio.Event()
        if settings.process_deliveries:
            processor = asyncio.create_task(_process_continuously(runtime, writer, stopping))
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
            Route("/webhooks/meta", MetaWebhook(settings), methods=["GET", "HEAD", "POST"]),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
