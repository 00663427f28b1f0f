"""Words for the topics, learnt from corrections; and the edit that adds one."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from inbox.core.rules.tagging import Rules, load_rules
from inbox.core.suggestions import (
    CorrectedText,
    NoPlaceForKeyword,
    keyword_line,
    suggest_words,
    valid_word,
    with_keyword,
)

TOPICS = """\
# Ämnen
[topics.avfall]
label = "Avfall"
department = "a"
keywords = [
  "sopor",  # the common word
  "soptunna",
]

[topics.gata]
label = "Gator"
department = "b"
keywords = ["gata", "snöröjning"]
exclude = ["latrin"]
"""


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    path = tmp_path_factory.mktemp("rules")
    (path / "departments.toml").write_text(
        '[departments.a]\nname = "A"\n[departments.b]\nname = "B"\n', encoding="utf-8"
    )
    (path / "topics.toml").write_text(TOPICS, encoding="utf-8")
    (path / "routing.toml").write_text('default_department = "a"\n', encoding="utf-8")
    return load_rules(path)


def corrected(topic: str, *texts: str, start: int = 1) -> list[CorrectedText]:
    return [CorrectedText(start + n, topic, text) for n, text in enumerate(texts)]


KARL = [
    "Mitt sopkärl har inte tömts på två veckor",
    "Sopkärlet står kvar vid vägen, ingen har hämtat",
    "Vem ansvarar för sopkärlen i vårt område?",
    "sopkärl trasigt igen!!",
]


@pytest.mark.parametrize(
    ("entries", "kwargs", "expected"),
    [
        # Four texts corrected to avfall share "sopkärl" (in several forms): one
        # suggestion, in the form written most, the shortest of equals.
        (corrected("avfall", *KARL), {}, [("avfall", "sopkärl", 4, 0)]),
        # Below the minimum support: nothing.
        (corrected("avfall", *KARL[:2]), {}, []),
        (corrected("avfall", *KARL[:2]), {"min_support": 2}, [("avfall", "sopkärl", 2, 0)]),
        # A word the topic already has (an inflection of it, a compound) is no suggestion.
        (
            corrected("avfall", *[f"{t} och soporna" for t in KARL]),
            {},
            [("avfall", "sopkärl", 4, 0)],
        ),
        (corrected("avfall", "soptunnan", "soptunnor", "soptunnorna"), {}, []),
        # Stop words and short words never: "hej", "inte", "har", "och" are in every text.
        (corrected("avfall", "Hej har inte och", "hej har inte och", "Hej, har inte och"), {}, []),
        # Digits are no word.
        (corrected("avfall", "ärende 12345", "12345 igen", "se 12345"), {}, []),
        # A word as common in texts corrected to another topic is no sign of either.
        (
            corrected("avfall", *KARL[:3]) + corrected("gata", *KARL[:3], start=10),
            {},
            [],
        ),
        # ... but one text elsewhere among four is tolerated (share 0.8 >= 0.75).
        (
            corrected("avfall", *KARL) + corrected("gata", "sopkärlet blockerar gatan", start=10),
            {},
            [("avfall", "sopkärl", 4, 1)],
        ),
        # Corrections to a topic the rules do not have (any more) are ignored.
        (corrected("nedlagt", *KARL), {}, []),
        # A word today giving another topic is suggested, and says so.
        (
            corrected("avfall", "gatan är full", "gatan luktar", "gatan igen"),
            {},
            [("avfall", "gatan", 3, 0)],
        ),
    ],
)
def test_suggest_words(
    rules: Rules,
    entries: list[CorrectedText],
    kwargs: dict[str, float],
    expected: list[tuple[str, str, int, int]],
) -> None:
    found = suggest_words(entries, rules, **kwargs)  # type: ignore[arg-type]
    assert [(s.topic, s.word, s.support, s.elsewhere) for s in found] == expected


def test_a_suggestion_shows_its_examples_masked(rules: Rules) -> None:
    texts = [
        "Sopkärlet är trasigt, ring mig på 070-123 45 67",
        "Mitt sopkärl, personnummer 19850101-1236, är borta",
        "sopkärl " + "lång text " * 60,
        "Sopkärl nummer fyra",
    ]
    (found,) = suggest_words(corrected("avfall", *texts), rules, max_examples=3)
    assert found.corrections == 4
    assert [e.item_id for e in found.examples] == [1, 2, 3]
    assert "070-123 45 67" not in found.examples[0].text
    assert "[telefon]" in found.examples[0].text
    assert "19850101-1236" not in found.examples[1].text
    assert len(found.examples[2].text) <= 280
    assert found.examples[2].text.endswith("…")


def test_the_word_today_giving_another_topic_is_named(rules: Rules) -> None:
    (found,) = suggest_words(corrected("avfall", "gatan a", "gatan b", "gatan c"), rules)
    assert found.today == ("gata",)


def test_most_supported_first_and_limited(rules: Rules) -> None:
    entries = corrected("avfall", *KARL) + corrected(
        "gata", "plogbilen körde förbi", "plogbilen igen", "plogbilen!", start=10
    )
    found = suggest_words(entries, rules)
    assert [(s.word, s.support) for s in found] == [("sopkärl", 4), ("plogbilen", 3)]
    assert len(suggest_words(entries, rules, limit=1)) == 1


EDITS = [
    # A list over several lines: a line of its own before the "]", comments kept.
    (TOPICS, "avfall", "sopkärl", '  "soptunna",\n  "sopkärl",\n]'),
    # A list on one line.
    (TOPICS, "gata", "plogbil", 'keywords = ["gata", "snöröjning", "plogbil"]'),
    # The last item without a comma, and a comment after it.
    ('[topics.a]\nkeywords = [\n  "x" # ett\n]\n', "a", "y", '  "x", # ett\n  "y",\n]'),
    # An empty list.
    ("[topics.a]\nkeywords = []\n", "a", "y", 'keywords = ["y"]'),
    # No list yet: one, under the table's header.
    ('[topics.a]\nlabel = "A"\n', "a", "y", '[topics.a]\nkeywords = ["y"]\nlabel = "A"'),
    # A quote-like character in a comment or a string does not confuse the edit.
    ('[topics.a]\nkeywords = ["x#y", "z]"] # "hm]\n', "a", "w", '["x#y", "z]", "w"] # "hm]'),
]


@pytest.mark.parametrize(("text", "topic", "word", "expected"), EDITS)
def test_with_keyword_appends_and_keeps_the_rest(
    text: str, topic: str, word: str, expected: str
) -> None:
    edited = with_keyword(text, topic, word)
    assert expected in edited
    assert tomllib.loads(edited)["topics"][topic]["keywords"][-1] == word
    # Only the one list changed.
    assert len(edited.splitlines()) - len(text.splitlines()) in (0, 1)
    if "# Ämnen" in text:
        assert edited.startswith("# Ämnen")
        assert "# the common word" in edited


@pytest.mark.parametrize(
    ("text", "topic", "word"),
    [
        (TOPICS, "vatten", "kran"),  # no such table
        (TOPICS, "avfall", "två ord"),
        (TOPICS, "avfall", 'x"y'),
        (TOPICS, "avfall", "123"),
        ('[topics.a]\nkeywords = [\n  "x"]\n', "a", "y"),  # "]" not on a line of its own
    ],
)
def test_with_keyword_refuses_what_it_cannot_do_safely(text: str, topic: str, word: str) -> None:
    with pytest.raises(NoPlaceForKeyword):
        with_keyword(text, topic, word)


@pytest.mark.parametrize(
    ("word", "ok"),
    [("sopkärl", True), ("e2", True), ("Åre", True), ("2e", False), ("a b", False), ("", False)],
)
def test_valid_word(word: str, ok: bool) -> None:
    assert valid_word(word) is ok


def test_keyword_line_is_toml_to_copy() -> None:
    assert keyword_line("avfall", "sopkärl") == '[topics.avfall] keywords = [..., "sopkärl"]'


def test_the_shipped_topics_file_takes_an_edit() -> None:
    shipped = Path(__file__).resolve().parents[2] / "inbox" / "default_rules" / "topics.toml"
    text = shipped.read_text(encoding="utf-8")
    first = next(iter(tomllib.loads(text)["topics"]))
    edited = with_keyword(text, first, "provord")
    assert tomllib.loads(edited)["topics"][first]["keywords"][-1] == "provord"


def test_department_corrections_suggest_a_routing_word(tmp_path: Path) -> None:
    from inbox.core.suggestions import suggest_department_words, with_routing_rule

    texts = [
        "Min färdtjänst kom inte i morse",
        "Färdtjänst till sjukhuset, hur bokar jag?",
        "Varför är färdtjänst så dyr?",
    ]
    corrections = corrected("b", *texts) + corrected("c", *texts, start=10)
    (found,) = [
        s
        for s in suggest_department_words(corrections, _routing_rules(tmp_path))
        if s.word == "färdtjänst"
    ]
    # "c" is no department: its corrections are not counted.
    assert (found.topic, found.support, found.elsewhere, found.today) == ("b", 3, 0, ())
    # Once a keyword-only rule routes the word there, it is no longer suggested.
    routing = tmp_path / "routing.toml"
    routing.write_text(
        with_routing_rule(routing.read_text(encoding="utf-8"), "b", "färdtjänst"), encoding="utf-8"
    )
    assert not [
        s
        for s in suggest_department_words(corrections, load_rules(tmp_path))
        if s.word == "färdtjänst"
    ]


def _routing_rules(path: Path) -> Rules:
    (path / "departments.toml").write_text(
        '[departments.a]\nname = "A"\n[departments.b]\nname = "B"\n', encoding="utf-8"
    )
    (path / "topics.toml").write_text(TOPICS, encoding="utf-8")
    (path / "routing.toml").write_text('# Routning\ndefault_department = "a"\n', encoding="utf-8")
    return load_rules(path)


def test_with_routing_rule_appends_one_rule_and_keeps_the_rest() -> None:
    from inbox.core.suggestions import NoPlaceForKeyword, with_routing_rule

    text = '# Kommentar\ndefault_department = "a"\n\n[[rule]]\nid = "x"\nwhen.flags = ["threat"]\n'
    edited = with_routing_rule(text, "b", "färdtjänst")
    assert edited.startswith(text)
    rule = tomllib.loads(edited)["rule"][-1]
    assert (rule["id"], rule["when"], rule["department"]) == (
        "ord_b_fardtjanst",
        {"keywords": ["färdtjänst"]},
        "b",
    )
    with pytest.raises(NoPlaceForKeyword):
        with_routing_rule(text, "b", "två ord")
