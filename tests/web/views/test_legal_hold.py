"""A legal hold (bevarandebeslut) on the item page: shown to everyone who opens the
item, placed and lifted by an administrator with a reason, refused for anyone else,
and honoured by a person's erasure request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import retention
from inbox.core.incoming import NewItem
from inbox.core.person import Person
from inbox.store.db import session_scope
from inbox.store.models import Event, Item, LegalHold
from tests.factories import add_items, make_page
from tests.web_support import client_for, login, make_user

HTML = {"accept": "text/html"}
REASON = "Tvist <b>2026/41</b> & överklagande"


@pytest.fixture
def item_id(engine: Engine) -> int:
    make_page(engine, "fb", name="Region Väst")
    (found,) = add_items(
        engine,
        NewItem(
            page="fb",
            external_id="c1",
            received_at=datetime.now(UTC) - timedelta(hours=1),
            text="Varför fick jag fakturan två gånger?",
            author="Eva Ek",
        ),
    )
    with session_scope(engine) as session:
        item = session.get(Item, found)
        assert item is not None
        item.department = "kommunikation"
    make_user(engine, "admin@x.se", "admin", name="Ada Admin")
    make_user(engine, "anna@x.se", "communicator", ("kommunikation",), name="Anna Lind")
    return found


def _hold(engine: Engine, item_id: int) -> LegalHold | None:
    with Session(engine) as session:
        return session.get(LegalHold, item_id)


def _events(engine: Engine, kind: str) -> list[Event]:
    with Session(engine) as session:
        return list(session.exec(select(Event).where(Event.kind == kind)))


def test_an_admin_places_a_hold_everyone_sees_it_and_the_admin_lifts_it(
    engine: Engine, database_url: str, tmp_path: Path, item_id: int
) -> None:
    path = f"/items/{item_id}"
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        page = client.get(path, headers=HTML).text
        assert "Besluta om bevarande" in page
        assert "Häv bevarandebeslutet" not in page
        placed = client.post(f"{path}/hold", data={"reason": REASON, "csrf_token": token})
        assert placed.status_code == 303
        assert placed.headers["location"] == path
        page = client.get(path, headers=HTML).text
        assert "Ärendet har ett bevarandebeslut: det gallras och raderas inte." in page
        notice = re.search(r'<p class="warn" role="note">(.*?)</p>', page, re.S)
        assert notice is not None
        assert "av Ada Admin: ärendet gallras inte och raderas inte" in notice.group(1)
        # The reason is someone's words: escaped, never markup.
        assert "Tvist &lt;b&gt;2026/41&lt;/b&gt; &amp; överklagande" in notice.group(1)
        assert "<b>2026/41</b>" not in page
        assert "Häv bevarandebeslutet" in page
        hold = _hold(engine, item_id)
        assert hold is not None
        assert (hold.reason, hold.actor) == (REASON, "admin@x.se")

        # A communicator of the department sees the hold but has no form and no say.
        client.post("/logout", data={"csrf_token": token})
        token = login(client, "anna@x.se")
        page = client.get(path, headers=HTML).text
        assert "av Ada Admin: ärendet gallras inte" in page
        assert "Häv bevarandebeslutet" not in page
        refused = client.post(
            f"{path}/release_hold", data={"reason": "vill", "csrf_token": token}, headers=HTML
        )
        assert refused.status_code == 403
        assert "Bara en administratör kan besluta om bevarande." in refused.text
        assert _hold(engine, item_id) is not None

        client.post("/logout", data={"csrf_token": token})
        token = login(client, "admin@x.se")
        lifted = client.post(
            f"{path}/release_hold", data={"reason": "Tvisten avgjord", "csrf_token": token}
        )
        assert lifted.status_code == 303
        page = client.get(path, headers=HTML).text
        assert "Bevarandebeslutet är hävt." in page
        assert 'role="note"' not in page
    assert _hold(engine, item_id) is None
    assert [e.data["reason"] for e in _events(engine, "legal_hold")] == [REASON]
    assert [e.data["reason"] for e in _events(engine, "legal_hold_released")] == ["Tvisten avgjord"]


def test_a_hold_without_a_reason_is_refused_in_the_readers_language_and_keeps_nothing(
    engine: Engine, database_url: str, tmp_path: Path, item_id: int
) -> None:
    path = f"/items/{item_id}"
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        blank = client.post(f"{path}/hold", data={"reason": "   ", "csrf_token": token})
        assert blank.status_code == 422
        assert "Skriv skälet" in blank.text
        assert _hold(engine, item_id) is None
        too_long = "x" * 5000
        long = client.post(f"{path}/hold", data={"reason": too_long, "csrf_token": token})
        assert long.status_code == 422
        # What the admin typed is still in the field.
        assert f'value="{too_long}"' in long.text
        assert _hold(engine, item_id) is None
        # Lifting a hold that is not there says so, in English for an English reader.
        assert client.post("/language", data={"lang": "en", "csrf_token": token}).status_code == 303
        missing = client.post(f"{path}/release_hold", data={"reason": "x", "csrf_token": token})
        assert missing.status_code == 422
        assert f"Item {item_id} is not under a legal hold." in missing.text
        assert "bevarandebeslut" not in missing.text
        page = client.get(path, headers=HTML).text
        assert "Place a legal hold" in page
    assert _events(engine, "legal_hold") == []


def test_a_hold_placed_on_the_page_stops_a_persons_erasure(
    engine: Engine, database_url: str, tmp_path: Path, item_id: int
) -> None:
    with client_for(database_url, tmp_path) as client:
        token = login(client, "admin@x.se")
        placed = client.post(
            f"/items/{item_id}/hold", data={"reason": "Polisanmälan", "csrf_token": token}
        )
        assert placed.status_code == 303
    _, held = retention.erase_person(
        engine,
        Person(author="Eva Ek"),
        [item_id],
        reason="Begäran 2026/7",
        actor="admin@x.se",
        now=datetime.now(UTC),
    )
    assert held == [item_id]
    with Session(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        assert item.erased_at is None
        assert item.text == "Varför fick jag fakturan två gånger?"
