"""Retention and a person's erasure: the figures stay, the personal data goes.

``inbox report`` JSON is compared before and after for windows before, around
and after the erased items; a legal hold stops erasure; erasure reaches the
e-mail source, the webhook deliveries, the notes and responses and the person
index.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.actions import person_index, retention
from inbox.actions.audit import ActionError
from inbox.channels.email.files import store_message
from inbox.cli.main import main
from inbox.core.person import Person
from inbox.core.rules.retention import RetentionRules, load_retention_rules
from inbox.store.db import session_scope
from inbox.store.models import (
    Delivery,
    Event,
    Item,
    ItemSource,
    Note,
    Page,
    PersonToken,
    Response,
)
from inbox.store.personal_data import find_person
from tests import mail_samples
from tests.factories import NOW, make_page
from tests.meta_support import process_all
from tests.web_support import write_rules

HEADER = "page,external_id,received_at,text,first_response_at,resolution,author,kind,post_id\n"
ROWS = [
    "fb,1,2026-10-05T10:00:00+02:00,Hej! Jag heter Greta Lund och undrar om bussen,"
    "2026-10-05T10:40:00+02:00,,Greta Lund,comment,p1",
    "fb,2,2026-10-05T11:00:00+02:00,Håller med Greta,"
    "2026-10-06T09:00:00+02:00,,Olle Berg,comment,p1",
    "fb,3,2026-10-05T12:00:00+02:00,Köp billiga klockor,,spam,Spam Bot,comment,p1",
    "fb,4,2026-10-20T09:00:00+02:00,Ring mig på 070-123 45 67,,,Greta Lund,comment,p2",
    "fb,5,2026-11-02T10:00:00+01:00,Tack för svaret,2026-11-02T10:05:00+01:00,,Kim Ek,comment,p2",
    "fb,6,2026-11-02T11:00:00+01:00,Olämpligt inlägg,,removed,Troll Tratt,comment,p2",
    "ig,7,2026-11-10T08:00:00+01:00,När öppnar simhallen?,"
    "2026-11-12T08:00:00+01:00,,Lisa Ek,comment,",
]
AS_OF = ("--as-of", "2026-12-01T12:00:00Z")
WINDOWS = [
    ("--from", "2026-09-01", "--to", "2026-10-01"),  # before everything
    ("--from", "2026-10-01", "--to", "2026-11-01"),
    ("--from", "2026-10-05", "--until", "2026-10-05"),
    ("--from", "2026-10-01", "--to", "2026-12-01"),
    ("--from", "2026-11-01", "--to", "2026-12-01"),
    ("--from", "2026-12-01", "--to", "2027-01-01"),  # after everything
]
RETENTION = """
[default]
keep_closed_days = 90
keep_removed_days = 7
"""


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    rules = write_rules(tmp_path / "rules")
    (rules / "retention.toml").write_text(RETENTION, encoding="utf-8")
    monkeypatch.setenv("INBOX_RULES_DIR", str(rules))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    path = tmp_path / "in.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    code, _out, err = run("import", str(path))
    assert code == 0, err
    return run


def _reports(cli) -> list[dict]:
    out = []
    for window in WINDOWS:
        code, text, err = cli("report", *window, *AS_OF, "--format", "json")
        assert code == 0, err
        out.append(json.loads(text))
    return out


def _items(engine: Engine) -> dict[str, Item]:
    with Session(engine) as session:
        return {i.external_id: i for i in session.exec(select(Item)).all()}


def test_retention_keeps_every_report_identical_and_erases_the_texts(cli, engine) -> None:
    before = _reports(cli)
    assert before[1]["total"]["received"] == 4  # the figures are not all zero
    assert before[3]["total"]["dialogues"] >= 1
    figures = {
        k: (i.topic, i.sentiment, i.department, i.resolution, i.response_minutes)
        for k, i in _items(engine).items()
    }
    code, out, err = cli("retention", "run", "--now", "2027-06-01T00:00:00Z")
    assert code == 0, err
    assert "due 6, on hold 0" in out
    after = _reports(cli)
    assert after == before
    items = _items(engine)
    open_item = items.pop("4")  # still open: nothing is due before it is closed
    assert open_item.erased_at is None
    assert open_item.text.startswith("Ring mig")
    assert all(i.text == "" and i.author == "" and i.erased_at for i in items.values())
    assert items["1"].erased_by == "default.keep_closed_days"
    assert items["6"].erased_by == "default.keep_removed_days"
    assert {
        k: (i.topic, i.sentiment, i.department, i.resolution, i.response_minutes)
        for k, i in items.items()
    } == {k: v for k, v in figures.items() if k != "4"}
    # The tagging pass does not take erased items for untagged ones.
    with Session(engine) as session:
        events = session.exec(select(Event).where(Event.kind == "retention_erased")).all()
    assert sum(e.data["items"] for e in events) == 6


def test_dry_run_counts_and_erases_nothing(cli, engine) -> None:
    code, out, _err = cli("retention", "run", "--now", "2027-06-01T00:00:00Z", "--dry-run")
    assert code == 0
    assert "would erase 6 items" in out
    assert all(i.erased_at is None and i.text for i in _items(engine).values())


def test_only_what_is_due_is_erased(cli, engine) -> None:
    # Imported today (closed_at is the import); 7 days on only the removed item is due.
    closed = _items(engine)["6"].closed_at
    assert closed is not None
    moment = (
        closed.replace(microsecond=0) + (datetime(2000, 1, 9) - datetime(2000, 1, 1))
    ).isoformat()
    code, _out, _err = cli("retention", "run", "--now", moment)
    assert code == 0
    items = _items(engine)
    assert items["6"].erased_at is not None
    assert [k for k, i in items.items() if i.erased_at] == ["6"]


def test_a_legal_hold_stops_erasure_until_released(cli, engine) -> None:
    held = _items(engine)["1"].id
    assert cli("retention", "hold", str(held), "--reason", "Tvist, dnr 2026/123")[0] == 0
    code, out, _err = cli("retention", "holds")
    assert f"{held} " in out
    assert "dnr 2026/123" in out
    code, out, _err = cli("retention", "run", "--now", "2027-06-01T00:00:00Z")
    assert "on hold 1" in out
    items = _items(engine)
    assert items["1"].text.startswith("Hej! Jag heter Greta Lund")
    assert items["1"].erased_at is None
    assert items["2"].erased_at is not None
    # A person's request does not reach a held item either.
    code, out, _err = cli(
        "person", "erase", "--author", "Greta Lund", "--reason", "Begäran 7", "--yes"
    )
    assert code == 0
    assert "kept on hold: 1" in out
    assert _items(engine)["1"].author == "Greta Lund"
    assert cli("retention", "release", str(held), "--reason", "Tvisten avgjord")[0] == 0
    cli("retention", "run", "--now", "2027-06-01T00:00:00Z")
    assert _items(engine)["1"].erased_at is not None


def test_hold_refuses_unknown_and_repeated(engine) -> None:
    make_page(engine, "fb")
    with pytest.raises(ActionError), session_scope(engine) as session:
        retention.place_hold(session, item_id=999, reason="x", actor="t", now=NOW)


def test_the_default_file_keeps_everything(cli, engine) -> None:
    shipped = Path(__file__).resolve().parents[2] / "inbox" / "default_rules" / "retention.toml"
    rules = load_retention_rules(shipped)
    assert not rules.erases_anything
    result = retention.run_retention(engine, rules, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert result.due == 0
    assert all(i.erased_at is None for i in _items(engine).values())


RAW_MAIL = mail_samples.SWEDISH_QP


def _mail_item(engine: Engine) -> int:
    make_page(engine, "mail", channel="email")
    with session_scope(engine) as session:
        page = session.exec(select(Page).where(Page.key == "mail")).one()
        outcome = store_message(
            session,
            RAW_MAIL,
            page=page,
            own_addresses=frozenset({mail_samples.OWN}),
            received_at=NOW,
            actor="test",
            now=NOW,
        )
    assert outcome.item_id is not None
    return outcome.item_id


def _webhook_item(engine: Engine) -> int:
    make_page(engine, "fbp", platform_id="p1")
    body = {
        "object": "page",
        "entry": [
            {
                "id": "p1",
                "time": 1,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": "p1_post_9",
                            "post_id": "p1_post",
                            "parent_id": "p1_post",
                            "created_time": 1_763_000_000,
                            "from": {"id": "u-greta", "name": "Greta Lund"},
                            "message": "Greta Lund här, min son fick fel medicin",
                        },
                    },
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": "p1_post_10",
                            "post_id": "p1_post",
                            "parent_id": "p1_post",
                            "created_time": 1_763_000_001,
                            "from": {"id": "u-olle", "name": "Olle Berg"},
                            "message": "Vilka tider gäller i jul?",
                        },
                    },
                ],
            }
        ],
    }
    with session_scope(engine) as session:
        session.add(Delivery(source="meta", received_at=NOW, body=json.dumps(body).encode()))
    assert process_all(engine, NOW) == 1
    with Session(engine) as session:
        return session.exec(select(Item).where(Item.external_id == "p1_post_9")).one().id or 0


def _catch_up(engine: Engine) -> None:
    while True:
        with session_scope(engine) as session:
            if not person_index.index_pending(session):
                return


def test_erasure_reaches_the_deliveries_and_the_email_source(engine) -> None:
    mail_id = _mail_item(engine)
    hook_id = _webhook_item(engine)
    with session_scope(engine) as session:
        session.add(
            Note(item_id=hook_id, author="anna@region.se", text="Greta Lund ringde", at=NOW)
        )
        session.add(Note(item_id=hook_id, author="anna@region.se", text="Följ upp", at=NOW))
        session.add(
            Response(
                item_id=hook_id,
                author="anna@region.se",
                text="Hej Greta Lund! Vi hör av oss.",
                sent_at=NOW,
                source="inbox",
            )
        )
    _catch_up(engine)
    with Session(engine) as session:
        source = session.get(ItemSource, mail_id)
        assert source is not None
        assert source.data["from_address"] == "bjorn@example.se"
    for person, item_id in (
        (Person(author="Greta Lund"), hook_id),
        (Person(email="bjorn@example.se"), mail_id),
    ):
        with engine.connect() as conn:
            data = find_person(conn, person)
        assert data.own_item_ids == [item_id]
        retention.erase_person(
            engine,
            person,
            data.own_item_ids,
            mentions=data.mention_item_ids,
            reason="Begäran",
            actor="dso@region.se",
            now=NOW,
        )
    with Session(engine) as session:
        source = session.get(ItemSource, mail_id)
        assert source is not None
        assert source.raw_html is None
        assert "bjorn" not in json.dumps(source.data)
        assert "bygglov" not in json.dumps(source.data)
        delivery = session.exec(select(Delivery)).one()
        body = bytes(delivery.body).decode()
        assert "Greta" not in body
        assert "u-greta" not in body
        assert "fel medicin" not in body
        # Someone else in the same delivery keeps theirs.
        assert "Olle Berg" in body
        assert "Vilka tider" in body
        notes = sorted(n.text for n in session.exec(select(Note)).all())
        assert notes == ["Följ upp", "[raderat] ringde"]
        reply = session.exec(select(Response)).one()
        assert reply.text == "Hej [raderat]! Vi hör av oss."
        tokens = session.exec(
            select(PersonToken.token).where(col(PersonToken.item_id).in_([hook_id, mail_id]))
        ).all()
        assert tokens == []
        erased = session.exec(select(Event).where(Event.kind == "person_erased")).all()
        assert len(erased) == 2
        assert erased[0].actor == "dso@region.se"
        assert erased[0].data["named_by"] == ["author"]
        assert "Greta" not in json.dumps(erased[0].data)
        other = session.exec(select(Item).where(Item.external_id == "p1_post_10")).one()
        assert other.author == "Olle Berg"
        assert other.erased_at is None
    with engine.connect() as conn:
        assert find_person(conn, Person(author="Greta Lund")).everything() == []


def test_an_edit_event_loses_its_earlier_text(engine) -> None:
    hook_id = _webhook_item(engine)
    with session_scope(engine) as session:
        session.add(
            Event(
                item_id=hook_id,
                actor="meta",
                kind="edited",
                at=NOW,
                data={"before": "Greta Lund skrev fel", "at": "x"},
            )
        )
    with session_scope(engine) as session:
        done = retention.erase_items(session, [hook_id], by="default.keep_closed_days", now=NOW)
    assert done.items == 1
    assert done.events >= 1
    with Session(engine) as session:
        edit = session.exec(select(Event).where(Event.kind == "edited")).one()
        assert edit.data == {"before": "", "at": "x"}


def test_batches_are_small_transactions(engine) -> None:
    make_page(engine, "fb")
    from inbox.core.incoming import NewItem
    from tests.factories import add_items

    add_items(
        engine,
        *(
            NewItem(
                page="fb",
                external_id=str(n),
                received_at=NOW,
                text=f"Text {n}",
                author=f"Person {n}",
                resolution="no_reply_needed",
            )
            for n in range(25)
        ),
    )
    rules = RetentionRules(
        default=load_retention_rules(Path("absent.toml")).default.model_copy(
            update={"keep_closed_days": 1}
        )
    )
    result = retention.run_retention(engine, rules, now=datetime(2027, 1, 1, tzinfo=UTC), batch=10)
    assert (result.due, result.erased.items, result.batches) == (25, 25, 3)
    assert 0 < result.longest_batch_seconds < 5
    with engine.connect() as conn:
        left = conn.execute(
            sa.select(sa.func.count()).select_from(Item).where(col(Item.erased_at).is_(None))
        ).scalar()
    assert left == 0
