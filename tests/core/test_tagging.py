"""The tag row of a bulk write says what ``tag_values`` says, column by column."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from inbox.core.rules.tagging import load_rules
from inbox.core.tagging import TAG_COLUMNS, tag_row, tag_values
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


def test_tag_row_is_tag_values_in_column_order() -> None:
    rules = load_rules(DEFAULT_RULES)
    for text in _texts():
        for kind, resolution in (("comment", None), ("email", "spam")):
            values = tag_values(text, rules, **_where(kind), resolution=resolution)
            row = tag_row(text, rules, **_where(kind), resolution=resolution)
            assert list(row) == [values[name] for name in TAG_COLUMNS]
            assert len(row) == len(TAG_COLUMNS)
