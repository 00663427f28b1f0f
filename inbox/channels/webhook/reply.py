"""A reply POSTed as signed JSON to an API page's reply webhook.

The request::

    POST <reply_webhook>
    Content-Type: application/json
    Idempotency-Key: <the same for every attempt at one reply>
    X-Inbox-Timestamp: <when it was sent, Unix seconds>
    X-Inbox-Signature-256: sha256=<hex HMAC-SHA256 of the body bytes under the secret>

The body is the payload as compact JSON with sorted keys, UTF-8 (not escaped to
ASCII). A receiver verifies it by computing HMAC-SHA256 with the shared secret
over the raw body bytes exactly as received (before any JSON parsing), writing it
as lowercase hex after ``sha256=`` and comparing with the header in constant time
(``hmac.compare_digest``), refusing the request (401) when they differ. It
treats a second request with an Idempotency-Key it has already taken as the same
reply, answering 2xx again without acting twice. The signature covers the body
only, not the timestamp or the key: a payload that must not be replayed carries
its own identity (the reply's id) inside the body.

``post_reply`` returns the 2xx status, or raises one of ``inbox.core.send_outcome``'s
errors:

- 4xx except 408 and 429, and a 3xx (no redirect is followed) →
  ``SendRejected(permanent=True)``;
- 408, 429 and 5xx → ``SendRejected(permanent=False)``, with ``retry_after`` (in
  seconds) when the answer carried a ``Retry-After``;
- an address that is not http(s) → ``SendRejected(permanent=True)``;
- no connection (refused, unknown host, a connect timeout, the proxy out of
  reach), or a request that could not be written at all → ``SendNotSent``;
- a timeout or a broken connection once the request was on its way →
  ``SendUncertain``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from inbox.core.send_outcome import SendNotSent, SendRejected, SendUncertain
from inbox.core.text import Text

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "encode_body",
    "post_reply",
    "sign",
]

SIGNATURE_HEADER = "X-Inbox-Signature-256"
TIMESTAMP_HEADER = "X-Inbox-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_TEMPORARY = frozenset({408, 429})
_DETAIL_CHARS = 300


def encode_body(payload: dict[str, Any]) -> bytes:
    """Compact JSON, sorted keys, UTF-8: the exact bytes that are signed and sent."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _rejected(response: httpx.Response, now: float) -> SendRejected:
    status = response.status_code
    detail = f"HTTP {status}: {response.text[:_DETAIL_CHARS]}".strip()
    if status in _TEMPORARY or status >= 500:
        return SendRejected(
            Text("Mottagaren kunde inte ta emot svaret just nu (HTTP %(status)s).", status=status),
            Text("Svaret skickas igen senare."),
            permanent=False,
            detail=detail,
            retry_after=_retry_after(response.headers.get("Retry-After"), now),
        )
    if 300 <= status < 400:
        return SendRejected(
            Text(
                "Mottagaren hänvisade svaret till en annan adress (HTTP %(status)s).", status=status
            ),
            Text("Att skicka igen hjälper inte. Ändra sidans reply_webhook till den nya adressen."),
            permanent=True,
            detail=f"{detail} Location: {response.headers.get('Location', '')}".strip(),
        )
    return SendRejected(
        Text("Mottagaren vägrade ta emot svaret (HTTP %(status)s).", status=status),
        Text(
            "Att skicka igen hjälper inte. Kontrollera sidans reply_webhook och hemlighet, "
            "eller nå personen på annat sätt."
        ),
        permanent=True,
        detail=detail,
    )


def post_reply(
    url: str,
    secret: str,
    *,
    idempotency_key: str,
    payload: dict[str, Any],
    timeout: float,
    now: datetime | None = None,
) -> int:
    """POST the signed reply; see the module docstring for what each outcome means.

    ``timeout`` (seconds) bounds connecting, sending and waiting for the answer
    each; ``now`` is the timestamp sent (the current time when left out).
    """
    body = encode_body(payload)
    sent_at = now.timestamp() if now is not None else time.time()
    headers = {
        "Content-Type": "application/json",
        IDEMPOTENCY_HEADER: idempotency_key,
        TIMESTAMP_HEADER: str(int(sent_at)),
        SIGNATURE_HEADER: sign(secret, body),
    }
    limits = httpx.Timeout(connect=timeout, read=timeout, write=timeout, pool=timeout)
    try:
        with httpx.Client(timeout=limits, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise SendRejected(
            Text(
                "Sidans adress för svar (reply_webhook) är ingen giltig http- eller https-adress."
            ),
            Text("Rätta reply_webhook för sidan. Att skicka igen hjälper inte innan dess."),
            permanent=True,
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    except (
        httpx.ConnectError,
        httpx.ConnectTimeout,
        httpx.PoolTimeout,
        httpx.ProxyError,
        httpx.LocalProtocolError,
    ) as exc:
        raise SendNotSent(
            Text("Svaret kunde inte skickas: mottagarens server gick inte att nå."),
            Text(
                "Inget skickades, så det går att försöka igen. Kontrollera sidans reply_webhook "
                "om det fortsätter."
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    except httpx.TransportError as exc:  # timeouts and broken connections once it was sent
        raise SendUncertain(
            Text(
                "Svaret skickades till mottagaren, men inget besked om att det togs emot kom "
                "tillbaka."
            ),
            Text(
                "Det kan ha kommit fram. Skicka igen bara med samma Idempotency-Key, eller "
                "kontrollera först hos mottagaren."
            ),
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    if response.is_success:
        return response.status_code
    raise _rejected(response, sent_at)
