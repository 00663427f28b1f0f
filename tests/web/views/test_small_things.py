"""Small things that got in the way: the closed view's final SLA outcome, the
favicon, the presence warning that warns and only blocks a second answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine

from inbox.core.incoming import NewItem
from inbox.store.db import session_scope
from inbox.store.models import Item
from tests.factories import add_items, make_page
from tests.web_support import client_for, csrf_of, login, make_user

HTML = {"accept": "text/html"}


def _closed_unanswered(engine: Engine) -> dict[str, int]:
    make_page(engine, "fb", name="Region Väst", target_hours=1)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    ids = add_items(
        engine,
        NewItem(page="fb", external_id="s", received_at=long_ago, text="Köp billiga klockor"),
        NewItem(page="fb", external_id="o", received_at=long_ago, text="Har ni öppet?"),
    )
    with session_scope(engine) as session:
        for item_id, resolution in zip(ids, ("spam", "answered"), strict=True):
            item = session.get(Item, item_id)
            assert item is not None
            item.status, item.resolution, item.closed_at = "closed", resolution, long_ago
            item.department = "kommunikation"
    make_user(engine, "anna@demo", "communicator", ("kommunikation",))
    return {"spam": ids[0], "other": ids[1]}


def test_the_closed_view_shows_the_final_outcome_not_a_running_delay(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    ids = _closed_unanswered(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@demo")
        page = client.get("/?status=closed&department=", headers=HTML).text
        body = page[page.index('id="queue-body"') :]
        assert f"/items/{ids['spam']}" in body
        assert "räknas inte" in body
        assert "stängt utan svar" in body
        assert "försenad" not in body
        item = client.get(f"/items/{ids['spam']}", headers=HTML).text
        assert "räknas inte" in item
        assert "försenad" not in item


def test_the_favicon_is_served(engine: Engine, database_url: str, tmp_path: Path) -> None:
    make_user(engine, "anna@demo", "communicator", ("kommunikation",))
    with client_for(database_url, tmp_path) as client:
        login(client, "anna@demo")
        page = client.get("/", headers=HTML).text
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
        moved = client.get("/favicon.ico")
        assert moved.status_code == 301
        assert moved.headers["location"] == "/static/favicon.svg"
        icon = client.get("/static/favicon.svg")
        assert icon.status_code == 200
        assert icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")


def _open_item(engine: Engine) -> int:
    make_page(engine, "fb", name="Region Väst")
    (item_id,) = add_items(
        engine,
        NewItem(page="fb", external_id="q", received_at=datetime.now(UTC), text="Har ni öppet?"),
    )
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.department = "kommunikation"
    make_user(engine, "anna@demo", "communicator", ("kommunikation",), name="Anna")
    make_user(engine, "bo@demo", "communicator", ("kommunikation",), name="Bo")
    return item_id


def test_a_colleague_who_only_has_the_item_open_is_a_warning_not_a_second_click(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    item_id = _open_item(engine)
    with client_for(database_url, tmp_path) as bo, client_for(database_url, tmp_path) as anna:
        login(bo, "bo@demo")
        assert bo.get(f"/items/{item_id}", headers=HTML).status_code == 200
        login(anna, "anna@demo")
        page = anna.get(f"/items/{item_id}", headers=HTML).text
        assert "Har ärendet öppet just nu:" in page
        assert "Bo" in page
        token = csrf_of(anna, f"/items/{item_id}")
        sent = anna.post(
            f"/items/{item_id}/record",
            data={"text": "Ja, till 17.", "seen_responses": "0", "csrf_token": token},
        )
        assert sent.status_code == 303


def test_a_reply_since_the_page_was_opened_still_blocks(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    item_id = _open_item(engine)
    with client_for(database_url, tmp_path) as bo, client_for(database_url, tmp_path) as anna:
        login(anna, "anna@demo")
        anna_token = csrf_of(anna, f"/items/{item_id}")  # Anna opens the item: no replies yet
        bo_token = login(bo, "bo@demo")
        first = bo.post(
            f"/items/{item_id}/record",
            data={"text": "Ja.", "seen_responses": "0", "csrf_token": bo_token},
        )
        assert first.status_code == 303
        second = anna.post(
            f"/items/{item_id}/record",
            data={"text": "Ja, till 17.", "seen_responses": "0", "csrf_token": anna_token},
            headers=HTML,
        )
        assert second.status_code == 409
        assert "Någon annan har svarat sedan du öppnade ärendet." in second.text
        assert "Ja, till 17." in second.text  # the typed text is kept
