"""Sentiment, topic and language rules for comments to public organisations."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from inbox.core.classify.hostility import clauses
from inbox.core.classify.pipeline import Classification, classify
from inbox.core.classify.words import tokenize
from inbox.core.rules.tagging import Rules, load_rules
from tests.paths import DEFAULT_RULES


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES)


def run(text: str, rules: Rules) -> Classification:
    return classify(text, rules)


# --- sentiment -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # A service that did not happen, after a negator.
        "Soptunnan har inte tömts på tre veckor.",
        "Ingen har hört av sig från socialtjänsten.",
        "Min son har inte fått någon kallelse.",
        "Gatan har aldrig plogats i år.",
        # Repeated failure strengthens a complaint.
        "Bussen var försenad igen.",
        # An eye-roll makes the praise sarcastic.
        "Toppen, bussen kom inte idag heller 🙄",
        "Jättekul, inställda tåg 🙃",
        # Threats and insults are negative however they are put.
        "Ska bli kul att se er springa när huset brinner.",
        "Stolliga byråkrater allihop, ingen kan ett skit.",
    ],
)
def test_complaints_are_negative(text: str, rules: Rules) -> None:
    assert run(text, rules).sentiment.label == "negative"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tack igen för hjälpen!", "positive"),  # "igen" alone carries nothing
        ("Fy fan vad bra ni är!", "positive"),  # a glad swear word stays glad
        ("Har ni öppet i påsk?", "neutral"),
        ("Vi har stängt i jul, öppet igen den 27 december.", "neutral"),
    ],
)
def test_not_complaints(text: str, label: str, rules: Rules) -> None:
    assert run(text, rules).sentiment.label == label


# --- topics --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Hur fungerar vinterväghållningen på småvägarna?", "gata"),
        ("När sker halkbekämpningen på cykelbanorna?", "gata"),
        ("Finns det feriejobb för 16-åringar?", "jobb"),
        ("Kan mamma få matdistribution hem?", "omsorg"),
        ("Min farfar bor på ett demensboende.", "omsorg"),
        ("Hur söker man särskilt tandvårdsbidrag?", "tandvard"),
        ("Ungdomarna väntar på ortodontist.", "tandvard"),
        ("Gäller maxtaxan på fritidshemmet?", "avgifter"),
        ("Har bibblan öppet på lördag?", "kultur"),
        ("Vad kostar det att bada i simhallen?", "kultur"),
        ("När ska pneumokockvaccinet ges?", "vaccination"),
        ("Behöver jag bygglov för ett plank?", "bygglov"),
        ("Is the flu shot free for pregnant women?", "vaccination"),
    ],
)
def test_service_names(text: str, topic: str, rules: Rules) -> None:
    assert topic in run(text, rules).topic_keys


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # Of equal scores the longer, more specific word comes first.
        ("Har inte fått nån kallelse till tandläkaren.", "tandvard"),
        ("Trevlig chaufför på färdtjänsten idag.", "fardtjanst"),
        ("Vem sandar gångvägen vid skolan?", "gata"),
    ],
)
def test_specific_topic_first(text: str, first: str, rules: Rules) -> None:
    assert run(text, rules).topic_keys[0] == first


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Ge dem en chans", "omsorg"),  # "demens" stems to "dem": not "them"
        ("Om ni stänger skolan tänder jag ljus", "tandvard"),  # the verb "tända"
        ("Jag sätter fyra stolar i rummet", "gata"),
    ],
)
def test_not_the_topic(text: str, topic: str, rules: Rules) -> None:
    assert topic not in run(text, rules).topic_keys


def test_four_is_not_fire(rules: Rules) -> None:
    assert "threat" not in run("Jag sätter fyra tänder på plats, sa tandläkaren.", rules).flags


# --- language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Jag undrar varför ni inte svarar och hur länge vi ska vänta på besked.", "sv"),
        ("Why is the website not working and where can I find the form for my son?", "en"),
        ("Warum antwortet niemand? Ich habe seit drei Wochen keine Antwort bekommen.", "other"),
    ],
)
def test_language_of_long_texts(text: str, language: str, rules: Rules) -> None:
    assert run(text, rules).language == language


# --- tokens --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a_b a ab",
        "Bussen, bussen och BUSSEN!",
        "e-tjänst: 08:30–09:15 😡 Ålands-färjan",
        "år år år",
    ],
)
def test_tokens_are_the_words_in_order(text: str) -> None:
    tokens = tokenize(text)
    written = re.findall(r"[^\W_]+", text)
    assert [t.text for t in tokens] == [w.lower() for w in written]
    assert [t.capital for t in tokens] == [w[0].isupper() for w in written]
    # One shared token per word as written, however often it occurs.
    for a, b in itertools.combinations(range(len(tokens)), 2):
        if written[a] == written[b]:
            assert tokens[a] is tokens[b]


def test_clauses_split_at_sentence_marks_and_keep_every_word() -> None:
    text = "Nästa gång: jag kommer dit! Och sen;\nslår jag till?? ok"
    parts = clauses(text)
    assert [[t.text for t in c] for c in parts] == [
        ["nästa", "gång"],
        ["jag", "kommer", "dit"],
        ["och", "sen"],
        ["slår", "jag", "till"],
        ["ok"],
    ]


# --- quick tests before searches ------------------------------------------------

_SEARCHED = [
    "Jag ska döda dig",
    "Vi kommer att slå ihjäl personalen",
    "ta livet av handläggaren",
    "Jag sätter eld på kommunhuset",
    "spränger hela skiten",
    "Jag vet var du bor",
    "Vi ska hitta er",
    "Vi ska komma efter dig",
    "Han kommer efter er",
    "Du ska få betala dyrt",
    "Ni kommer att ångra er",
    "Politikerna borde hängas",
    "Hoppas du dör",
    "Han förtjänar att dö",
    "Det finns en bomb på stationen",
    "Akta dig du",
    "I will kill you",
    "You will pay",
    "Jag undrar när bussen går",
    "Någon som vet om simhallen är öppen",
    "Could you help",
    "Ring mig tack",
]


@pytest.mark.parametrize("text", _SEARCHED)
def test_the_quick_tests_never_skip_a_search_that_would_match(text: str) -> None:
    from inbox.core.classify import flags
    from inbox.core.classify.hostility import present

    seen = present(tokenize(text))
    lowered = text.lower()
    if flags._THREAT.search(lowered):
        assert flags._threat_possible(seen)
    if flags._REQUEST.search(lowered):
        assert not flags._REQUEST_NEEDS.isdisjoint(seen)
    assert flags._THREAT.search(lowered) or flags._REQUEST.search(lowered)


def test_the_quick_tests_agree_with_the_searches_on_every_labelled_text() -> None:
    from inbox.core.classify import flags
    from inbox.core.classify.hostility import present

    data = Path(__file__).parents[2] / "data"
    for name in ("citizen_devset.jsonl", "devset.jsonl", "sentiment_devset.jsonl"):
        for line in (data / name).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            text = json.loads(line)["text"]
            seen, lowered = present(tokenize(text)), text.lower()
            if flags._THREAT.search(lowered) and "sprängladdning" not in lowered:
                assert flags._threat_possible(seen), text
            if flags._REQUEST.search(lowered):
                assert not flags._REQUEST_NEEDS.isdisjoint(seen), text
