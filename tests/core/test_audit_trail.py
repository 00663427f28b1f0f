"""The audit trail's groups and sentences."""

from __future__ import annotations

from typing import Any

import pytest

from inbox.core.audit_trail import GROUPS, describe, group_of


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("read", "read"),
        ("revealed", "revealed"),
        ("response_inbox", "replied"),
        ("response_elsewhere", "replied"),
        ("outbound_sent", "replied"),
        ("removed", "removed"),
        ("hidden_on_platform", "removed"),
        ("exported", "exported"),
        ("erased", "erased"),
        ("registered", "registered"),
        ("registry_reference", "registered"),
        ("assigned", None),
        ("outbound_queued", None),
    ],
)
def test_groups(kind: str, group: str | None) -> None:
    assert group_of(kind) == group
    if group is not None:
        assert GROUPS[group].matches(kind)


@pytest.mark.parametrize(
    ("kind", "item", "data", "sentence"),
    [
        ("read", 3, {}, "Anna öppnade ärende 3."),
        (
            "revealed",
            3,
            {"reason": "ring 070-123 45 67"},
            "Anna visade personuppgifterna i ärende 3. Skäl: ring [telefon]",
        ),
        ("response_inbox", 3, {}, "Anna svarade på ärende 3."),
        ("removed", 3, {"reason": "hot"}, "Anna tog bort ärende 3. Skäl: hot"),
        ("removed", 3, {}, "Anna tog bort ärende 3. Skäl: –"),
        (
            "exported",
            None,
            {"what": "ärendena", "count": 12, "format": "csv"},
            "Anna exporterade ärendena (12 rader, csv).",
        ),
        ("registered", 3, {"to": "r@x.se"}, "Anna skickade ärende 3 till registrator r@x.se."),
        (
            "registry_reference",
            3,
            {"reference": "RS 1"},
            "Anna angav diarienummer RS 1 för ärende 3.",
        ),
        ("erased", 3, {}, "Anna raderade uppgifter i ärende 3."),
        ("erased", None, {}, "Anna raderade personuppgifter."),
        ("assigned", 3, {}, "Anna: assigned (ärende 3)."),
        ("login", None, {}, "Anna: login."),
    ],
)
def test_sentences(kind: str, item: int | None, data: dict[str, Any], sentence: str) -> None:
    assert str(describe(kind, "Anna", item, data)) == sentence
