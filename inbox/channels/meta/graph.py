"""The outgoing half of the Meta channel: a small synchronous Graph API client.

One method per thing the inbox does on Facebook, Instagram and Messenger:
answer a comment, hide or delete it, send a private reply or a Messenger
message, check a page's token, and look an object up (to settle a send whose
answer was lost). Each returns the platform's id of what it made, or True.

The page access token is passed to every call and kept nowhere: not on the
client, not in a log line, not in an exception or a repr. It travels as the
``access_token`` parameter, which is how Meta documents every one of these
endpoints: in the form body of a POST (as in Meta's own ``curl -d`` examples),
and in the query string of a GET or DELETE. httpx logs each request's URL, so
this module masks ``access_token`` in the records of the ``httpx`` and
``httpcore`` loggers.

Failures come in three kinds, and the sender must tell them apart:

* ``GraphError`` — Meta answered with an error; ``verdict`` (from
  ``inbox.core.meta_errors``) says what to do about it.
* ``NotSent`` — the request never reached Meta (refused, no such host,
  connect timeout): safe to send again.
* ``Uncertain`` — the request was written but no readable answer came back
  (read timeout, reset, protocol error, an unreadable 2xx body): Meta may have
  acted, so it must not be repeated blindly — ``lookup`` can settle it.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Any, NamedTuple

import httpx

from inbox.core.meta_errors import Verdict, classify

__all__ = [
    "DEFAULT_TIMEOUT",
    "HUMAN_AGENT",
    "MESSAGE_TAGS",
    "GraphClient",
    "GraphError",
    "GraphFailure",
    "NotSent",
    "TokenOwner",
    "Uncertain",
]

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
HUMAN_AGENT = "HUMAN_AGENT"
# The Send API's message tags (messaging_type MESSAGE_TAG).
MESSAGE_TAGS = frozenset(
    {
        "ACCOUNT_UPDATE",
        "CONFIRMED_EVENT_UPDATE",
        "CUSTOMER_FEEDBACK",
        HUMAN_AGENT,
        "POST_PURCHASE_UPDATE",
    }
)
LOOKUP_FIELDS = "id,message,from,created_time"
IG_REPLY_FIELDS = "id,text,username,from,timestamp"

_VERSION = re.compile(r"v\d+\.\d+")
# Graph ids: digits and underscores for posts and comments, "m_..." or
# "mid.…:…" for messages. Nothing that could leave the path segment.
_OBJECT_ID = re.compile(r"[0-9A-Za-z_:-][0-9A-Za-z_.:-]{0,199}")
_TOKEN_IN_TEXT = re.compile(r"(access_token=)[^&\s\"']+")


class _MaskTokens(logging.Filter):
    """Masks ``access_token=...`` in a log record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left alone
            return True
        if "access_token=" in message:
            record.msg = _TOKEN_IN_TEXT.sub(r"\1***", message)
            record.args = None
        return True


def _mask_library_logs() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _MaskTokens) for f in logger.filters):
            logger.addFilter(_MaskTokens())


_mask_library_logs()


class GraphFailure(Exception):
    """A Graph API call that did not do what was asked (or may not have)."""

    def __init__(self, message: str, *, method: str, path: str) -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class GraphError(GraphFailure):
    """Meta answered with an error; ``verdict`` says what to do."""

    def __init__(self, verdict: Verdict, *, status: int, method: str, path: str) -> None:
        code = "-" if verdict.code is None else str(verdict.code)
        if verdict.subcode is not None:
            code += f"/{verdict.subcode}"
        trace = f", fbtrace_id {verdict.fbtrace_id}" if verdict.fbtrace_id else ""
        detail = f": {verdict.meta_message}" if verdict.meta_message else ""
        super().__init__(
            f"{method} {path}: HTTP {status}, code {code}{trace} → {verdict.outcome}{detail}",
            method=method,
            path=path,
        )
        self.verdict = verdict
        self.status = status


class NotSent(GraphFailure):
    """The request never reached Meta: sending it again is safe."""


class Uncertain(GraphFailure):
    """The request may have reached Meta and been acted on: do not repeat it blindly."""


class TokenOwner(NamedTuple):
    id: str
    name: str


def _object_id(value: str, what: str = "object id") -> str:
    if not isinstance(value, str) or not _OBJECT_ID.fullmatch(value):
        raise ValueError(f"not a Graph {what}: {value!r}")
    return value


def _text(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("the text to send is empty")
    return value


def _token(value: str) -> str:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise ValueError("the page access token is empty or malformed")
    return value


def _masked(text: str, token: str) -> str:
    return _TOKEN_IN_TEXT.sub(r"\1***", text.replace(token, "***"))


class GraphClient:
    """Calls to ``{base_url}/{version}/...``; one ``httpx.Client``, explicit timeouts."""

    def __init__(
        self,
        base_url: str = "https://graph.facebook.com",
        version: str = "v23.0",
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not isinstance(version, str) or not _VERSION.fullmatch(version):
            raise ValueError(f"a Graph API version looks like v23.0, not {version!r}")
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host or url.query:
            raise ValueError(f"not a base URL for the Graph API: {base_url!r}")
        self.base_url = str(base_url).rstrip("/")
        self.version = version
        self._http = httpx.Client(
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"GraphClient(base_url={self.base_url!r}, version={self.version!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- Facebook comments -------------------------------------------------

    def reply_to_comment(self, comment_id: str, text: str, *, token: str) -> str:
        """``POST /{comment-id}/comments``: the new comment's id."""
        path = f"/{_object_id(comment_id, 'comment id')}/comments"
        answer = self._call("POST", path, token, form={"message": _text(text)})
        return self._field(answer, "id", "POST", path)

    def hide_comment(self, comment_id: str, hidden: bool, *, token: str) -> bool:
        """``POST /{comment-id}`` with ``is_hidden``."""
        path = f"/{_object_id(comment_id, 'comment id')}"
        answer = self._call("POST", path, token, form={"is_hidden": _bool(hidden)})
        return self._success(answer, "POST", path)

    def delete_comment(self, comment_id: str, *, token: str) -> bool:
        """``DELETE /{comment-id}`` (Facebook and Instagram alike)."""
        path = f"/{_object_id(comment_id, 'comment id')}"
        return self._success(self._call("DELETE", path, token), "DELETE", path)

    # --- Instagram comments ------------------------------------------------

    def reply_to_ig_comment(self, ig_comment_id: str, text: str, *, token: str) -> str:
        """``POST /{ig-comment-id}/replies``: the new comment's id."""
        path = f"/{_object_id(ig_comment_id, 'comment id')}/replies"
        answer = self._call("POST", path, token, form={"message": _text(text)})
        return self._field(answer, "id", "POST", path)

    def hide_ig_comment(self, ig_comment_id: str, hidden: bool, *, token: str) -> bool:
        """``POST /{ig-comment-id}`` with ``hide``."""
        path = f"/{_object_id(ig_comment_id, 'comment id')}"
        answer = self._call("POST", path, token, form={"hide": _bool(hidden)})
        return self._success(answer, "POST", path)

    def delete_ig_comment(self, ig_comment_id: str, *, token: str) -> bool:
        """``DELETE /{ig-comment-id}``."""
        return self.delete_comment(ig_comment_id, token=token)

    # --- Messenger ---------------------------------------------------------

    def private_reply(self, page_id: str, comment_id: str, text: str, *, token: str) -> str:
        """A private reply to a comment (``POST /{page-id}/messages``): the message id."""
        path = f"/{_object_id(page_id, 'page id')}/messages"
        form = {
            "recipient": json.dumps({"comment_id": _object_id(comment_id, "comment id")}),
            "message": json.dumps({"text": _text(text)}, ensure_ascii=False),
        }
        answer = self._call("POST", path, token, form=form)
        return self._field(answer, "message_id", "POST", path)

    def send_message(
        self,
        page_id: str,
        recipient_psid: str,
        text: str,
        tag: str | None = None,
        *,
        token: str,
    ) -> str:
        """A Messenger message to a person (``POST /{page-id}/messages``): the message id.

        Without a tag it is a ``RESPONSE`` (inside the 24-hour window); with one
        (``HUMAN_AGENT``: a person answering, up to 7 days) a ``MESSAGE_TAG``.
        """
        path = f"/{_object_id(page_id, 'page id')}/messages"
        form = {
            "recipient": json.dumps({"id": _object_id(recipient_psid, "recipient id")}),
            "message": json.dumps({"text": _text(text)}, ensure_ascii=False),
            "messaging_type": "RESPONSE",
        }
        if tag is not None:
            if tag not in MESSAGE_TAGS:
                raise ValueError(f"not a Messenger message tag: {tag!r}")
            form["messaging_type"] = "MESSAGE_TAG"
            form["tag"] = tag
        answer = self._call("POST", path, token, form=form)
        return self._field(answer, "message_id", "POST", path)

    # --- Reading -----------------------------------------------------------

    def check_token(self, page_platform_id: str, *, token: str) -> TokenOwner:
        """``GET /me?fields=id,name`` with the page's token: whose token it is.

        The caller compares ``id`` with ``page_platform_id`` (a user's token, or
        another page's, answers with another id).
        """
        _object_id(page_platform_id, "page id")
        answer = self._call("GET", "/me", token, params={"fields": "id,name"})
        owner_id = self._field(answer, "id", "GET", "/me")
        name = answer.get("name")
        return TokenOwner(owner_id, name if isinstance(name, str) else "")

    def lookup(self, object_id: str, *, token: str) -> dict[str, Any] | None:
        """``GET /{object-id}?fields=id,message,from,created_time``; None when it does not exist."""
        path = f"/{_object_id(object_id)}"
        try:
            return self._call("GET", path, token, params={"fields": LOOKUP_FIELDS})
        except GraphError as exc:
            if exc.verdict.code == 100:
                return None
            raise

    def replies_to(self, comment_id: str, *, instagram: bool, token: str) -> list[dict[str, Any]]:
        """The replies under a comment, newest first: ``GET /{comment-id}/comments``
        (Facebook) or ``GET /{ig-comment-id}/replies`` (Instagram)."""
        if instagram:
            path = f"/{_object_id(comment_id, 'comment id')}/replies"
            params = {"fields": IG_REPLY_FIELDS}
        else:
            path = f"/{_object_id(comment_id, 'comment id')}/comments"
            params = {
                "fields": LOOKUP_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": "100",
            }
        return self._data(self._call("GET", path, token, params=params))

    def conversation_with(
        self, page_id: str, user_id: str, *, instagram: bool, token: str
    ) -> list[dict[str, Any]]:
        """The latest messages of the page's conversation with one person:
        ``GET /{page-id}/conversations?user_id=...&platform=messenger|instagram``."""
        path = f"/{_object_id(page_id, 'page id')}/conversations"
        params = {
            "platform": "instagram" if instagram else "messenger",
            "user_id": _object_id(user_id, "recipient id"),
            "fields": f"messages.limit(25){{{LOOKUP_FIELDS}}}",
        }
        found: list[dict[str, Any]] = []
        for conversation in self._data(self._call("GET", path, token, params=params)):
            messages = conversation.get("messages")
            if isinstance(messages, dict):
                found.extend(self._data(messages))
        return found

    @staticmethod
    def _data(answer: dict[str, Any]) -> list[dict[str, Any]]:
        data = answer.get("data")
        return (
            [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []
        )

    # --- The one way out ---------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        token = _token(token)
        url = f"{self.base_url}/{self.version}{path}"
        query = dict(params or {})
        body: dict[str, str] | None = None
        if method == "POST":
            body = {**(form or {}), "access_token": token}
        else:
            query["access_token"] = token
        try:
            response = self._http.request(method, url, params=query, data=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            log.warning("Graph API %s %s not sent: %s", method, path, type(exc).__name__)
            raise NotSent(
                f"{method} {path}: not sent, Meta was not reached ({type(exc).__name__})",
                method=method,
                path=path,
            ) from None
        except (httpx.UnsupportedProtocol, httpx.ProxyError, httpx.InvalidURL) as exc:
            raise NotSent(
                f"{method} {path}: not sent ({type(exc).__name__})", method=method, path=path
            ) from None
        except httpx.HTTPError as exc:
            # Timeouts and errors after the request was written: Meta may have acted.
            log.warning("Graph API %s %s: no answer (%s)", method, path, type(exc).__name__)
            raise Uncertain(
                f"{method} {path}: sent, but no answer came back ({type(exc).__name__})",
                method=method,
                path=path,
            ) from None
        status = response.status_code
        parsed: object
        try:
            parsed = response.json()
        except (ValueError, UnicodeDecodeError):
            parsed = None
        if 200 <= status < 300 and isinstance(parsed, dict) and "error" not in parsed:
            log.debug("Graph API %s %s: %d", method, path, status)
            return parsed
        if 200 <= status < 300 and not isinstance(parsed, dict):
            log.warning("Graph API %s %s: %d with an unreadable body", method, path, status)
            raise Uncertain(
                f"{method} {path}: HTTP {status}, but the answer could not be read",
                method=method,
                path=path,
            )
        verdict = classify(
            status, parsed if parsed is not None else response.text, response.headers
        )
        if verdict.meta_message:
            verdict = replace(verdict, meta_message=_masked(verdict.meta_message, token))
        log.warning(
            "Graph API %s %s: HTTP %d, code %s/%s, fbtrace_id %s → %s",
            method,
            path,
            status,
            verdict.code,
            verdict.subcode,
            verdict.fbtrace_id,
            verdict.outcome,
        )
        raise GraphError(verdict, status=status, method=method, path=path)

    @staticmethod
    def _field(answer: dict[str, Any], name: str, method: str, path: str) -> str:
        value = answer.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            raise Uncertain(
                f"{method} {path}: Meta answered without {name!r}", method=method, path=path
            )
        return value

    @staticmethod
    def _success(answer: dict[str, Any], method: str, path: str) -> bool:
        if answer.get("success") is not True:
            raise Uncertain(
                f"{method} {path}: Meta answered without success", method=method, path=path
            )
        return True


def _bool(value: bool) -> str:
    return "true" if value else "false"
