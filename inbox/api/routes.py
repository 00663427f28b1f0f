"""``/api/v1``: items in, answers given elsewhere, items and the report out.

Every call needs ``Authorization: Bearer <token>`` (``inbox tokens create``).
Errors are JSON ``{"error": code, "detail": ...}``; input is validated by the
models in ``inbox.api.schemas`` and never reaches the database unchecked.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from inbox.actions import audit, intake, item_work, responses
from inbox.api import schemas
from inbox.api.openapi import openapi_document
from inbox.channels.outbound import offer
from inbox.core.incoming import NewItem
from inbox.core.sla import SlaState
from inbox.core.text import swedish
from inbox.core.timeutil import implausible, utcnow
from inbox.core.tokens import bearer_token, hash_token
from inbox.runtime import Runtime
from inbox.store import items as item_reads
from inbox.store import people
from inbox.store.db import session_scope
from inbox.store.models import EPOCH, Outbound, to_epoch_us
from inbox.store.queries import ItemFilter, item_by_id, list_items
from inbox.store.report import build_report

PREFIX = "/api/v1"
MAX_BODY = 1024 * 1024
API_ACTOR = "api"
M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        detail: str | list[dict[str, str]],
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers

    def response(self) -> JSONResponse:
        return error_response(self.status, self.error, self.detail, self.headers)


def error_response(
    status: int,
    error: str,
    detail: str | list[dict[str, str]],
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def field_error(loc: str, msg: str) -> ApiError:
    return ApiError(422, "invalid_request", [{"loc": loc, "msg": msg}])


def _validation_error(exc: ValidationError, where: str) -> ApiError:
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    if any(e["type"] == "json_invalid" for e in errors):
        return ApiError(400, "invalid_json", errors[0]["msg"])
    detail = []
    for e in errors:
        loc = ".".join([where, *(str(part) for part in e["loc"])])
        detail.append({"loc": loc, "msg": e["msg"].removeprefix("Value error, ")})
    return ApiError(422, "invalid_request", detail)


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _token_scopes(engine: Engine, token: str) -> tuple[str, set[str]] | None:
    """The token's name and scopes, or None when it is unknown or revoked."""
    with session_scope(engine) as session:
        return people.live_token(session, hash_token(token))


def _unauthorized(detail: str, error: str = "") -> ApiError:
    challenge = 'Bearer realm="inbox"' + (f', error="{error}"' if error else "")
    return ApiError(401, "unauthorized", detail, {"WWW-Authenticate": challenge})


Handler = Callable[[Request], Awaitable[Response]]


def _api(handler: Handler, scope: str = "read") -> Handler:
    """Authenticate and authorise (the token needs ``scope``), then run the handler;
    an ApiError becomes its JSON answer."""

    async def endpoint(request: Request) -> Response:
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is None:
                raise _unauthorized("send Authorization: Bearer <token>")
            found = await run_in_threadpool(_token_scopes, _runtime(request).engine, token)
            if found is None:
                raise _unauthorized("the token is unknown or revoked", "invalid_token")
            name, scopes = found
            if scope not in scopes:
                raise ApiError(
                    403,
                    "forbidden",
                    f"the token {name!r} lacks the {scope!r} scope "
                    f"(inbox tokens create NAME --scope {scope})",
                )
            request.state.token_name = name
            return await handler(request)
        except ApiError as exc:
            return exc.response()

    return endpoint


async def _json_body(request: Request, model: type[M]) -> M:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")
    size = 0
    chunks = []
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")
        chunks.append(chunk)
    try:
        return model.model_validate_json(b"".join(chunks))
    except ValidationError as exc:
        raise _validation_error(exc, "body") from None


def _query(request: Request, model: type[M], lists: tuple[str, ...] = ()) -> M:
    params: dict[str, Any] = dict(request.query_params)
    for name in lists:
        params[name] = request.query_params.getlist(name)
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        raise _validation_error(exc, "query") from None


def _item_id(request: Request) -> int:
    raw = str(request.path_params["item_id"])
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= schemas.MAX_ITEM_ID:
        raise ApiError(404, "not_found", f"no item with id {raw!r}")
    return int(raw)


def _item_json(engine: Engine, item_id: int, now: datetime) -> dict[str, Any]:
    with engine.connect() as conn:
        row = item_by_id(conn, item_id, now=now)
    if row is None:
        raise ApiError(404, "not_found", f"no item with id {item_id}")
    return schemas.ItemOut.model_validate(row).model_dump(mode="json")


def _item_detail(engine: Engine, item_id: int, now: datetime) -> dict[str, Any]:
    body = _item_json(engine, item_id, now)
    with session_scope(engine) as session:
        body["outbound"] = [_outbound_json(o) for o in item_reads.outbound_for(session, item_id)]
    return schemas.ItemDetail.model_validate(body).model_dump(mode="json")


def _outbound_json(action: Outbound) -> dict[str, Any]:
    body = schemas.OutboundOut.model_validate(action, from_attributes=True).model_dump(mode="json")
    body["error"] = swedish(action.error) or None  # as stored: a message to translate
    return body


def _plausible(loc: str, at: datetime, now: datetime) -> None:
    why = implausible(at, now)
    if why is not None:
        raise field_error(loc, f"{at.isoformat()} {why}")


def _create_item(rt: Runtime, data: schemas.ItemIn, now: datetime) -> tuple[dict[str, Any], bool]:
    _plausible("body.received_at", data.received_at, now)
    with session_scope(rt.engine) as session:
        page = item_reads.page_by_key(session, data.page)
        if page is None:
            raise field_error("body.page", f"unknown page {data.page!r}")
        new = NewItem(
            page=page.key,
            external_id=data.external_id,
            received_at=data.received_at,
            text=data.text,
            channel=data.channel,
            kind=data.kind,
            author=data.author,
            post_id=data.post_id,
            parent_id=data.parent_id,
            conversation_id=data.conversation_id,
        )
        item, created = intake.ingest_one(
            session, new, page=page, actor=API_ACTOR, now=now, calendar=rt.calendar, rules=rt.rules
        )
        item_id = item.id or 0
    return _item_json(rt.engine, item_id, now), created


async def post_item(request: Request) -> Response:
    data = await _json_body(request, schemas.ItemIn)
    body, created = await run_in_threadpool(_create_item, _runtime(request), data, utcnow())
    headers = {"Location": f"{PREFIX}/items/{body['id']}"}
    return JSONResponse(body, status_code=201 if created else 200, headers=headers)


async def get_item(request: Request) -> Response:
    item_id = _item_id(request)
    body = await run_in_threadpool(_item_detail, _runtime(request).engine, item_id, utcnow())
    return JSONResponse(body)


def _idempotency_key(request: Request) -> str:
    key = request.headers.get("idempotency-key", "").strip()
    if not 8 <= len(key) <= 64 or not key.isascii() or not key.isprintable():
        raise ApiError(
            422,
            "invalid",
            "send an Idempotency-Key header (8-64 printable ASCII characters, one per reply): "
            "a retried request with the same key is sent once",
        )
    return key


def _queue(
    rt: Runtime,
    item_id: int,
    actor: str,
    key: str,
    now: datetime,
    body: schemas.ReplyIn | schemas.ModerationIn,
) -> dict[str, Any]:
    with session_scope(rt.engine) as session:
        item = item_reads.item_by_id(session, item_id)
        if item is None:
            raise ApiError(404, "not_found", f"no item with id {item_id}")
        page = item_reads.page_of(session, item)
        can = offer.sending_of(session, item, page, rt.settings, now)
        try:
            if isinstance(body, schemas.ReplyIn):
                action = offer.queue_reply(
                    session,
                    item,
                    can,
                    text=body.text,
                    private=body.private,
                    key=key,
                    actor=actor,
                    actor_name=actor,
                    now=now,
                )
            else:
                option = {"hide": can.hide, "unhide": can.unhide, "delete": can.delete}[body.action]
                if body.action in ("hide", "delete") and body.reason is None:
                    raise field_error("body.reason", "a removal needs its reason")
                action = offer.queue_moderation(
                    session,
                    item,
                    option,
                    key=key,
                    actor=actor,
                    actor_name=actor,
                    now=now,
                    reason=body.reason,
                    detail=body.detail or None,
                )
                if body.action in ("hide", "delete") and item.resolution != "removed":
                    item_work.remove_item(
                        session,
                        item,
                        reason=body.reason or "annat",
                        detail=body.detail or "via API",
                        actor=actor,
                        now=now,
                    )
        except audit.ActionError as exc:
            raise ApiError(409, "cannot_send", str(exc)) from None
        session.flush()
        return _outbound_json(action)


async def post_reply(request: Request) -> Response:
    item_id = _item_id(request)
    key = _idempotency_key(request)
    data = await _json_body(request, schemas.ReplyIn)
    actor = f"api:{request.state.token_name}"
    body = await run_in_threadpool(_queue, _runtime(request), item_id, actor, key, utcnow(), data)
    return JSONResponse(body, status_code=202)


async def post_moderation(request: Request) -> Response:
    item_id = _item_id(request)
    key = _idempotency_key(request)
    data = await _json_body(request, schemas.ModerationIn)
    actor = f"api:{request.state.token_name}"
    body = await run_in_threadpool(_queue, _runtime(request), item_id, actor, key, utcnow(), data)
    return JSONResponse(body, status_code=202)


def _record_response(
    rt: Runtime, item_id: int, data: schemas.ResponseIn, now: datetime
) -> dict[str, Any]:
    _plausible("body.sent_at", data.sent_at, now)
    with session_scope(rt.engine) as session:
        item = item_reads.item_by_id(session, item_id)
        if item is None:
            raise ApiError(404, "not_found", f"no item with id {item_id}")
        try:
            response = responses.record_response(
                session,
                item,
                author=data.author,
                text=data.text,
                sent_at=data.sent_at,
                source="api",
                now=now,
                calendar=rt.calendar,
            )
        except audit.ActionError as exc:
            raise field_error("body.sent_at", str(exc)) from None
        session.flush()
        out: dict[str, Any] = {
            "id": response.id,
            "item_id": item_id,
            "author": response.author,
            "text": response.text,
            "sent_at": response.sent_at,
            "source": response.source,
        }
    out["item"] = _item_json(rt.engine, item_id, now)
    return schemas.ResponseOut.model_validate(out).model_dump(mode="json")


async def post_response(request: Request) -> Response:
    item_id = _item_id(request)
    data = await _json_body(request, schemas.ResponseIn)
    body = await run_in_threadpool(_record_response, _runtime(request), item_id, data, utcnow())
    return JSONResponse(body, status_code=201)


def encode_cursor(position: tuple[datetime, int]) -> str:
    raw = f"{to_epoch_us(position[0])}.{position[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        micros, _, item_id = raw.partition(".")
        position = (EPOCH + int(micros) * timedelta(microseconds=1), int(item_id))
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError, OSError):
        raise field_error("query.cursor", "not a cursor given by this API") from None
    if not (
        schemas.EARLIEST <= position[0] < schemas.LATEST and 0 < position[1] <= schemas.MAX_ITEM_ID
    ):
        raise field_error("query.cursor", "not a cursor given by this API")
    return position


def _list_items(rt: Runtime, query: schemas.ItemFilters, now: datetime) -> dict[str, Any]:
    page_id = None
    if query.page is not None:
        with session_scope(rt.engine) as session:
            page = item_reads.page_by_key(session, query.page)
        if page is None:
            raise field_error("query.page", f"unknown page {query.page!r}")
        page_id = page.id
    after = decode_cursor(query.cursor) if query.cursor is not None else None
    filters = ItemFilter(
        page_id=page_id,
        status=query.status,
        sla_state=SlaState(query.sla_state) if query.sla_state else None,
        department=query.department,
        topic=query.topic,
        received_from=query.received_from,
        received_to=query.received_to,
    )
    with rt.engine.connect() as conn:
        rows, position = list_items(conn, filters, now=now, limit=query.limit, after=after)
    items = [schemas.ItemOut.model_validate(row).model_dump(mode="json") for row in rows]
    next_cursor = encode_cursor(position) if position is not None else None
    next_url = None
    if next_cursor is not None:
        params = query.model_dump(mode="json", exclude_none=True, exclude={"cursor"})
        next_url = f"{PREFIX}/items?{urlencode({**params, 'cursor': next_cursor})}"
    return {"items": items, "next_cursor": next_cursor, "next": next_url}


async def get_items(request: Request) -> Response:
    query = _query(request, schemas.ItemFilters)
    body = await run_in_threadpool(_list_items, _runtime(request), query, utcnow())
    return JSONResponse(body)


def _report(rt: Runtime, query: schemas.ReportQuery, now: datetime) -> dict[str, Any]:
    if query.end <= query.start:
        raise field_error("query.to", "must be after from")
    try:
        with rt.engine.connect() as conn:
            report = build_report(
                conn,
                start=query.start,
                end=query.end,
                as_of=query.as_of or now,
                page_keys=query.page or None,
            )
    except LookupError as exc:
        raise field_error("query.page", str(exc).strip("'\"")) from None
    return report.as_json()


async def get_report(request: Request) -> Response:
    query = _query(request, schemas.ReportQuery, lists=("page",))
    body = await run_in_threadpool(_report, _runtime(request), query, utcnow())
    return JSONResponse(body)


async def get_openapi(_request: Request) -> Response:
    return JSONResponse(openapi_document())


def api_routes() -> list[BaseRoute]:
    return [
        Route(f"{PREFIX}/items", _api(post_item, "items"), methods=["POST"]),
        Route(f"{PREFIX}/items", _api(get_items), methods=["GET"]),
        Route(f"{PREFIX}/items/{{item_id}}", _api(get_item), methods=["GET"]),
        Route(
            f"{PREFIX}/items/{{item_id}}/responses", _api(post_response, "items"), methods=["POST"]
        ),
        Route(f"{PREFIX}/items/{{item_id}}/replies", _api(post_reply, "reply"), methods=["POST"]),
        Route(
            f"{PREFIX}/items/{{item_id}}/moderation",
            _api(post_moderation, "reply"),
            methods=["POST"],
        ),
        Route(f"{PREFIX}/report", _api(get_report), methods=["GET"]),
        Route(f"{PREFIX}/openapi.json", _api(get_openapi), methods=["GET"]),
    ]


_REASONS = {404: "not_found", 405: "method_not_allowed"}


def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 and the like, as JSON under the API and as text elsewhere."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(PREFIX + "/") or request.url.path == PREFIX:
        return error_response(
            exc.status_code,
            _REASONS.get(exc.status_code, "http_error"),
            exc.detail,
            dict(exc.headers) if exc.headers else None,
        )
    return Response(exc.detail, status_code=exc.status_code, headers=exc.headers)
