"""Personuppgifter: the admin's page for one person's request to see or erase their data."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.core.incoming import NewItem
from inbox.store.models import Event, Item
from tests.factories import NOW, add_items
from tests.web_support import client_for, csrf_of, login, make_user

HTML = {"accept": "text/html"}


def _items(engine: Engine) -> None:
    add_items(
        engine,
        NewItem(
            page="fb",
            external_id="1",
            received_at=NOW,
            text="Hej, jag heter Greta Lund <script>alert(1)</script>",
            author="Greta Lund",
            author_id="u-greta",
            resolution="no_reply_needed",
        ),
        NewItem(
            page="fb",
            external_id="2",
            received_at=NOW,
            text="Bussen var sen igen",
            author="Olle Berg",
        ),
    )


def _by_external(engine: Engine) -> dict[str, Item]:
    with Session(engine) as session:
        return {i.external_id: i for i in session.exec(select(Item)).all()}


def test_admin_finds_exports_and_erases_after_a_confirmation(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "admin@demo", "admin")
    _items(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        empty = client.get("/admin/personal-data", headers=HTML)
        page = client.get("/admin/personal-data?author=greta+lund", headers=HTML)
        exported = client.get("/admin/personal-data/export.json?author=Greta+Lund")
        exported_html = client.get("/admin/personal-data/export.html?author=Greta+Lund")
        token = csrf_of(client, "/admin/personal-data")
        fields = {"csrf_token": token, "author": "Greta Lund"}
        confirm = client.post("/admin/personal-data/erase", data=fields, headers=HTML)
        assert _by_external(engine)["1"].author == "Greta Lund"  # nothing erased yet
        no_reason = client.post(
            "/admin/personal-data/erase", data={**fields, "confirm": "1"}, headers=HTML
        )
        done = client.post(
            "/admin/personal-data/erase",
            data={**fields, "confirm": "1", "reason": "Begäran dnr 2026/77"},
            headers=HTML,
        )
        after = client.get("/", headers=HTML)
        item_page = client.get(f"/items/{_by_external(engine)['1'].id}", headers=HTML)
    assert empty.status_code == 200
    assert "Personuppgifter" in empty.text
    assert page.status_code == 200
    assert "från personen" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "Olle Berg" not in page.text
    assert exported.status_code == 200
    lines = json.loads(exported.text)["found"]
    assert [line["item_id"] for line in lines if line["kind"] == "item"] == [
        _by_external(engine)["1"].id
    ]
    assert "Olle" not in exported.text
    assert exported_html.headers["content-type"].startswith("text/html")
    assert "&lt;script&gt;" in exported_html.text
    assert "<script>alert" not in exported_html.text
    assert confirm.status_code == 200
    assert "Bekräfta raderingen" in confirm.text
    assert no_reason.status_code == 400
    assert done.status_code == 303
    assert "Raderat: 1 ärenden" in after.text
    items = _by_external(engine)
    assert items["1"].text == ""
    assert items["1"].author == ""
    assert items["1"].erased_by == "request"
    assert items["2"].author == "Olle Berg"
    assert "Texten raderad" in item_page.text
    assert "på personens begäran" in item_page.text
    with Session(engine) as session:
        kinds = [e.kind for e in session.exec(select(Event)).all()]
        erased = session.exec(select(Event).where(Event.kind == "person_erased")).one()
    assert "person_exported" in kinds
    assert erased.actor == "admin@demo"
    assert erased.data["reason"] == "Begäran dnr 2026/77"


def test_an_empty_search_and_a_bad_number_are_refused_in_swedish(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "admin@demo", "admin")
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        bad = client.get("/admin/personal-data?personnummer=123", headers=HTML)
        token = csrf_of(client, "/admin/personal-data")
        nobody = client.post("/admin/personal-data/erase", data={"csrf_token": token}, headers=HTML)
    assert bad.status_code == 400
    assert "ett personnummer har 10 eller 12 siffror" in bad.text
    assert nobody.status_code == 400
    assert "Ange minst en uppgift" in nobody.text


def test_only_admins_may_use_it(engine: Engine, database_url: str, tmp_path: Path) -> None:
    make_user(engine, "cecilia@demo", "supervisor")
    _items(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@demo")
        page = client.get("/admin/personal-data?author=Greta+Lund", headers=HTML)
        export = client.get("/admin/personal-data/export.json?author=Greta+Lund")
        token = csrf_of(client, "/")
        erase = client.post(
            "/admin/personal-data/erase",
            data={"csrf_token": token, "author": "Greta Lund", "confirm": "1", "reason": "x"},
            headers=HTML,
        )
    assert page.status_code == 403
    assert export.status_code == 403
    assert erase.status_code == 403
    assert _by_external(engine)["1"].author == "Greta Lund"


def test_erasure_without_the_csrf_token_is_refused(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "admin@demo", "admin")
    _items(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        refused = client.post(
            "/admin/personal-data/erase",
            data={"author": "Greta Lund", "confirm": "1", "reason": "x"},
            headers=HTML,
        )
    assert refused.status_code == 403
    assert _by_external(engine)["1"].author == "Greta Lund"
