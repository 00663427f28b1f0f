"""Routing: order, first match, time of week, defaults, and the JSON shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from inbox.core.classify.pipeline import classify
from inbox.core.routing import decide, route
from inbox.core.rules.tagging import Rules, load_rules
from tests.paths import REPO

ROOT = REPO
# Thursday 20 November 2025, 10:00 in Stockholm (UTC+1).
WEEKDAY_MORNING = datetime(2025, 11, 20, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def region() -> Rules:
    return load_rules(ROOT / "inbox" / "default_rules")


@pytest.fixture(scope="module")
def kommun() -> Rules:
    return load_rules(ROOT / "inbox" / "default_rules" / "examples" / "kommun")


@pytest.mark.parametrize(
    ("text", "kind", "department", "priority", "rule"),
    [
        ("Jag vet var du bor", "comment", "kommunikation", "urgent", "hot"),
        # a threat that is also offensive: the earlier rule wins
        ("Jävla idioter, jag vet var ni bor", "comment", "kommunikation", "urgent", "hot"),
        (
            "Mitt pnr är 811218-9876, var är min remiss?",
            "comment",
            "kommunikation",
            "high",
            "personuppgifter_offentligt",
        ),
        # in a private message personal data is expected: routed by topic
        ("Mitt pnr är 811218-9876, var är min remiss?", "private_message", "halso_sjukvard",
         "normal", "topic:vard"),
        ("Ni är ett gäng idioter", "comment", "kommunikation", "high", "krankande"),
        ("Bussen är inställd igen, vad händer?", "comment", "kollektivtrafik", "high",
         "trafik_storning"),
        ("Hur laddar jag busskortet?", "comment", "kollektivtrafik", "normal",
         "topic:kollektivtrafik"),
        ("När töms soptunnorna?", "comment", "kontaktcenter", "normal", "topic:avfall"),
        ("Behöver jag bygglov för en altan?", "comment", "kontaktcenter", "normal",
         "topic:bygglov"),
        ("Har tandläkaren öppet i jul?", "comment", "folktandvarden", "normal",
         "topic:tandvard"),
        ("Finns det lediga jobb?", "comment", "hr", "normal", "topic:jobb"),
        ("Hemsidan ligger nere", "comment", "kommunikation", "normal", "topic:webb"),
        ("Vem bestämmer om budgeten?", "comment", "kommunikation", "normal", "default"),
        ("Vem bestämmer om budgeten?", "email", "kontaktcenter", "normal",
         "epost_utan_amne"),
        ("Tack för fin service på akuten! ❤️", "comment", "halso_sjukvard", "low",
         "inget_svar_behovs"),
        ("😍", "comment", "kommunikation", "low", "inget_svar_behovs"),
        ("Wo finde ich einen Arzt, der Deutsch spricht? Ich brauche dringend Hilfe.",
         "comment", "kontaktcenter", "normal", "annat_sprak"),
    ],
)  # fmt: skip
def test_region_routing(
    region: Rules, text: str, kind: str, department: str, priority: str, rule: str
) -> None:
    d = decide(
        text,
        region,
        page="region_facebook",
        channel="facebook",
        kind=kind,
        received_at=WEEKDAY_MORNING,
    )
    assert (d.routing.department, d.routing.priority, d.routing.rule) == (
        department,
        priority,
        rule,
    ), d.routing.reason


NEGATIVE_CARE = "Min pappa har legat i korridoren på akuten hela natten, helt värdelöst!"


@pytest.mark.parametrize(
    ("when", "rule", "priority"),
    [
        # Thursday 10:00 Stockholm: office hours, no rule, the topic decides
        (datetime(2025, 11, 20, 9, 0, tzinfo=UTC), "topic:vard", "normal"),
        # Thursday 17:00 Stockholm (16:00 UTC): evening starts
        (datetime(2025, 11, 20, 16, 0, tzinfo=UTC), "vard_utanfor_kontorstid", "high"),
        (datetime(2025, 11, 20, 15, 59, tzinfo=UTC), "topic:vard", "normal"),
        # Friday 07:59 Stockholm
        (datetime(2025, 11, 21, 6, 59, tzinfo=UTC), "vard_utanfor_kontorstid", "high"),
        (datetime(2025, 11, 21, 7, 0, tzinfo=UTC), "topic:vard", "normal"),
        # Saturday noon
        (datetime(2025, 11, 22, 11, 0, tzinfo=UTC), "vard_helg", "high"),
        # Summer time: 16:30 UTC is 18:30 in Stockholm
        (datetime(2025, 7, 3, 16, 30, tzinfo=UTC), "vard_utanfor_kontorstid", "high"),
        (datetime(2025, 7, 3, 14, 30, tzinfo=UTC), "topic:vard", "normal"),
        # Another offset, same instant as Thursday 10:00 Stockholm
        (datetime(2025, 11, 20, 4, 0, tzinfo=timezone(timedelta(hours=-5))), "topic:vard",
         "normal"),
    ],
)  # fmt: skip
def test_time_of_week(region: Rules, when: datetime, rule: str, priority: str) -> None:
    c = classify(NEGATIVE_CARE, region)
    assert c.sentiment.label == "negative"
    r = route(c, region, page="region_facebook", channel="facebook", kind="comment",
              received_at=when)  # fmt: skip
    assert (r.rule, r.priority) == (rule, priority)
    assert r.department == "halso_sjukvard"


def test_naive_datetime_refused(region: Rules) -> None:
    c = classify("hej", region)
    with pytest.raises(ValueError, match="timezone-aware"):
        route(c, region, page="p", channel="facebook", kind="comment",
              received_at=datetime(2025, 1, 1))  # fmt: skip


@pytest.mark.parametrize(
    ("page", "text", "department", "rule"),
    [
        ("region_linkedin", "Tack för ett bra jobb!", "hr", "jobbsidan"),
        ("region_linkedin", "När öppnar museet?", "hr", "jobbsidan"),
        ("folktandvarden_facebook", "Hemsidan går inte att logga in på", "folktandvarden",
         "folktandvardens_sida"),
        ("region_facebook", "Hemsidan går inte att logga in på", "kommunikation", "topic:webb"),
    ],
)  # fmt: skip
def test_page_rules(region: Rules, page: str, text: str, department: str, rule: str) -> None:
    d = decide(text, region, page=page, channel="facebook", kind="comment",
               received_at=WEEKDAY_MORNING)  # fmt: skip
    assert (d.routing.department, d.routing.rule) == (department, rule)


def _rules_with(tmp_path: Path, routing: str) -> Rules:
    (tmp_path / "departments.toml").write_text(
        '[departments.a]\nname = "A"\n[departments.b]\nname = "B"\n[departments.c]\nname = "C"\n',
        encoding="utf-8",
    )
    (tmp_path / "topics.toml").write_text(
        '[topics.buss]\nlabel = "Buss"\ndepartment = "c"\nkeywords = ["buss"]\n',
        encoding="utf-8",
    )
    (tmp_path / "calendar.toml").write_text("closing_days = [2025-12-24]\n", encoding="utf-8")
    (tmp_path / "routing.toml").write_text(routing, encoding="utf-8")
    return load_rules(tmp_path)


@pytest.mark.parametrize(
    ("routing", "text", "when", "expected"),
    [
        # first match wins, in file order
        ('default_department = "a"\n[[rule]]\nid = "one"\nwhen.topics = ["buss"]\n'
         'department = "b"\n[[rule]]\nid = "two"\nwhen.topics = ["buss"]\ndepartment = "a"\n',
         "bussen", WEEKDAY_MORNING, ("b", "one")),
        # no department: the topic's
        ('default_department = "a"\n[[rule]]\nid = "prio"\nwhen.sentiments = ["negative"]\n'
         'priority = "high"\n', "bussen är värdelös", WEEKDAY_MORNING, ("c", "prio")),
        # no department and no topic: the default
        ('default_department = "a"\n[[rule]]\nid = "prio"\nwhen.sentiments = ["negative"]\n'
         'priority = "high"\n', "värdelöst", WEEKDAY_MORNING, ("a", "prio")),
        # all conditions must hold
        ('default_department = "a"\n[[rule]]\nid = "x"\nwhen.topics = ["buss"]\n'
         'when.channels = ["email"]\ndepartment = "b"\n', "bussen", WEEKDAY_MORNING,
         ("c", "topic:buss")),
        # keywords, inflected
        ('default_department = "a"\n[[rule]]\nid = "kw"\nwhen.keywords = ["försening"]\n'
         'department = "b"\n', "förseningarna är många", WEEKDAY_MORNING, ("b", "kw")),
        ('default_department = "a"\n[[rule]]\nid = "kw"\nwhen.keywords = ["kom aldrig"]\n'
         'department = "b"\n', "den kom aldrig", WEEKDAY_MORNING, ("b", "kw")),
        ('default_department = "a"\n[[rule]]\nid = "kw"\nwhen.keywords = ["kom aldrig"]\n'
         'department = "b"\n', "aldrig kom den", WEEKDAY_MORNING, ("a", "default")),
        # closing days, in Stockholm
        ('default_department = "a"\n[[rule]]\nid = "jul"\nwhen.closing_day = true\n'
         'department = "b"\n', "hej", datetime(2025, 12, 23, 23, 30, tzinfo=UTC),
         ("b", "jul")),
        ('default_department = "a"\n[[rule]]\nid = "jul"\nwhen.closing_day = true\n'
         'department = "b"\n', "hej", datetime(2025, 12, 23, 22, 30, tzinfo=UTC),
         ("a", "default")),
        # weekdays in Swedish or English
        ('default_department = "a"\n[[rule]]\nid = "helg"\nwhen.weekdays = ["sat", "sön"]\n'
         'department = "b"\n', "hej", datetime(2025, 11, 23, 12, 0, tzinfo=UTC),
         ("b", "helg")),
        ('default_department = "a"\n[[rule]]\nid = "helg"\nwhen.weekdays = ["sat", "sön"]\n'
         'department = "b"\n', "hej", WEEKDAY_MORNING, ("a", "default")),
        # has_topic = false
        ('default_department = "a"\n[[rule]]\nid = "nt"\nwhen.has_topic = false\n'
         'department = "b"\n', "bussen", WEEKDAY_MORNING, ("c", "topic:buss")),
        ('default_department = "a"\n[[rule]]\nid = "nt"\nwhen.has_topic = false\n'
         'department = "b"\n', "hej", WEEKDAY_MORNING, ("b", "nt")),
        # languages and flags
        ('default_department = "a"\n[[rule]]\nid = "en"\nwhen.languages = ["en"]\n'
         'department = "b"\n', "Where is the bus station?", WEEKDAY_MORNING, ("b", "en")),
        ('default_department = "a"\n[[rule]]\nid = "q"\nwhen.flags = ["question"]\n'
         'when.needs_reply = true\ndepartment = "b"\n', "När går bussen?", WEEKDAY_MORNING,
         ("b", "q")),
    ],
)  # fmt: skip
def test_rule_semantics(
    tmp_path: Path, routing: str, text: str, when: datetime, expected: tuple[str, str]
) -> None:
    rules = _rules_with(tmp_path, routing)
    r = route(classify(text, rules), rules, page="p", channel="facebook", kind="comment",
              received_at=when)  # fmt: skip
    assert (r.department, r.rule) == expected


def test_reason_is_swedish_and_names_the_rule(region: Rules) -> None:
    d = decide("Jag vet var du bor", region, page="region_facebook", channel="facebook",
               kind="comment", received_at=WEEKDAY_MORNING)  # fmt: skip
    assert "”hot”" in d.routing.reason
    assert "Kommunikationsavdelningen" in d.routing.reason
    assert "brådskande" in d.routing.reason
    topic = decide("Bussen var sen", region, page="region_facebook", channel="facebook",
                   kind="comment", received_at=WEEKDAY_MORNING)  # fmt: skip
    assert "matchade ”bussen”" in topic.routing.reason
    assert "Länstrafiken" in topic.routing.reason


def test_to_json_shape(region: Rules) -> None:
    d = decide("Bussen kom aldrig, vad händer?", region, page="region_facebook",
               channel="facebook", kind="comment", received_at=WEEKDAY_MORNING)  # fmt: skip
    out = d.to_json()
    assert set(out) == {
        "language", "topics", "sentiment", "flags", "flag_words", "department", "priority",
        "needs_reply", "rule", "reason",
    }  # fmt: skip
    assert out["language"] == "sv"
    assert out["topics"][0] == {"key": "kollektivtrafik", "score": 1.0, "matched": "bussen"}
    assert set(out["sentiment"]) == {"label", "score"}
    assert out["flags"] == ["question"]
    assert out["flag_words"] == {}
    assert out["needs_reply"] is True
    threat = decide("Nästa gång sparkar jag ner chauffören", region, page="region_facebook",
                    channel="facebook", kind="comment", received_at=WEEKDAY_MORNING)  # fmt: skip
    assert threat.to_json()["flag_words"]["threat"] == ["sparkar", "ner", "chauffören"]
    assert isinstance(out["priority"], str)


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("Skolmaten är dålig", "barn_utbildning"),
        ("Hemtjänsten kom inte", "socialforvaltningen"),
        ("Bygglovet dröjer", "samhallsbyggnad"),
        ("Museet har fina utställningar, men när öppnar det?", "kultur_fritid"),
        ("Vårdcentralen svarar inte", "kontaktcenter"),  # the region's, referred on
        ("Vem bestämmer?", "kommunikation"),
    ],
)
def test_municipality_routing(kommun: Rules, text: str, department: str) -> None:
    d = decide(text, kommun, page="kommun_facebook", channel="facebook", kind="comment",
               received_at=WEEKDAY_MORNING)  # fmt: skip
    assert d.routing.department == department


def test_municipality_winter_rule(kommun: Rules) -> None:
    d = decide("När ska ni ploga vår gata?", kommun, page="kommun_facebook", channel="facebook",
               kind="comment", received_at=WEEKDAY_MORNING)  # fmt: skip
    assert (d.routing.rule, d.routing.priority) == ("vinter_vaghallning", "high")
