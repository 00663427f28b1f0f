"""Rules files: the shipped sets load, and broken ones are named precisely."""

from __future__ import annotations

import shutil
from datetime import date, time
from pathlib import Path

import pytest

from inbox.core.rules.files import RulesError
from inbox.core.rules.tagging import TimeRange, load_rules
from tests.paths import REPO

ROOT = REPO
REGION = ROOT / "inbox" / "default_rules"
KOMMUN = ROOT / "inbox" / "default_rules" / "examples" / "kommun"
REQUIRED_TOPICS = {
    "vard", "vaccination", "tandvard", "kollektivtrafik", "fardtjanst", "jobb", "kultur",
    "skola", "omsorg", "gata", "avfall", "vatten", "bygglov", "avgifter", "webb",
}  # fmt: skip


def test_region_rules_load() -> None:
    rules = load_rules(REGION)
    assert set(rules.topics) >= REQUIRED_TOPICS
    assert {
        "kommunikation", "kontaktcenter", "halso_sjukvard", "folktandvarden",
        "kollektivtrafik", "kultur", "regional_utveckling", "hr",
    } <= set(rules.departments)  # fmt: skip
    assert rules.default_department == "kommunikation"
    assert date(2025, 12, 24) in rules.closing_days
    assert rules.pages["lanstrafiken_facebook"].calendar == "24x7"
    assert rules.office_hours.start == time(8, 0)


@pytest.mark.parametrize(
    ("topic", "department"),
    [
        ("skola", "kontaktcenter"),
        ("avfall", "kontaktcenter"),
        ("bygglov", "kontaktcenter"),
        ("vatten", "kontaktcenter"),
        ("vard", "halso_sjukvard"),
        ("tandvard", "folktandvarden"),
        ("kollektivtrafik", "kollektivtrafik"),
        ("jobb", "hr"),
        ("webb", "kommunikation"),
    ],
)
def test_region_topic_owners(topic: str, department: str) -> None:
    # In a region, municipal questions go to the contact centre, which refers them on.
    assert load_rules(REGION).topics[topic].department == department


def test_municipality_example_loads() -> None:
    rules = load_rules(KOMMUN)
    assert set(rules.topics) >= REQUIRED_TOPICS
    assert rules.topics["skola"].department == "barn_utbildning"
    assert rules.topics["omsorg"].department == "socialforvaltningen"
    assert rules.topics["bygglov"].department == "samhallsbyggnad"
    assert rules.topics["kultur"].department == "kultur_fritid"
    assert rules.topics["vard"].department == "kontaktcenter"


def test_municipality_keywords_match_region() -> None:
    # The example copies the region's vocabulary; only the owners differ.
    region, kommun = load_rules(REGION), load_rules(KOMMUN)
    for key, topic in region.topics.items():
        assert kommun.topics[key].keywords == topic.keywords, key
        assert kommun.topics[key].phrases == topic.phrases, key


def test_rules_are_frozen() -> None:
    rules = load_rules(REGION)
    with pytest.raises(ValueError, match="frozen"):
        rules.default_department = "hr"  # type: ignore[misc]


def test_unknown_file_is_ignored(tmp_path: Path) -> None:
    shutil.copytree(REGION, tmp_path / "r", ignore=shutil.ignore_patterns("examples"))
    (tmp_path / "r" / "beredskap.toml").write_text('[rota]\nweek = "x"\n', encoding="utf-8")
    assert load_rules(tmp_path / "r").default_department == "kommunikation"


@pytest.mark.parametrize(
    ("value", "at", "inside"),
    [
        ("17:00-08:00", time(17, 0), True),
        ("17:00-08:00", time(23, 59), True),
        ("17:00-08:00", time(7, 59), True),
        ("17:00-08:00", time(8, 0), False),
        ("17:00-08:00", time(12, 0), False),
        ("08:00-17:00", time(8, 0), True),
        ("08:00-17:00", time(17, 0), False),
        ("00:00-24:00", time(23, 0), False),  # "24:00" is midnight: an empty range
    ],
)
def test_time_range(value: str, at: time, inside: bool) -> None:
    start, end = value.split("-")
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    rng = TimeRange(start=time(h1 % 24, m1), end=time(h2 % 24, m2))
    assert rng.contains(at) is inside


RULE_A = 'default_department = "hr"\n[[rule]]\nid = "a"\n'
JOBB = '[topics.jobb]\nlabel = "Jobb"\n'
MINIMAL = {
    "departments.toml": '[departments.kommunikation]\nname = "Kommunikation"\n'
    'emails = ["k@example.se"]\n\n[departments.hr]\nname = "HR"\n',
    "topics.toml": JOBB + 'department = "hr"\nkeywords = ["jobb"]\n',
    "routing.toml": 'default_department = "kommunikation"\n\n[[rule]]\nid = "hot"\n'
    'when.flags = ["threat"]\ndepartment = "kommunikation"\npriority = "urgent"\n',
}


def write_rules(tmp_path: Path, **changes: str) -> Path:
    files = dict(MINIMAL)
    for name, text in changes.items():
        files[name.replace("_toml", ".toml")] = text
    for name, text in files.items():
        if text:
            (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_minimal_rules_load(tmp_path: Path) -> None:
    rules = load_rules(write_rules(tmp_path))
    assert rules.routing[0].priority == "urgent"
    assert rules.pages == {}
    assert rules.closing_days == frozenset()


@pytest.mark.parametrize(
    ("changes", "file", "fragments"),
    [
        (
            {"topics_toml": JOBB + 'department = "hrx"\nkeywords = ["j"]\n'},
            "topics.toml",
            ["topics.jobb.department", "unknown department 'hrx'"],
        ),
        (
            {"topics_toml": JOBB + 'department = "hr"\nkeyword = ["j"]\n'},
            "topics.toml",
            ["topics.jobb.keyword", "unknown key"],
        ),
        (
            {"topics_toml": '[topics.jobb]\ndepartment = "hr"\nkeywords = ["j"]\n'},
            "topics.toml",
            ["topics.jobb.label", "missing"],
        ),
        (
            {"topics_toml": JOBB + 'department = "hr"\n'},
            "topics.toml",
            ["topics.jobb", "keywords or phrases"],
        ),
        (
            {"topics_toml": JOBB + 'label = "Två"\nkeywords = ["j"]\n'},
            "topics.toml",
            ["line 3", "TOML syntax error"],
        ),
        (
            {"topics_toml": JOBB + 'department = "hr"\nkeywords = [\n'},
            "topics.toml",
            ["end of file", "TOML syntax error"],
        ),
        (
            {"departments_toml": '[departments.hr]\nname = "HR"\nemails = ["not-an-address"]\n'},
            "departments.toml",
            ["departments.hr.emails[0]"],
        ),
        (
            {"departments_toml": '[departments.hr]\nkey = "hr"\nname = "HR"\n'},
            "departments.toml",
            ["departments.hr.key", "table name"],
        ),
        (
            {"routing_toml": 'default_department = "nobody"\n'},
            "routing.toml",
            ["default_department", "unknown department 'nobody'"],
        ),
        (
            {"routing_toml": RULE_A + 'department = "x"\n'},
            "routing.toml",
            ["rule[0] (a).department", "unknown department 'x'"],
        ),
        (
            {"routing_toml": RULE_A + '[[rule]]\nid = "a"\n'},
            "routing.toml",
            ["rule[1] (a).id", "duplicate"],
        ),
        (
            {"routing_toml": RULE_A + 'when.topics = ["x"]\n'},
            "routing.toml",
            ["rule[0] (a).when.topics", "unknown topic 'x'"],
        ),
        (
            {"routing_toml": RULE_A + 'priority = "asap"\n'},
            "routing.toml",
            ["rule[0].priority"],
        ),
        (
            {"routing_toml": RULE_A + 'when.hours = "17-8"\n'},
            "routing.toml",
            ["rule[0].when.hours", "17:00-08:00"],
        ),
        (
            {"routing_toml": RULE_A + 'when.weekdays = ["fri", "x"]\n'},
            "routing.toml",
            ["rule[0].when.weekdays", "unknown weekday 'x'"],
        ),
        (
            {"routing_toml": RULE_A + 'when.kinds = ["sms"]\n'},
            "routing.toml",
            ["rule[0].when.kinds[0]"],
        ),
        (
            {"routing_toml": RULE_A + 'when.colour = "red"\n'},
            "routing.toml",
            ["rule[0].when.colour", "unknown key"],
        ),
        (
            {
                "pages_toml": '[pages.fb]\ncalendar = "office"\ntarget_hours = 24\n',
                "routing_toml": RULE_A + 'when.pages = ["ig"]\n',
            },
            "routing.toml",
            ["rule[0] (a).when.pages", "unknown page 'ig'"],
        ),
        (
            {"pages_toml": '[pages.fb]\ncalendar = "always"\n'},
            "pages.toml",
            ["pages.fb.calendar"],
        ),
        (
            {"pages_toml": "[pages.fb]\ntarget_hours = 0\n"},
            "pages.toml",
            ["pages.fb.target_hours"],
        ),
        (
            {"calendar_toml": 'closing_days = ["julafton"]\n'},
            "calendar.toml",
            ["closing_days"],
        ),
        (
            {"calendar_toml": "holidays = []\n"},
            "calendar.toml",
            ["holidays", "unknown key"],
        ),
    ],
)
def test_errors_name_file_and_key(
    tmp_path: Path, changes: dict[str, str], file: str, fragments: list[str]
) -> None:
    with pytest.raises(RulesError) as excinfo:
        load_rules(write_rules(tmp_path, **changes))
    message = str(excinfo.value)
    assert file in message
    for fragment in fragments:
        assert fragment in message


def test_missing_required_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"routing\.toml: required file is missing"):
        load_rules(write_rules(tmp_path, routing_toml=""))


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="not a directory"):
        load_rules(tmp_path / "nope")
