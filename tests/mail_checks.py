"""Assertions shared by the file import and the IMAP tests: what the sample mails become."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.store.models import Item, ItemSource, Response


def items_by_id(engine: Engine) -> dict[str, Item]:
    with Session(engine) as session:
        return {i.external_id: i for i in session.exec(select(Item))}


def check_sample_items(engine: Engine) -> None:
    items = items_by_id(engine)
    assert set(items) == {
        "q1@example.se",
        "h1@example.se",
        "a1@example.se",
        "auto1@example.se",
        "bounce1@mx.example.se",
        "q2@example.se",
        "q3@example.se",
    }
    q1 = items["q1@example.se"]
    assert q1.author == "Björn Åström"
    assert q1.channel == "email"
    assert q1.kind == "email"
    assert "Ämne: Fråga om bygglov" in q1.text
    assert "När kan jag få svar på min ansökan om bygglov för förrådet?" in q1.text
    assert q1.received_at == datetime(2026, 11, 16, 8, 15, tzinfo=UTC)

    html = items["h1@example.se"]
    assert "<" not in html.text
    assert "alert" not in html.text
    assert "Var får jag parkera?" in html.text
    assert "Tack & hej" in html.text

    for key in ("auto1@example.se", "bounce1@mx.example.se"):
        assert items[key].status == "closed"
        assert items[key].resolution == "no_reply_needed"
        assert items[key].needs_reply is False

    # Threading: all of Björn's mails are one conversation, rooted at the first.
    for key in ("q1@example.se", "q2@example.se", "q3@example.se"):
        assert items[key].conversation_id == "q1@example.se"
    # Our reply at 11:00 answered both earlier mails of the thread, and nothing later.
    answered = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
    assert items["q1@example.se"].first_response_at == answered
    assert items["q2@example.se"].first_response_at == answered
    assert items["q3@example.se"].first_response_at is None
    assert items["a1@example.se"].first_response_at is None

    with Session(engine) as session:
        responses = session.exec(select(Response)).all()
        sources = {
            s.item_id: s
            for s in session.exec(select(ItemSource).where(col(ItemSource.item_id).is_not(None)))
        }
    assert sorted((r.source, r.external_id) for r in responses) == [
        ("platform", "r1@kommun.example"),
        ("platform", "r1@kommun.example"),
    ]
    html_source = sources[html.id or 0]
    assert html_source.raw_html is not None
    assert "<b>parkera</b>" in html_source.raw_html
    attachment = sources[items["a1@example.se"].id or 0]
    assert attachment.data["attachments"] == [
        {"filename": "ritning.pdf", "content_type": "application/pdf", "size": 19}
    ]
    assert sources[q1.id or 0].data["subject"] == "Fråga om bygglov"
