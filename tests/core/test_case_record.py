"""The record handed over to the registry: complete, self-contained, escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox.core.case_record import Attachment, CaseRecord, Message, filename, render_html

AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def record(**extra: object) -> CaseRecord:
    values: dict[str, object] = {
        "item_id": 7,
        "page": "Region <Väst>",
        "channel": "facebook",
        "kind": "comment",
        "department": "Hälso- och sjukvården",
        "status": "open",
        "item": Message(author="Eva <Ek>", at=AT, text='<script>alert("x")</script> 811218-9876'),
        "received_at": AT,
        "due_at": AT + timedelta(hours=24),
        "first_response_at": None,
        "made_at": AT + timedelta(hours=1),
        "made_by": "Anna Lind",
    }
    values.update(extra)
    return CaseRecord(**values)  # type: ignore[arg-type]


def test_every_value_is_escaped_and_nothing_is_loaded() -> None:
    html = render_html(
        record(
            post="Inlägg & <i>bild</i>",
            thread=[Message(author="Olle", at=AT, text="<img src=x onerror=y>")],
            responses=[Message(author="Anna Lind", at=AT, text="Svar <b>", label="inbox")],
            attachments=[Attachment("a<b>.pdf", "application/pdf", 10)],
            events=[(AT, "Anna <Lind> öppnade ärende 7.")],
        )
    )
    for raw in ("<script", "<img", "<i>", "<b>", "<Ek>", "<Väst>", "<Lind>", "a<b>"):
        assert raw not in html
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=y&gt;" in html
    assert "a&lt;b&gt;.pdf (application/pdf, 10 byte)" in html
    assert "src=" not in html.replace("src=x", "")
    assert "http" not in html


def test_the_record_is_complete_and_unmasked() -> None:
    html = render_html(
        record(
            subject="Remissen",
            thread=[Message(author="Olle", at=AT, text="Samma här")],
            responses=[Message(author="Anna Lind", at=AT, text="Vi ringer", label="inbox")],
            first_response_at=AT + timedelta(minutes=20),
        )
    )
    assert "811218-9876" in html  # the public record: the registry decides on secrecy
    assert "2026-11-23 13:00" in html  # Europe/Stockholm
    assert "2026-11-23 13:20" in html
    for text in ("Remissen", "Samma här", "Vi ringer", "Hälso- och sjukvården", "Anna Lind"):
        assert text in html
    assert "Inga bilagor." in html


def test_an_empty_thread_says_so() -> None:
    html = render_html(record())
    assert "Inga andra meddelanden i tråden." in html
    assert "Inget svar har getts." in html


def test_filename() -> None:
    assert filename(record()) == "arende-7-20261123-1300.html"
