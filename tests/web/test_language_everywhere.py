"""Every page and every error in Swedish: no word of the code's own vocabulary shows.

The pages are rendered as an admin (who sees every page) over data like the
demo's: items open, answered, closed, removed, sent on, corrected, assigned,
with notes, an alarm on duty and a history. Every GET route of the route table
is visited; a new route without an entry below fails the test, so that it is
checked too. Then every refusal a person can meet. Visible text is what a
reader sees: the text between the tags and the labels a screen reader speaks,
without the customers' own texts (which are what they wrote).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from starlette.routing import Route
from starlette.testclient import TestClient

from inbox.actions import item_work, responses
from inbox.core.incoming import NewItem
from inbox.core.kinds import (
    CalendarKind,
    Kind,
    OutboundKind,
    OutboundState,
    Resolution,
    Role,
    Status,
)
from inbox.core.kinds import Channel as ChannelKind
from inbox.core.signed_links import ack_token
from inbox.store.db import session_scope
from inbox.store.models import Escalation, Item
from inbox.web.labels import LABELS
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

HTML = {"accept": "text/html"}

# The brands are names, shown capitalised ("Facebook"); their keys are not.
_BRANDS = {"facebook", "instagram", "messenger", "linkedin"}
VOCABULARY = (
    {v.value for v in ChannelKind}
    | {v.value for v in Kind}
    | {v.value for v in Resolution}
    | {v.value for v in Status}
    | {v.value for v in Role}
    | {v.value for v in CalendarKind}
    | {v.value for v in OutboundKind}
    | {v.value for v in OutboundState}
    | {key for group in LABELS.values() for key in group}
    | {"high", "low", "urgent", "positive", "negative", "threat", "offensive", "question"}
    | {"at_risk", "breached", "late", "primary", "backup", "priority", "crisis"}
) - {
    # Swedish words too, or shown on purpose
    "normal",
    "neutral",
    "sentiment",
    "person",
    "sent",  # "besvarad för sent"
    "all",
    "ok",
    "en",  # "en" is a Swedish word
    "inbox",  # the product's name
}
# English sentences from errors: none of these may reach a Swedish page.
ENGLISH = {
    "the",
    "unknown",
    "already",
    "empty",
    "cannot",
    "invalid",
    "must",
    "exists",
    "found",
    "forbidden",
    "error",
    "not",
    "with",
    "method",
    "allowed",
    "internal",
    "server",
    "describe",
    "longer",
    "characters",
}


class _Visible(HTMLParser):
    """The text a person reads, and the labels a screen reader says."""

    # <code> and <pre> are technical on purpose (a page's key, the report command,
    # the history's detail an admin can unfold).
    SKIPPED = frozenset({"script", "style", "template", "code", "pre"})
    SPOKEN = ("aria-label", "title", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skip += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.parts)


CUSTOMER_TEXTS = [
    "Min remiss till ortopeden har inte kommit fram, vem ska jag kontakta?",
    "Varför går inte buss 4 enligt tidtabellen?",
    "Någon borde bränna ner ungdomsgården",
    "Tack för hjälpen med bygglovet!",
    "Köp billiga solglasögon här",
    "Ni är helt värdelösa idioter",
    "När öppnar simhallen igen efter renoveringen?",
    "Nu öppnar den nya vårdcentralen i Norrby!",
]
CUSTOMERS = [
    "Karin Holm",
    "Per Ek",
    "Anonym",
    "Lena Berg",
    "Reklam AB",
    "Arg Medborgare",
    "Sara Lind",
]


def offenders(html: str) -> list[str]:
    """Words of the code's vocabulary (or English errors) in the visible text."""
    text = visible_text(html)
    for own in (*CUSTOMER_TEXTS, *CUSTOMERS):
        text = text.replace(own, " ")
    # Addresses are names of a kind; their parts are not words.
    text = re.sub(r"\S+@\S+", " ", text)
    found = []
    for word in re.findall(r"[A-Za-z0-9_]+", text):
        if "_" in word.strip("_"):
            found.append(word)  # a key: no Swedish word has an underscore
        elif word in VOCABULARY - _BRANDS or word in _BRANDS:
            found.append(word)  # keys are lowercase; "Facebook" is a name
        elif word.lower() in ENGLISH:
            found.append(word)
    return sorted(set(found))


def _seed(engine: Engine) -> dict[str, int]:
    make_page(engine, "region_fb", name="Region Västmark")
    make_page(engine, "trafik_fb", name="Länstrafiken", channel="instagram")
    make_page(engine, "kommun_mail", name="Kontaktcenter", channel="email", calendar="24x7")
    now = datetime.now(UTC)
    texts = list(zip(CUSTOMER_TEXTS[:7], CUSTOMERS, strict=True))
    pages = ["region_fb", "trafik_fb", "trafik_fb", "region_fb", "region_fb", "trafik_fb"]
    pages.append("kommun_mail")
    kinds = ["comment", "comment", "comment", "comment", "comment", "private_message", "email"]
    ids = add_items(
        engine,
        *(
            NewItem(
                page=page,
                external_id=f"x{n}",
                received_at=now - timedelta(hours=30 - n * 4),
                text=text,
                author=author,
                post_id="post-1" if page == "region_fb" else None,
                kind=kind,
            )
            for n, ((text, author), page, kind) in enumerate(zip(texts, pages, kinds, strict=True))
        ),
    )
    names = ["remiss", "buss", "hot", "tack", "reklam", "idiot", "simhall"]
    by = dict(zip(names, ids, strict=True))
    make_user(engine, "admin@demo", "admin", name="Alma Admin", duty=True)
    make_user(engine, "anna@demo", "communicator", ("halso_sjukvard",), name="Anna Kommunikatör")
    make_user(engine, "cecilia@demo", "supervisor", name="Cecilia Chef")
    with session_scope(engine) as session:

        def item(name: str) -> Item:
            found = session.get(Item, by[name])
            assert found is not None
            return found

        item("remiss").department, item("remiss").topic = "halso_sjukvard", "vard"
        item("buss").department, item("buss").topic = "kollektivtrafik", "kollektivtrafik"
        item("hot").department, item("hot").priority = "kollektivtrafik", "urgent"
        item("hot").flags = " threat "
        item("idiot").flags, item("idiot").priority = " offensive ", "high"
        item("remiss").sentiment, item("tack").sentiment = "negative", "positive"
        item("remiss").flags = " question personal_data "
        item_work.assign_item(
            session, item("remiss"), assignee="anna@demo", actor="admin@demo", now=now
        )
        item_work.add_note(session, item("remiss"), text="Ring vården", actor="anna@demo", now=now)
        item_work.correct_item(
            session,
            item("remiss"),
            field="sentiment",
            value="neutral",
            allowed={"positive", "neutral", "negative"},
            actor="anna@demo",
            now=now,
        )
        item_work.send_to_department(
            session,
            item("buss"),
            department="kontaktcenter",
            note="Hör med trafiken",
            known={"kontaktcenter", "kollektivtrafik"},
            actor="cecilia@demo",
            now=now,
        )
        responses.reply(
            session, item("tack"), text="Tack själv!", actor="anna@demo", author="Anna", now=now
        )
        item_work.close_item(
            session, item("reklam"), resolution=Resolution.SPAM, actor="anna@demo", now=now
        )
        item_work.remove_item(
            session, item("idiot"), reason="kränkande", actor="cecilia@demo", now=now
        )
        item_work.acknowledge(
            session,
            item("simhall"),
            text="Vi har sett din fråga och återkommer.",
            actor="anna@demo",
            author="Anna",
            now=now,
        )
        session.add(
            Escalation(
                item_id=by["hot"],
                reason="threat",
                level="primary",
                person="alma",
                person_name="Alma Admin",
                email="admin@demo",
                created_at=now,
            )
        )
    return by


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    return _seed(engine)


@pytest.fixture
def admin(database_url: str, tmp_path: Path, world: dict[str, int]) -> Iterator[TestClient]:
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        yield client


def _paths(world: dict[str, int], secret: str) -> dict[str, list[str]]:
    """Each GET route of the table, and the addresses that show it with the seeded data."""
    return {
        "/": ["/", "/?status=closed", "/?department=", "/?page=region_fb&sla=breached"],
        "/queue/rows": ["/queue/rows?department="],
        "/duty": ["/duty"],
        "/items/{item_id:int}": [f"/items/{i}" for i in world.values()],
        "/dashboard": ["/dashboard", "/dashboard?window=quarter"],
        "/report": ["/report"],
        "/admin/users": ["/admin/users"],
        "/admin/pages": ["/admin/pages"],
        "/admin/classify": ["/admin/classify"],
        "/admin/audit": ["/admin/audit", "/admin/audit?kind=read"],
        "/admin/personal-data": ["/admin/personal-data", "/admin/personal-data?author=Karin"],
        "/login": ["/login"],
        "/escalations/ack/{token}": ["/escalations/ack/" + ack_token(secret, 1)],
        # Not pages: a CSV download, the health check, the API (JSON), the webhook.
        "/dashboard/{table:str}.csv": [],
        "/admin/personal-data/export.{fmt:str}": [],
        "/healthz": [],
        "/favicon.ico": [],
        "/webhooks/meta": [],
    }


def _get_routes(client: TestClient) -> list[str]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        is_page = isinstance(route, Route) and not route.path.startswith("/api/")
        if is_page and "GET" in (route.methods or ()):
            found.append(route.path)
    return found


def test_every_page_is_swedish(admin: TestClient, world: dict[str, int]) -> None:
    secret = admin.app.state.runtime.settings.secret_key  # type: ignore[attr-defined]
    paths = _paths(world, secret)
    routes = _get_routes(admin)
    assert sorted(set(routes) - set(paths)) == [], "a new page: add it to _paths"
    bad: dict[str, list[str]] = {}
    seen = 0
    for route in routes:
        for path in paths[route]:
            client = admin
            if route == "/login":
                client = TestClient(admin.app)
            response = client.get(path, headers=HTML)
            assert response.status_code == 200, (path, response.status_code)
            seen += 1
            words = offenders(response.text)
            if words:
                bad[path] = words
    assert seen >= 20
    assert bad == {}, "\n".join(f"{p}: {w}" for p, w in bad.items())


def test_the_check_finds_the_code_s_words() -> None:
    """The check itself: keys, English errors and value names are caught; Swedish is not."""
    assert offenders("<p>Prioritet: high · no_reply_needed</p>") == ["high", "no_reply_needed"]
    assert offenders("<p>a user x@y.se already exists</p>") == ["already", "exists", "user"]
    assert offenders('<button aria-label="comment">x</button>') == ["comment"]
    assert offenders("<p>Facebook, facebook</p>") == ["facebook"]
    assert offenders("<p>Svaret är köat och skickas till Facebook.</p>") == []
    assert offenders("<script>var open = 1;</script><p>öppet</p>") == []


REFUSALS = [
    ("remove", {"reason": "annat", "detail": ""}, "Skriv en förklaring"),
    ("remove", {"reason": "tråkig"}, "Okänt skäl"),
    ("send", {"department": "nowhere"}, "Okänd förvaltning"),
    ("correct", {"field": "topic", "value": "nope"}, "Okänt värde"),
    ("correct", {"field": "colour", "value": "red"}, "Bara ämne, sentiment och förvaltning"),
    ("record", {"text": "   "}, "Svaret är tomt"),
    ("note", {"text": "  "}, "Anteckningen är tom"),
    ("note", {"text": "x" * 4001}, "Anteckningen är för lång: 4\u00a0001 tecken"),
    ("record", {"text": "x" * 8001}, "Svaret är för långt: 8\u00a0001 tecken, högst 8\u00a0000"),
    ("assign", {"assignee": "ghost@x.se"}, "Det finns ingen aktiv användare"),
    ("close", {"resolution": "answered"}, "Välj ”kräver inget svar” eller ”skräp”"),
    ("settle", {"outbound": "77"}, "Det finns ingen sådan sändning"),
]


@pytest.mark.parametrize(("action", "data", "message"), REFUSALS)
def test_every_refusal_is_swedish(
    admin: TestClient, world: dict[str, int], action: str, data: dict[str, str], message: str
) -> None:
    token = _token(admin)
    response = admin.post(
        f"/items/{world['remiss']}/{action}", data={**data, "csrf_token": token}, headers=HTML
    )
    assert response.status_code == 422
    assert message in response.text
    assert offenders(response.text) == []


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/", headers=HTML).text)
    assert found
    return found.group(1)


def test_closing_twice_and_adding_a_user_twice_say_so_in_swedish(
    admin: TestClient, world: dict[str, int]
) -> None:
    token = _token(admin)
    response = admin.post(
        f"/items/{world['reklam']}/close",
        data={"resolution": "spam", "csrf_token": token},
        headers=HTML,
    )
    assert response.status_code == 422
    assert "Ärendet är redan stängt." in response.text
    assert offenders(response.text) == []
    form = {
        "email": "anna@demo",
        "name": "Anna",
        "password": "ett långt lösenord",
        "role": "communicator",
        "csrf_token": token,
    }
    response = admin.post("/admin/users", data=form, headers=HTML)
    assert response.status_code == 422
    assert "Det finns redan en användare anna@demo." in response.text
    assert offenders(response.text) == []
    response = admin.post("/admin/users", data={**form, "email": "ny@demo", "role": "boss"})
    assert "Okänd roll: boss." in response.text
    response = admin.post(
        "/admin/users", data={**form, "email": "ny@demo", "password": "kort"}, headers=HTML
    )
    assert "Lösenordet ska ha minst 10 tecken." in response.text
    assert offenders(response.text) == []


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/no/such/page", 404, "Sidan finns inte"),
        ("/items/999999", 404, "Sidan finns inte"),
        ("/dashboard/nothing.csv", 404, "Sidan finns inte"),
        ("/escalations/ack/forged", 400, "Det gick inte att kvittera"),
    ],
)
def test_every_error_page_is_swedish(
    admin: TestClient, world: dict[str, int], path: str, status: int, title: str
) -> None:
    response = admin.get(path, headers=HTML)
    assert response.status_code == status
    assert title in response.text
    assert offenders(response.text) == [], response.text


def test_forbidden_and_wrong_method_are_swedish(
    database_url: str, tmp_path: Path, world: dict[str, int]
) -> None:
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@demo")
        response = client.get("/admin/users", headers=HTML)
        assert response.status_code == 403
        assert "Du har inte behörighet" in response.text
        assert offenders(response.text) == []
        response = client.get(f"/items/{world['buss']}", headers=HTML)
        assert response.status_code == 403
        assert offenders(response.text) == []
        response = client.put("/admin/users", headers=HTML)
        assert response.status_code == 405
        assert "Metoden stöds inte" in response.text
        assert offenders(response.text) == []


def test_a_server_error_is_a_swedish_page(
    database_url: str, tmp_path: Path, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom: something broke")

    monkeypatch.setattr("inbox.web.views.dashboard._data", broken)
    with client_for(database_url, tmp_path) as client:
        client = TestClient(client.app, raise_server_exceptions=False, follow_redirects=False)
        login(client, "admin@demo")
        response = client.get("/dashboard", headers=HTML)
    assert response.status_code == 500
    assert "Något gick fel" in response.text
    assert "boom" not in response.text
    assert offenders(response.text) == []


def test_english_still_works(admin: TestClient, world: dict[str, int]) -> None:
    token = _token(admin)
    assert admin.post("/language", data={"lang": "en", "csrf_token": token}).status_code == 303
    page = admin.get(f"/items/{world['remiss']}", headers=HTML).text
    assert "Priority" in page
    assert "Assigned" in page
    assert "comment" in visible_text(page)  # the kind, in English
    response = admin.post(
        f"/items/{world['remiss']}/note", data={"text": "x" * 4001, "csrf_token": token}
    )
    assert response.status_code == 422
    assert "The note is too long: 4\u00a0001 characters, at most 4\u00a0000." in response.text
    response = admin.get("/no/such/page", headers=HTML)
    assert "Not Found" not in response.text
    assert "Sidan finns inte" not in response.text
