"""The pure retention decision, and the person tokens that find one person's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from inbox.core.person import Person, phone_digits, pnr_digits, tokens_of
from inbox.core.person_export import WITHHELD, export_html, export_json
from inbox.core.retention import cutoffs, is_due
from inbox.core.rules.retention import Keep, RetentionRules

NOW = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
RULES = RetentionRules(
    default=Keep(keep_closed_days=90, keep_removed_days=7),
    pages={"press": Keep(keep_closed_days=3650)},
)
KEEP_ALL = RetentionRules()


@pytest.mark.parametrize(
    ("rules", "page", "status", "resolution", "closed_days_ago", "held", "due"),
    [
        (RULES, "fb", "closed", "answered", 91, False, True),
        (RULES, "fb", "closed", "answered", 89, False, False),
        (RULES, "fb", "closed", None, 90.01, False, True),
        (RULES, "fb", "closed", "removed", 8, False, True),
        (RULES, "fb", "closed", "removed", 6, False, False),
        (RULES, "fb", "open", None, 400, False, False),  # open items are never due
        (RULES, "fb", "closed", "answered", 400, True, False),  # a legal hold
        (RULES, "press", "closed", "answered", 400, False, False),  # the page keeps longer
        (RULES, "press", "closed", "removed", 8, False, True),  # ... but not removed ones
        (KEEP_ALL, "fb", "closed", "answered", 36500, False, False),
    ],
)
def test_is_due(rules, page, status, resolution, closed_days_ago, held, due) -> None:
    closed_at = NOW - timedelta(days=closed_days_ago)
    got = is_due(
        rules,
        page=page,
        status=status,
        resolution=resolution,
        closed_at=closed_at,
        now=NOW,
        held=held,
    )
    assert got is due


def test_cutoffs_leave_out_pages_that_keep_everything() -> None:
    rules = RetentionRules(pages={"fb": Keep(keep_closed_days=30)})
    found = cutoffs(rules, ["fb", "ig"], NOW)
    assert [c.page for c in found] == ["fb"]
    assert found[0].closed_before == NOW - timedelta(days=30)
    assert found[0].removed_before is None
    with pytest.raises(ValueError, match="aware"):
        cutoffs(rules, ["fb"], datetime(2027, 1, 1))


def test_numbers_are_normalised() -> None:
    assert phone_digits("+46 70-123 45 67") == "0701234567"
    assert phone_digits("0046701234567") == "0701234567"
    assert pnr_digits("19121212-1212") == "1212121212"
    assert pnr_digits("121212-1212") == "1212121212"


def test_tokens_of_an_item() -> None:
    tokens = tokens_of(
        "Hej, Greta Lund här. Ring 070-123 45 67 eller greta@example.se, pnr 19121212-1213",
        author="Greta  LUND",
        author_id="u1",
    )
    assert {"n:greta lund", "w:greta", "w:lund", "i:u1", "w:hej", "w:ring"} <= tokens
    assert {"p:0701234567", "e:greta@example.se", "s:1212121213"} <= tokens
    # Lower-case words of the text are not name words.
    assert "w:eller" not in tokens


@pytest.mark.parametrize(
    ("person", "text", "mentioned"),
    [
        (Person(author="Greta Lund"), "Jag pratade med greta  lund i går", True),
        (Person(author="Greta Lund"), "Gretalund är ett ställe", False),
        (Person(author="Greta Lund"), "Greta Lundqvist", False),
        (Person(phone="070 123 45 67"), "ring +46 70-123 45 67", True),
        (Person(personnummer="121212-1212"), "mitt nr 19121212-1212", True),
        (Person(email="A@Example.se"), "skriv till a@example.se", True),
        (Person(platform_id="u77"), "inget här", False),
    ],
)
def test_mentioned_in(person: Person, text: str, mentioned: bool) -> None:
    assert person.mentioned_in(text) is mentioned


def test_scrub_replaces_only_the_person() -> None:
    person = Person(author="Greta Lund", phone="0701234567")
    text = "Hej Greta Lund! Olle Berg ringer dig på 070-123 45 67."
    assert person.scrub(text) == "Hej [raderat]! Olle Berg ringer dig på [raderat]."


@pytest.mark.parametrize(
    "fields",
    [{}, {"author": "123"}, {"phone": "12"}, {"personnummer": "1234"}],
)
def test_a_person_must_be_named_plainly(fields: dict[str, str]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        Person(**fields)


def test_export_gives_mentions_only_where_and_when() -> None:
    lines = [
        {
            "kind": "item",
            "id": 1,
            "item_id": 1,
            "relation": "from",
            "at": "2026-11-02T10:00:00+00:00",
            "page": "fb",
            "author": "Greta Lund",
            "text": "Min fråga <b>här</b>",
        },
        {
            "kind": "item",
            "id": 2,
            "item_id": 2,
            "relation": "mentions",
            "at": "2026-11-03T10:00:00+00:00",
            "page": "fb",
            "author": "Olle Berg",
            "text": "Greta Lund och Olle Bergs hemlighet",
        },
    ]
    html = export_html(lines, {"author": "Greta Lund"}, NOW)
    data = export_json(lines, {"author": "Greta Lund", "email": ""}, NOW)
    assert "Min fråga &lt;b&gt;här&lt;/b&gt;" in html
    assert "Olle" not in html
    assert "hemlighet" not in html
    assert '<html lang="sv">' in html
    assert data["person"] == {"author": "Greta Lund"}
    assert data["found"][1]["text"] == WITHHELD
    assert "author" not in data["found"][1]
