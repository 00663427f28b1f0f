"""One error renderer: ``{status}.html`` (or ``error.html``) for browsers, JSON otherwise."""

from __future__ import annotations

import logging
from http import HTTPStatus

from jinja2 import TemplateNotFound
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from inbox.core.text import Text
from inbox.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language, translate
from inbox.web.templating import render


class Refused(HTTPException):
    """An HTTP error whose message is a ``Text``: translated, its values escaped."""

    def __init__(self, status_code: int, text: Text, headers: dict[str, str] | None = None):
        super().__init__(status_code, str(text), headers)
        self.text = text


log = logging.getLogger("inbox.web")

TITLES = {
    400: "Felaktig begäran",
    401: "Du behöver logga in",
    403: "Du har inte behörighet",
    404: "Sidan finns inte",
    405: "Metoden stöds inte",
    422: "Uppgifterna behöver rättas",
    429: "För många försök",
    500: "Något gick fel",
    503: "Tjänsten är tillfälligt otillgänglig",
}
# Starlette's own details ("Not Found", "Method Not Allowed") are English: the
# page's Swedish title says the same, so they are not shown.
_STATUS_PHRASES = frozenset(s.phrase for s in HTTPStatus)


def wants_html(request: Request) -> bool:
    if request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _template_for(request: Request, status: int) -> str:
    """``{status}.html`` when the templates have one, else the general ``error.html``."""
    try:
        request.app.state.templates.get_template(f"{status}.html")
    except TemplateNotFound:
        return "error.html"
    return f"{status}.html"


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) else ""
    if detail in _STATUS_PHRASES:
        detail = ""
    shown: Text | str = exc.text if isinstance(exc, Refused) else detail
    headers = dict(exc.headers or {})
    if not hasattr(request.state, "lang"):
        # No route ran (an unknown address): the language the person chose, if any.
        chosen = request.session.get("lang") if "session" in request.scope else None
        request.state.lang = chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE
        set_language(request.state.lang)
    if not wants_html(request):
        return JSONResponse({"error": detail or TITLES.get(status, "")}, status, headers=headers)
    response = render(
        request,
        _template_for(request, status),
        {
            "status": status,
            "title": translate(TITLES.get(status, "Något gick fel")),
            "detail": shown,
        },
        status_code=status,
    )
    response.headers.update(headers)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    """500: a page in the reader's language (the error itself goes to the log)."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not wants_html(request):
        return JSONResponse({"error": TITLES[500]}, 500)
    return render(
        request,
        "error.html",
        {"status": 500, "title": translate(TITLES[500]), "detail": ""},
        status_code=500,
    )
