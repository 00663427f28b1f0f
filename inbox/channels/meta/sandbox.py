"""A Graph API stand-in for the demo: the sender's calls answered the way Meta answers.

Mounted only when ``INBOX_META_GRAPH_URL`` points at this server's own
``/sandbox/graph`` (``inbox demo`` sets it so), so that a new user sees the whole
loop (a reply queued, sent, "Skickat till Facebook 10:42") with nothing reaching
Meta. It accepts the ``sandbox:`` tokens the demo stores, makes ids in Meta's
shapes, and keeps nothing; any other token gets Meta's error 190.
"""

from __future__ import annotations

import itertools
import json
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox.settings import Settings

PATH = "/sandbox/graph"
TOKEN_PREFIX = "sandbox-"  # noqa: S105 - a marker the sandbox knows, not a secret
_ids = itertools.count(1)


def enabled(settings: Settings) -> bool:
    """The app talks to itself: the Graph URL is this server's sandbox (development only)."""
    own = settings.base_url.rstrip("/") + PATH
    return settings.environment == "development" and settings.meta_graph_url.rstrip("/") == own


def demo_token(platform_id: str) -> str:
    return f"{TOKEN_PREFIX}{platform_id}"


def _error(code: int, message: str, status: int = 400) -> Response:
    body = {"error": {"message": message, "type": "OAuthException", "code": code}}
    return JSONResponse(body, status_code=status)


async def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(parse_qsl((await request.body()).decode("utf-8", "replace")))
    return params


async def graph(request: Request) -> Response:
    params = await _params(request)
    token = params.get("access_token", "")
    if not token.startswith(TOKEN_PREFIX):
        return _error(190, "Invalid OAuth access token - Cannot parse access token")
    page_id = token.removeprefix(TOKEN_PREFIX)
    parts = request.path_params["rest"].strip("/").split("/")
    if request.method == "GET" and parts == ["me"]:
        return JSONResponse({"id": page_id, "name": f"Sandlåda {page_id}"})
    n = next(_ids)
    if request.method == "DELETE" and len(parts) == 1:
        return JSONResponse({"success": True})
    if request.method == "POST" and len(parts) == 1:
        return JSONResponse({"success": True})  # is_hidden / hide
    if request.method == "POST" and len(parts) == 2 and parts[1] in ("comments", "replies"):
        return JSONResponse({"id": f"{parts[0]}_sandbox{n}"})
    if request.method == "POST" and len(parts) == 2 and parts[1] == "messages":
        recipient = json.loads(params.get("recipient", "{}") or "{}")
        return JSONResponse(
            {"recipient_id": str(recipient.get("id", "")), "message_id": f"m_sandbox{n}"}
        )
    return _error(100, "Unsupported request in the sandbox", status=400)


def sandbox_routes() -> list[Route]:
    return [
        Route(f"{PATH}/{{version}}/{{rest:path}}", graph, methods=["GET", "POST", "DELETE"]),
    ]
