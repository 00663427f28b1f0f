"""What tagging writes onto an item is the decision, column by column."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from inbox.core.routing import decide
from inbox.core.rules.tagging import load_rules
from inbox.core.tagging import TAG_COLUMNS, kept_on_retag, tag_values
from tests.paths import DEFAULT_RULES, REPO

SATURDAY_NIGHT = datetime(2026, 3, 7, 22, 30, tzinfo=UTC)


def _texts() -> list[str]:
    lines = (REPO / "tests" / "data" / "devset.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return [
        *texts,
        "",
        'Ring mig på 070-123 45 67 eller mejla anna@example.se, "snälla" \\ tack\n\t',
        "Jag ska slå ihjäl dig, ditt jävla svin",
        "Bussen var inställd igen i morse",
    ]


def _where(kind: str) -> dict[str, Any]:
    return {
        "page": "folktandvarden_facebook",
        "channel": "facebook",
        "kind": kind,
        "received_at": SATURDAY_NIGHT,
    }


def test_tag_values_are_the_decision_column_by_column() -> None:
    rules = load_rules(DEFAULT_RULES)
    for text in _texts():
        for kind, resolution in (("comment", None), ("email", "spam")):
            values = tag_values(text, rules, **_where(kind), resolution=resolution)
            assert list(values) == list(TAG_COLUMNS)
            d = decide(text, rules, **_where(kind))
            c, r = d.classification, d.routing
            assert values["topic"] == (c.topics[0].key if c.topics else None)
            assert values["sentiment"] == c.sentiment.label
            assert values["department"] == r.department
            assert values["priority"] == r.priority
            assert values["language"] == c.language
            assert values["flags"] == (f" {' '.join(c.flags)} " if c.flags else "")
            assert values["tags"] == (f" {' '.join(r.tags)} " if r.tags else "")
            # An item closed as spam needs no reply, whatever its text says.
            assert values["needs_reply"] is (c.needs_reply and resolution is None)
            assert values["routing_rule"] == r.rule
            explained = json.loads(json.dumps(values["classification"]))
            assert explained == {
                **json.loads(json.dumps(d.to_json())),
                "pii_spans": [list(span) for span in c.pii_spans],
                "tags": list(r.tags),
            }


FRESH = {
    "topic": "avfall",
    "sentiment": "negative",
    "department": "miljo",
    "priority": "normal",
    "tags": "",
    "routing_rule": "topic:avfall",
    "flags": " question ",
    "classification": {"flags": ["question"]},
}
NOW_ON_ITEM = {
    "topic": "gata",
    "sentiment": "neutral",
    "department": "kontaktcenter",
    "priority": "high",
    "tags": " beredskap ",
    "routing_rule": "hot",
    "flags": " offensive threat personal_data ",
}


@pytest.mark.parametrize(
    ("corrected", "by_hand", "expected"),
    [
        # Nobody touched it: the new reading throughout, the threat once made kept.
        ((), False, {"flags": " question offensive threat "}),
        # A corrected topic stays, and a person's reading keeps the route.
        (
            ("topic",),
            False,
            {
                "topic": "gata",
                "department": "kontaktcenter",
                "priority": "high",
                "tags": " beredskap ",
                "routing_rule": "hot",
                "flags": " question offensive threat ",
            },
        ),
        (("sentiment",), False, {"sentiment": "neutral", "department": "kontaktcenter"}),
        # Taken or sent on: the route stays, the reading is new.
        (
            (),
            True,
            {"topic": "avfall", "department": "kontaktcenter", "routing_rule": "hot"},
        ),
    ],
)
def test_a_new_reading_keeps_what_people_decided(
    corrected: tuple[str, ...], by_hand: bool, expected: dict[str, Any]
) -> None:
    out = kept_on_retag(FRESH, NOW_ON_ITEM, corrected=corrected, routed_by_hand=by_hand)
    for name, value in expected.items():
        assert out[name] == value, name
    # The classification is the text's own reading, whatever was kept.
    assert out["classification"] == FRESH["classification"]
    assert "personal_data" not in out["flags"]  # only threats and insults outlast a text


def test_a_new_reading_of_an_untouched_harmless_item_is_the_reading() -> None:
    out = kept_on_retag(FRESH, {**NOW_ON_ITEM, "flags": ""}, corrected=(), routed_by_hand=False)
    assert out == FRESH
