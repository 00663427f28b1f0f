"""Real servers on loopback for notification tests: SMTP (aiosmtpd) and HTTP."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Capture:
    """Keeps every message; ``rcpt_reply``/``data_reply`` make the server refuse, and
    ``hold`` makes it keep its verdict on a message until the event is set."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.rcpt_reply: str | None = None
        self.data_reply = "250 OK"
        self.hold: threading.Event | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]
            self.raw.append(envelope.original_content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait)
        return self.data_reply


class SmtpServer:
    """An SMTP server capturing every message; can be stopped and started again."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.capture = _Capture()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.capture, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.capture.lock:
            return list(self.capture.messages)

    @property
    def raw(self) -> list[bytes]:
        with self.capture.lock:
            return list(self.capture.raw)


class HttpReceiver:
    """A threaded HTTP server recording JSON POSTs."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
