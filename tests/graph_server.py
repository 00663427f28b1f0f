"""A Graph API on loopback: the endpoints the Meta sender calls, in Meta's shapes.

It checks the version prefix and the page token (``access_token`` in the query
or the form body), parses the body, records every request, keeps the objects it
knows (posts, comments, messages) and answers as Meta does. Each
``(method, path)`` can be scripted: a given error (status, body, usage headers),
an answer held until an event is set (after the work is done and the request
recorded: the "answer lost" case), or a connection closed without an answer;
and a step may call back once the work is done (to move a test's clock) or
once the answer is written (to kill the process that asked).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CREATED_TIME = "2025-03-04T09:30:00+0000"
NOT_FOUND_SUBCODE = 33


def graph_error(
    code: int,
    message: str = "An error occurred",
    *,
    subcode: int | None = None,
    type_: str = "OAuthException",
    is_transient: bool | None = None,
    fbtrace_id: str = "AbCdEfGhIjK",
) -> dict[str, Any]:
    """An error body the way Graph writes one."""
    error: dict[str, Any] = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if is_transient is not None:
        error["is_transient"] = is_transient
    error["fbtrace_id"] = fbtrace_id
    return {"error": error}


@dataclass
class Scripted:
    """What the server does with the next request to one method and path.

    With ``status`` it answers that status, ``body`` and ``headers`` (and does
    nothing else); without, it does the normal work and answers normally. In
    both cases the answer waits for ``hold`` to be set, and ``close`` drops the
    connection instead of answering: the work is done, the answer is lost.
    ``on_request`` is called with the recorded request once the work is done
    and before anything is answered; ``after`` once the answer is written (or
    the connection dropped).
    """

    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    hold: threading.Event | None = None
    close: bool = False
    on_request: Callable[[Recorded], None] | None = None
    after: Callable[[], None] | None = None


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, str]
    form: dict[str, Any]
    headers: dict[str, str]
    token: str | None
    token_in: str | None  # "query", "form" or None


class GraphServer:
    def __init__(
        self,
        tokens: dict[str, str],
        *,
        version: str = "v23.0",
        page_names: dict[str, str] | None = None,
    ) -> None:
        self.tokens = dict(tokens)  # token -> page id
        self.version = version
        self.page_names = dict(page_names or {})
        self.objects: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.held = threading.Event()  # set when a held answer starts waiting
        # The created_time the platform gives what it makes (a test moves it with its clock).
        self.stamp = CREATED_TIME
        self._scripts: dict[tuple[str, str], deque[Scripted]] = defaultdict(deque)
        self._holds: list[threading.Event] = []
        self._lock = threading.Lock()
        self._counter = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_DELETE(self) -> None:
                server._handle(self, "DELETE")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # --- set-up ------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        """Lets every held answer go."""
        with self._lock:
            holds = list(self._holds)
        for event in holds:
            event.set()

    def add_object(self, object_id: str, **fields: Any) -> dict[str, Any]:
        obj = {"id": object_id, "created_time": self.stamp, **fields}
        with self._lock:
            self.objects[object_id] = obj
        return obj

    def script(self, method: str, path: str, *steps: Scripted) -> None:
        """Queues what the next requests to ``method path`` get, in order."""
        with self._lock:
            for step in steps:
                if step.hold is not None:
                    self._holds.append(step.hold)
                self._scripts[(method, path)].append(step)

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path == path)
            ]

    # --- serving -----------------------------------------------------------

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        kind = (handler.headers.get("Content-Type") or "").split(";")[0].strip()
        form: dict[str, Any] = {}
        if kind == "application/x-www-form-urlencoded":
            form = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        elif kind == "application/json" and raw:
            loaded = json.loads(raw)
            form = loaded if isinstance(loaded, dict) else {}
        token_in = (
            "query" if "access_token" in params else "form" if "access_token" in form else None
        )
        token = params.get("access_token") or form.get("access_token")
        recorded = Recorded(
            method=method,
            path=split.path,
            params=params,
            form=form,
            headers={k.lower(): v for k, v in handler.headers.items()},
            token=token,
            token_in=token_in,
        )
        with self._lock:
            self.requests.append(recorded)
            queue = self._scripts.get((method, split.path))
            step = queue.popleft() if queue else None

        if step is not None and step.status is not None:
            status, body = step.status, step.body
        else:
            status, body = self._answer(recorded)
        if step is not None and step.on_request is not None:
            step.on_request(recorded)
        if step is not None and step.hold is not None:
            self.held.set()
            step.hold.wait(timeout=30)
        if step is not None and step.close:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._send(handler, status, body, step.headers if step else {})
        if step is not None and step.after is not None:
            step.after()

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str]
    ) -> None:
        if isinstance(body, (bytes, str)):
            data = body.encode() if isinstance(body, str) else body
            kind = "text/html; charset=utf-8"
        elif body is None:
            data, kind = b"", "text/plain"
        else:
            data, kind = json.dumps(body).encode(), "application/json; charset=UTF-8"
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting
            pass

    def _answer(self, r: Recorded) -> tuple[int, Any]:
        prefix = f"/{self.version}/"
        if not r.path.startswith(prefix):
            return 400, graph_error(2500, "Unknown path components: " + r.path)
        page_id = self.tokens.get(r.token or "")
        if page_id is None:
            return 400, graph_error(190, "Invalid OAuth access token - Cannot parse access token")
        parts = r.path[len(prefix) :].split("/")
        if parts == ["me"] and r.method == "GET":
            return 200, {"id": page_id, "name": self.page_names.get(page_id, "")}
        if len(parts) == 2 and parts[1] == "messages" and r.method == "POST":
            return self._message(page_id, parts[0], r.form)
        if len(parts) == 2 and parts[1] == "conversations" and r.method == "GET":
            return self._conversations(page_id, parts[0], r.params)
        obj = self.objects.get(parts[0])
        if obj is None or obj.get("deleted"):
            return 400, graph_error(
                100,
                f"Unsupported {r.method.lower()} request. Object with ID '{parts[0]}' does not "
                "exist, cannot be loaded due to missing permissions, or does not support "
                "this operation.",
                subcode=NOT_FOUND_SUBCODE,
                type_="GraphMethodException",
            )
        if len(parts) == 2 and parts[1] in ("comments", "replies") and r.method == "GET":
            return 200, {"data": self._replies(obj["id"], instagram=parts[1] == "replies")}
        if len(parts) == 2 and parts[1] in ("comments", "replies") and r.method == "POST":
            return self._comment(page_id, obj, r.form, instagram=parts[1] == "replies")
        if len(parts) == 1 and r.method == "POST":
            return self._moderate(obj, r.form)
        if len(parts) == 1 and r.method == "DELETE":
            with self._lock:
                obj["deleted"] = True
            return 200, {"success": True}
        if len(parts) == 1 and r.method == "GET":
            wanted = r.params.get("fields", "id").split(",")
            return 200, {k: obj[k] for k in wanted if k in obj}
        return 400, graph_error(100, "Unknown path components", type_="GraphMethodException")

    def _comment(
        self, page_id: str, parent: dict[str, Any], form: dict[str, Any], *, instagram: bool
    ) -> tuple[int, Any]:
        message = form.get("message")
        if not message:
            return 400, graph_error(100, "(#100) The parameter message is required")
        n = self._next_id()
        new_id = f"1789{n:012d}" if instagram else f"{parent['id'].split('_')[0]}_{n}"
        author = {"id": page_id, "name": self.page_names.get(page_id, "")}
        self.add_object(new_id, message=message, parent_id=parent["id"], **{"from": author})
        return 200, {"id": new_id}

    def _replies(self, parent_id: str, *, instagram: bool) -> list[dict[str, Any]]:
        """Replies under a comment, newest first, in Facebook's or Instagram's shape."""
        with self._lock:
            found = [
                o
                for o in self.objects.values()
                if o.get("parent_id") == parent_id and not o.get("deleted")
            ]
        found.reverse()
        if not instagram:
            return [
                {k: o[k] for k in ("id", "message", "from", "created_time") if k in o}
                for o in found
            ]
        return [
            {
                "id": o["id"],
                "text": o.get("message", ""),
                "timestamp": o.get("created_time"),
                "username": (o.get("from") or {}).get("name", ""),
                "from": {
                    "id": (o.get("from") or {}).get("id", ""),
                    "username": (o.get("from") or {}).get("name", ""),
                },
            }
            for o in found
        ]

    def _conversations(self, page_id: str, target: str, params: dict[str, str]) -> tuple[int, Any]:
        """``GET /{page-id}/conversations?user_id=...``: the messages with one person."""
        if target != page_id:
            return 403, graph_error(200, "(#200) The token is not for this page")
        user = params.get("user_id", "")
        if params.get("platform") not in ("messenger", "instagram") or not user:
            return 400, graph_error(100, "(#100) Param user_id and platform are required")
        with self._lock:
            messages = [
                {k: o[k] for k in ("id", "message", "from", "created_time") if k in o}
                for o in self.objects.values()
                if "to" in o and (o.get("to") == user or (o.get("from") or {}).get("id") == user)
            ]
        messages.reverse()
        if not messages:
            return 200, {"data": []}
        return 200, {"data": [{"id": f"t_{user}", "messages": {"data": messages[:25]}}]}

    def _moderate(self, obj: dict[str, Any], form: dict[str, Any]) -> tuple[int, Any]:
        field_name = "is_hidden" if "is_hidden" in form else "hide" if "hide" in form else None
        if field_name is None or form[field_name] not in ("true", "false"):
            return 400, graph_error(100, "(#100) No fields to update")
        with self._lock:
            obj["is_hidden"] = form[field_name] == "true"
        return 200, {"success": True}

    def _message(self, page_id: str, target: str, form: dict[str, Any]) -> tuple[int, Any]:
        if target != page_id:
            return 403, graph_error(200, "(#200) The token is not for this page")
        try:
            recipient = json.loads(form.get("recipient", ""))
            message = json.loads(form.get("message", ""))
        except ValueError:
            return 400, graph_error(100, "(#100) param recipient must be a JSON object")
        if not isinstance(recipient, dict) or not isinstance(message, dict):
            return 400, graph_error(100, "(#100) param recipient must be a JSON object")
        text = message.get("text")
        if not isinstance(text, str) or not text:
            return 400, graph_error(100, "(#100) Must send either message or state")
        if "comment_id" in recipient:
            comment = self.objects.get(str(recipient["comment_id"]))
            if comment is None:
                return 400, graph_error(100, "(#100) Invalid comment_id", subcode=2018001)
            psid = str((comment.get("from") or {}).get("id", ""))
        elif "id" in recipient:
            kind = form.get("messaging_type")
            if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
                return 400, graph_error(100, "(#100) Param messaging_type is required")
            if kind == "MESSAGE_TAG" and not form.get("tag"):
                return 400, graph_error(100, "(#100) Param tag is required")
            psid = str(recipient["id"])
        else:
            return 400, graph_error(100, "(#100) Param recipient[id] must be a valid ID string")
        mid = f"m_{self._next_id():06d}"
        self.add_object(mid, message=text, to=psid, **{"from": {"id": page_id}})
        return 200, {"recipient_id": psid, "message_id": mid}
