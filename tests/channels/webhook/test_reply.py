"""Replies POSTed to a real HTTP server on loopback: signature, key, every outcome."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from inbox.channels.webhook.reply import encode_body, post_reply, sign
from inbox.core.send_outcome import SendNotSent, SendRejected, SendUncertain
from tests.notify_servers import free_port

SECRET = "delad-hemlighet-åäö"
KEY = "reply-42-attempt-independent"
NOW = datetime(2026, 11, 16, 13, 5, tzinfo=UTC)
PAYLOAD: dict[str, Any] = {
    "item": "form-17",
    "text": "Hej Åsa! Vi svarar i veckan. 😊",
    "author": "Kommunikatör",
    "sent_at": "2026-11-16T13:05:00Z",
}


@dataclass
class Behaviour:
    """What the server answers: a status and headers, or ``hold`` (answer only once
    the event is set), or ``hang_up`` (close without an answer)."""

    status: int = 204
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    hang_up: bool = False


@dataclass
class Receiver:
    url: str
    behaviour: Behaviour
    requests: list[tuple[dict[str, str], bytes]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    behaviour = Behaviour()
    requests: list[tuple[dict[str, str], bytes]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:
                requests.append((dict(self.headers.items()), body))
            if behaviour.hang_up:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour.hold is not None:
                behaviour.hold.wait()
            self.send_response(behaviour.status)
            for name, value in behaviour.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/svar", behaviour, requests)
    finally:
        if behaviour.hold is not None:
            behaviour.hold.set()
        server.shutdown()
        server.server_close()
        thread.join()


def post(url: str, timeout: float = 5.0) -> int:
    return post_reply(url, SECRET, idempotency_key=KEY, payload=PAYLOAD, timeout=timeout, now=NOW)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a receiver does, written from the documented scheme alone."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Inbox-Signature-256"])


def test_the_reply_arrives_signed_with_its_key(receiver: Receiver) -> None:
    assert post(receiver.url) == 204
    [(headers, body)] = receiver.requests
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == KEY
    assert headers["X-Inbox-Timestamp"] == str(int(NOW.timestamp()))
    assert verify(SECRET, headers, body)
    assert not verify("en annan hemlighet", headers, body)
    assert json.loads(body) == PAYLOAD


def test_the_body_is_compact_sorted_utf8(receiver: Receiver) -> None:
    post(receiver.url)
    [(_, body)] = receiver.requests
    assert body == encode_body(PAYLOAD)
    assert body.startswith(b'{"author":"Kommunikat\xc3\xb6r","item":"form-17",')
    assert b" " not in body.split(b'"text":')[0]
    assert "😊".encode() in body


def test_a_changed_body_no_longer_verifies(receiver: Receiver) -> None:
    post(receiver.url)
    [(headers, body)] = receiver.requests
    assert not verify(SECRET, headers, body.replace(b"veckan", b"morgon"))
    assert sign(SECRET, body) == headers["X-Inbox-Signature-256"]


def test_a_repeat_carries_the_same_key_and_signature(receiver: Receiver) -> None:
    post(receiver.url)
    post(receiver.url)
    first, second = receiver.requests
    assert first == second


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_success(receiver: Receiver, status: int) -> None:
    receiver.behaviour.status = status
    assert post(receiver.url) == status


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
def test_4xx_is_a_permanent_rejection(receiver: Receiver, status: int) -> None:
    receiver.behaviour.status = status
    with pytest.raises(SendRejected) as caught:
        post(receiver.url)
    assert caught.value.permanent
    assert f"HTTP {status}" in caught.value.message_sv
    assert "hjälper inte" in caught.value.advice_sv
    assert caught.value.detail == f"HTTP {status}: ok"


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_408_429_and_5xx_are_temporary(receiver: Receiver, status: int) -> None:
    receiver.behaviour.status = status
    with pytest.raises(SendRejected) as caught:
        post(receiver.url)
    assert not caught.value.permanent
    assert caught.value.retry_after is None
    assert "igen senare" in caught.value.advice_sv


def test_429_honours_retry_after_in_seconds(receiver: Receiver) -> None:
    receiver.behaviour.status = 429
    receiver.behaviour.headers = {"Retry-After": "120"}
    with pytest.raises(SendRejected) as caught:
        post(receiver.url)
    assert not caught.value.permanent
    assert caught.value.retry_after == 120


def test_retry_after_as_a_date_counts_from_the_time_sent(receiver: Receiver) -> None:
    receiver.behaviour.status = 503
    receiver.behaviour.headers = {"Retry-After": "Mon, 16 Nov 2026 13:10:00 GMT"}
    with pytest.raises(SendRejected) as caught:
        post(receiver.url)
    assert caught.value.retry_after == 300


def test_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.behaviour.status = 301
    receiver.behaviour.headers = {"Location": "https://ny.exempel.se/svar"}
    with pytest.raises(SendRejected) as caught:
        post(receiver.url)
    assert caught.value.permanent
    assert "https://ny.exempel.se/svar" in caught.value.detail
    assert len(receiver.requests) == 1


def test_nothing_listening_is_not_sent() -> None:
    with pytest.raises(SendNotSent) as caught:
        post(f"http://127.0.0.1:{free_port()}/svar")
    assert "gick inte att nå" in caught.value.message_sv
    assert "ConnectError" in caught.value.detail


def test_an_unknown_host_is_not_sent() -> None:
    with pytest.raises(SendNotSent):
        post("http://svar.invalid/svar")


@pytest.mark.parametrize("url", ["ftp://exempel.se/svar", "inte en adress"])
def test_an_address_that_is_not_http_is_a_permanent_rejection(url: str) -> None:
    with pytest.raises(SendRejected) as caught:
        post(url)
    assert caught.value.permanent
    assert "reply_webhook" in caught.value.message_sv


def test_no_answer_before_the_timeout_is_uncertain(receiver: Receiver) -> None:
    receiver.behaviour.hold = threading.Event()
    with pytest.raises(SendUncertain) as caught:
        post(receiver.url, timeout=0.5)
    assert len(receiver.requests) == 1  # the receiver has it
    assert verify(SECRET, *receiver.requests[0])
    assert "ReadTimeout" in caught.value.detail
    assert "samma Idempotency-Key" in caught.value.advice_sv


def test_a_connection_closed_without_an_answer_is_uncertain(receiver: Receiver) -> None:
    receiver.behaviour.hang_up = True
    with pytest.raises(SendUncertain):
        post(receiver.url)
    assert len(receiver.requests) == 1
