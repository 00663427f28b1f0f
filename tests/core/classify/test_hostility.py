"""Threats and insults without swear words: one table per rule."""

from __future__ import annotations

import pytest

from inbox.core.classify.pipeline import Classification, classify
from inbox.core.rules.tagging import Rules, load_rules
from tests.paths import DEFAULT_RULES


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(DEFAULT_RULES)


def run(text: str, rules: Rules) -> Classification:
    return classify(text, rules)


# Verb-second and conditional word order, roles as targets, everyday verbs.
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Om ni stänger skolan så tänder jag eld på hela kommunhuset.", {"tänder", "eld"}),
        ("Nästa gång sparkar jag ner den där handläggaren.", {"sparkar", "ner", "handläggaren"}),
        ("Stänger chauffören dörren en gång till så slår jag honom.", {"slår", "chauffören"}),
        ("Hade jag haft en pistol hade jag skjutit hela nämnden.", {"skjutit", "nämnden"}),
        ("Nästa gång kontrollanten tar i mig knivhugger jag honom.", {"knivhugger"}),
        ("Rör ni min son igen så krossar jag skallen på rektorn.", {"krossar", "skallen"}),
        ("ska ta livet av den där chefen", {"ta", "livet", "av"}),
        ("Sätter fyr på stället om ni inte betalar.", {"sätter", "fyr"}),
        ("Såna som ni borde man ställa mot väggen.", {"ställa", "mot", "väggen"}),
        ("Läraren ska få sig ett kok stryk.", {"kok", "stryk"}),
        ("Den där politikern borde få en kula i huvudet.", {"kula", "huvudet"}),
        ("Jag ska slå sönder varenda ruta på regionhuset.", {"slå", "sönder"}),
        ("Dör mamma så kommer jag och tar läkaren.", {"kommer", "och", "tar", "läkaren"}),
        ("Tömmer ni inte tunnan så kör jag en grävskopa genom ert kontor.", {"grävskopa"}),
        ("Jag ska göra livet till ett helvete för handläggaren.", {"livet", "helvete"}),
        ("Ni får skylla er själva om nån spränger stadshuset i luften.", {"spränger"}),
        ("Vet var du parkerar bilen.", {"vet var du parkerar"}),
        ("Someone should put a bullet in that mayor.", {"bullet", "mayor"}),
        ("I'm going to beat your staff.", {"beat", "staff"}),
    ],
)
def test_threat_both_flags_and_words(text: str, words: set[str], rules: Rules) -> None:
    c = run(text, rules)
    assert "threat" in c.flags
    assert "offensive" in c.flags  # a threat is offensive too
    explained = dict(c.flag_words)
    assert words <= set(explained["threat"]) or words == {" ".join(explained["threat"])}


@pytest.mark.parametrize(
    "text",
    [
        "Kan ni skjuta upp mötet till nästa vecka?",
        "Regionstyrelsen sköt upp beslutet igen.",
        "Jag slog upp öppettiderna på er sida.",
        "Det slog mig att ni aldrig svarar på fredagar.",
        "Är det okej att slänga eldfarligt avfall i soporna?",
        "Brandövningen på skolan gick bra.",
        "Ni sköt verkligen i foten med det här beslutet.",
        "Ni slår knut på er själva för att slippa svara.",
        "Känns som att man slår huvudet i väggen när man ringer er.",
        "Ni dödar stadskärnan med alla avgifter.",
        "Läkaren dödade min tro på vården.",
        "Kan ni slå av gatubelysningen på vår gata?",
        "Vilken tid går sista bussen mot Skjutbanan?",
        "Ha ha, jättekul att ni sparkar personal och firar med tårta.",
        "Jag ska slå ett slag för biblioteket.",
        "Det var svårt att hitta er mottagning.",
        "Vet ni var jag bor nu? Jag har flyttat.",
    ],
)
def test_not_a_threat(text: str, rules: Rules) -> None:
    assert "threat" not in run(text, rules).flags


@pytest.mark.parametrize(
    ("text", "word"),
    [
        # Animals and fools compared with people.
        ("Ni som sitter på kommunen är som grisar vid ett tråg.", "grisar"),
        ("Politikerna har hjärnor som hönor.", "hönor"),
        ("Sköterskorna beter sig som kossor.", "kossor"),
        ("Era handläggare har intelligens som en tegelsten.", "tegelsten"),
        ("Chefen för hemtjänsten är en hjärndöd åsna.", "hjärndöd"),
        ("Chaufförerna är ena aphjärnor.", "aphjärnor"),
        ("Rektorn är en fullständig clown.", "clown"),
        ("Ni på regionen är ena riktiga fårskallar.", "fårskallar"),
        ("Nämndens ordförande är en patetisk liten fjant.", "patetisk"),
        ("Ni politiker är ena parasiter.", "parasiter"),
        # Stupidity adjectives on staff and politicians.
        ("Ni tjänstemän är korkade allihop.", "korkade"),
        ("Hur kan man anställa så puckade människor?", "puckade"),
        ("Kommunalrådet är dummare än en påse spik.", "dummare"),
        ("Läkaren var så inkompetent och dum.", "dum"),
        ("Stolliga byråkrater allihop.", "stolliga"),
        ("Lärarna på skolan är helt bakom flötet.", "bakom"),
        # English.
        ("Your politicians are a bunch of clueless monkeys.", "clueless"),
        ("The staff at the town hall are brainless sheep.", "brainless"),
    ],
)
def test_insult_without_swear_words(text: str, word: str, rules: Rules) -> None:
    c = run(text, rules)
    assert "offensive" in c.flags
    assert "threat" not in c.flags
    assert word in dict(c.flag_words)["offensive"]


@pytest.mark.parametrize(
    "text",
    [
        "Värdelös app, den fungerar aldrig.",
        "Er nya hemsida är dum och korkad gjord.",
        "Vilket dumt beslut av nämnden.",
        "Det där farthindret är helt idiotiskt placerat.",
        "Den nya tidtabellen är ett skämt, helt korkad.",
        "Grisarna på naturbruksgymnasiet är så söta!",
        "Fårutställningen på museet var rolig.",
        "Känns som att vi behandlas som boskap i kön.",
        "Det är ni som får betala, inte politikerna.",
        "Får man ta med hund på bussen? Chauffören sa nej.",
        "Innehåller skolmaten nötter? Personalen vet inte.",
        "Jag är inte dum, jag vet att fakturan är fel.",
    ],
)
def test_criticism_is_not_an_insult(text: str, rules: Rules) -> None:
    assert "offensive" not in run(text, rules).flags


def test_flag_words_in_the_explanation(rules: Rules) -> None:
    c = run("Nästa gång sparkar jag ner handläggaren.", rules)
    assert dict(c.flag_words) == {
        "offensive": ("sparkar", "ner", "handläggaren"),
        "threat": ("sparkar", "ner", "handläggaren"),
    }
    assert run("Vilket fint bibliotek!", rules).flag_words == ()
