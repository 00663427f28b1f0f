"""``/webhooks/meta``: Meta's subscription handshake and signed deliveries.

A plain ASGI handler, not a Starlette request/response endpoint: it sits on the
hot path (thousands of deliveries a second) and needs none of the framework's
conveniences. The order of work on a POST is fixed: size limit, signature over
the raw bytes, shape check, durable storage, then the 200. Items are made
later, from storage, by the processor.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import parse_qs

from inbox.channels.meta.parse import parse_delivery
from inbox.channels.meta.signature import verify_signature
from inbox.channels.meta.store import DeliveryWriter, NewDelivery
from inbox.core.incoming import MetaFormatError
from inbox.core.kinds import DeliveryStatus
from inbox.core.timeutil import utcnow
from inbox.settings import Settings

log = logging.getLogger("inbox.webhooks.meta")

MAX_BODY = 1024 * 1024  # 1 MiB
SOURCE = "meta"

Scope = dict[str, Any]


async def _answer(send: Any, status: int, text: str) -> None:
    body = text.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class MetaWebhook:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        method = scope["method"]
        if method == "POST":
            await self._deliver(scope, receive, send)
        elif method in ("GET", "HEAD"):
            await self._handshake(scope, send)
        else:
            await _answer(send, 405, "method not allowed")

    async def _handshake(self, scope: Scope, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        mode = query.get("hub.mode", [""])[0]
        token = query.get("hub.verify_token", [""])[0]
        challenge = query.get("hub.challenge", [""])[0]
        wanted = self.settings.meta_verify_token
        token_ok = bool(wanted) and hmac.compare_digest(token.encode(), wanted.encode())
        if mode != "subscribe" or not token_ok:
            log.warning("meta webhook handshake refused (mode %r)", mode)
            await _answer(send, 403, "verification failed")
            return
        await _answer(send, 200, challenge)

    async def _deliver(self, scope: Scope, receive: Any, send: Any) -> None:
        signature: str | None = None
        length: int | None = None
        for name, value in scope["headers"]:
            if name == b"x-hub-signature-256":
                signature = value.decode("latin-1")
            elif name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _answer(send, 400, "invalid Content-Length")
                    return
        if length is not None and length > MAX_BODY:
            await _answer(send, 413, "body over 1 MiB")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > MAX_BODY:
                    await _answer(send, 413, "body over 1 MiB")
                    return
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)

        # The signature covers the bytes as sent; nothing is parsed before it holds.
        if not verify_signature(body, signature, self.settings.meta_app_secret):
            client = scope.get("client") or ("?", 0)
            log.warning(
                "meta webhook: %s signature from %s (%d bytes) refused%s",
                "missing" if not signature else "wrong",
                client[0],
                size,
                "" if self.settings.meta_app_secret else "; INBOX_META_APP_SECRET is not set",
            )
            await _answer(send, 401, "invalid signature")
            return

        reason: str | None = None
        try:
            parse_delivery(body, now=utcnow())
        except MetaFormatError as exc:
            reason = exc.reason
        writer: DeliveryWriter = scope["app"].state.delivery_writer
        delivery = NewDelivery(
            source=SOURCE,
            received_at=utcnow(),
            body=body,
            status=DeliveryStatus.PENDING.value if reason is None else DeliveryStatus.FAILED.value,
            error=reason,
        )
        try:
            await writer.store(delivery)
        except Exception:
            # Not stored: Meta must retry, so this is not a 2xx.
            await _answer(send, 503, "could not store the delivery, retry")
            return
        if reason is not None:
            await _answer(send, 400, reason)
            return
        await _answer(send, 200, "EVENT_RECEIVED")
