"""A comment edited on the platform is read again: tagged anew (keeping what people
decided about it), assessed again for the duty rota when it was not urgent, and its
new words found by a person's search at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.actions import item_work, person_index, tagging
from inbox.app import create_app
from inbox.channels.meta import processor
from inbox.core.person import Person
from inbox.core.rules.tagging import Rules, load_rules
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Event, Item
from tests.channels.meta.test_webhook import PAGE, SECRET, TOKEN, comment, feed, post
from tests.factories import make_page

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
RULES = load_rules(Path(__file__).resolve().parents[3] / "inbox" / "default_rules")
CALM = "När öppnar simhallen efter renoveringen?"
THREAT = "Om ni inte öppnar simhallen så tänder jag eld på den. Ring mig 070-123 45 67."


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(
        database_url=database_url,
        meta_app_secret=SECRET,
        meta_verify_token=TOKEN,
        process_deliveries=False,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def process(engine: Engine, rules: Rules | None = RULES) -> None:
    while processor.process_pending(engine, now=NOW, rules=rules):
        pass


def the_item(engine: Engine) -> Item:
    with Session(engine) as session:
        (item,) = session.exec(select(Item)).all()
        return item


def arrive(client: TestClient, engine: Engine, text: str) -> Item:
    make_page(engine, "fb", platform_id=PAGE)
    assert (
        post(client, feed(PAGE, comment("c1", at=1_700_000_100, message=text))).status_code == 200
    )
    process(engine)
    return the_item(engine)


def edit(client: TestClient, engine: Engine, text: str, at: int = 1_700_000_300) -> Item:
    body = feed(PAGE, comment("c1", verb="edited", at=at, message=text))
    assert post(client, body).status_code == 200
    process(engine)
    return the_item(engine)


def assessed(engine: Engine, item_id: int, verdict: str) -> None:
    """What the sweep's urgency assessment writes (``inbox.actions.urgency``)."""
    with session_scope(engine) as session:
        item = session.get(Item, item_id)
        assert item is not None
        item.urgency = verdict


def test_an_edit_that_adds_a_threat_is_flagged_assessed_again_and_found(
    client: TestClient, engine: Engine
) -> None:
    before = arrive(client, engine, CALM)
    assert before.flags is not None
    assert "threat" not in before.flags
    assert before.id is not None
    assessed(engine, before.id, "none")
    person_index.catch_up(engine)
    phone = Person(phone="070-123 45 67")
    assert person_index.find(engine, phone).items == []

    after = edit(client, engine, THREAT)
    assert after.text == THREAT
    assert after.flags is not None
    assert " threat " in after.flags
    assert after.classification is not None
    assert after.classification["flag_words"]["threat"]
    # Not urgent before: assessed again by the next sweep, which may call the duty rota.
    assert after.urgency is None
    assert [found.id for found in person_index.find(engine, phone).items] == [before.id]


def test_an_edit_keeps_what_people_decided_and_the_threat_once_made(
    client: TestClient, engine: Engine
) -> None:
    first = arrive(client, engine, THREAT)
    assert first.flags is not None
    assert " threat " in first.flags
    assert first.id is not None
    assessed(engine, first.id, "threat")
    with session_scope(engine) as session:
        item = session.get(Item, first.id)
        assert item is not None
        item_work.correct_item(
            session,
            item,
            field="topic",
            value="gata",
            allowed=set(RULES.topics),
            actor="anna@x.se",
            now=NOW,
        )
        item.assignee = "anna@x.se"
    department, priority = first.department, first.priority

    after = edit(client, engine, "Förlåt, jag var arg. Hur går det med simhallen?")
    assert after.classification is not None
    assert after.topic == "gata"  # corrected by a person
    assert (after.department, after.priority) == (department, priority)  # taken by a person
    assert after.flags is not None
    assert " threat " in after.flags  # the threat was made; the edit does not undo it
    assert "threat" not in after.classification["flags"]  # the new text's own reading
    assert after.urgency == "threat"  # urgent already: not assessed (and alerted) twice


def test_an_edit_of_an_untouched_item_is_routed_like_a_new_one(
    client: TestClient, engine: Engine
) -> None:
    first = arrive(client, engine, "Tack för en fin konsert i parken i lördags!")
    after = edit(client, engine, "Soptunnan har inte tömts på tre veckor, det luktar illa.")
    assert after.topic != first.topic
    assert after.topic == "avfall"
    assert after.sentiment == "negative"
    with Session(engine) as session:
        edits = session.exec(select(Event).where(Event.kind == "edited")).all()
    assert [e.data["before"] for e in edits] == ["Tack för en fin konsert i parken i lördags!"]


def test_without_rules_the_edited_item_waits_for_the_tagging_pass(
    client: TestClient, engine: Engine
) -> None:
    arrive(client, engine, CALM)
    body = feed(PAGE, comment("c1", verb="edited", at=1_700_000_300, message=THREAT))
    assert post(client, body).status_code == 200
    process(engine, rules=None)
    waiting = the_item(engine)
    assert waiting.classification is None
    process(engine)  # nothing new to process: the pass runs with the next delivery
    assert the_item(engine).classification is None
    with session_scope(engine) as session:
        assert tagging.tag_untagged(session, rules=RULES) == 1
    tagged = the_item(engine)
    assert tagged.flags is not None
    assert " threat " in tagged.flags
