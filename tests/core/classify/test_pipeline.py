"""Classification: personal data, flags, topics, sentiment and language."""

from __future__ import annotations

import pytest

from inbox.core.classify.pii import find_personal_data, luhn_ok
from inbox.core.classify.pipeline import Classification, classify, mask_personal_data
from inbox.core.classify.words import stem
from inbox.core.rules.tagging import Rules, load_rules
from tests.paths import DEFAULT_RULES

RULES_DIR = DEFAULT_RULES


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(RULES_DIR)


def run(text: str, rules: Rules) -> Classification:
    return classify(text, rules)


# --- personal data --------------------------------------------------------


# 811218-9876 has a valid check digit; 811218-9875 does not (still masked).
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("19811218-9876", "personnummer"),
        ("811218-9876", "personnummer"),
        ("8112189876", "personnummer"),
        ("198112189876", "personnummer"),
        ("811218 9876", "personnummer"),
        ("19811218 - 9876", "personnummer"),
        ("811218+9876", "personnummer"),  # a centenarian's separator
        ("850709-9805", "personnummer"),
        ("400315-0135", "personnummer"),
        ("820866-5417", "samordningsnummer"),  # day 06 + 60
        ("19820866-5417", "samordningsnummer"),
        ("mitt pnr: 201507262382!", "personnummer"),
        ("811218-9875", "personnummer"),  # a wrong check digit: mistyped, still personal
    ],
)
def test_identity_numbers_found(text: str, kind: str) -> None:
    spans = find_personal_data(text)
    assert [s[2] for s in spans] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "811318-9876",  # month 13
        "810230-1234",  # 30 February
        "820896-5417",  # samordningsnummer day 36
        "Mitt ordernummer är 20230415-1234",
        "Möte 2024-03-15 kl 14.00",
        "Ärende 1234567890",
        "Ring 1177 eller 112",
        "Det kostar 1 250 kr",
    ],
)
def test_not_identity_numbers(text: str) -> None:
    assert [s for s in find_personal_data(text) if s[2] != "phone"] == []


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("Ring 070-123 45 67", "phone", "070-123 45 67"),
        ("ring 0701234567 tack", "phone", "0701234567"),
        ("+46 70 765 43 21", "phone", "+46 70 765 43 21"),
        ("+46701234567", "phone", "+46701234567"),
        ("växeln 08-123 456 78", "phone", "08-123 456 78"),
        ("031-12 34 56", "phone", "031-12 34 56"),
        ("mejla anna.karlsson@example.com.", "email", "anna.karlsson@example.com"),
        ("per+inbox@mail.se", "email", "per+inbox@mail.se"),
    ],
)
def test_phone_and_email(text: str, kind: str, found: str) -> None:
    spans = find_personal_data(text)
    assert len(spans) == 1
    start, end, got = spans[0]
    assert (got, text[start:end]) == (kind, found)


@pytest.mark.parametrize("text", ["Ring 1177", "år 2019-2020", "kl 08.00-17.00", "06-12"])
def test_no_phone(text: str) -> None:
    assert find_personal_data(text) == ()


def test_luhn() -> None:
    assert luhn_ok("8112189876")
    assert not luhn_ok("8112189875")


def test_mask_personal_data(rules: Rules) -> None:
    text = "Jag heter Per, pnr 811218-9876, ring 070-123 45 67 eller per@mail.se."
    c = run(text, rules)
    assert "personal_data" in c.flags
    assert mask_personal_data(text, c.pii_spans) == (
        "Jag heter Per, pnr [personnummer], ring [telefon] eller [e-post]."
    )
    assert mask_personal_data("inget här", ()) == "inget här"


# --- offensive and threats ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ni är ett gäng jävla idioter",
        "idiotpolitiker allihop",
        "Rektorn är ett pucko",
        "Håll käften",
        "Dumma i huvudet är ni",
        "Fy fan vad dåligt",
        "What a bunch of morons",
        "fucking useless",
        "din fittjävel",
    ],
)
def test_offensive(text: str, rules: Rules) -> None:
    assert "offensive" in run(text, rules).flags


@pytest.mark.parametrize(
    "text",
    [
        "Sex timmar fick vi vänta på akuten",  # sex is six
        "Köttbullar med gräddsås",
        "Hur hård är snön i spåret?",
        "Barnen lekte med bollar på biblioteket",
        "Kiss och bajs på lekplatsen",  # kiss is pee
        "Det är slut på vaccin",  # slut is end
        "Vilken fart bussarna håller",  # fart is speed
        "Puss och kram till personalen",
        "I'm a big fan of the library",
        "Vi bor i Fittja",
        "Mitt barn har CP och behöver assistans",
        "Horisonten var vacker",
        "Tack för en klassisk konsert",
        "Bussen kör till Mongoliet? Nej, till Umeå",
    ],
)
def test_innocent_words(text: str, rules: Rules) -> None:
    c = run(text, rules)
    assert "offensive" not in c.flags
    assert "threat" not in c.flags


@pytest.mark.parametrize(
    "text",
    [
        "Jag vet var du bor",
        "Jag ska slå ihjäl henne",
        "Politikerna borde hängas",
        "Det ligger en bomb i regionhuset",
        "Jag kommer bränna ner kommunhuset",
        "Hoppas ni dör",
        "Ni ska få ångra er",
        "Jag kommer efter er",
        "I will kill you",
    ],
)
def test_threat(text: str, rules: Rules) -> None:
    assert "threat" in run(text, rules).flags


@pytest.mark.parametrize(
    "text",
    [
        "Jag ska skjuta upp min operation",
        "Akta er för halkan i morgon",
        "Färdtjänsten kommer hämta dig kl 8",
        "Vi ska ta er fråga vidare",
        "Det var svårt att hitta er mottagning",
        "Döda fåglar i parken",
    ],
)
def test_not_threat(text: str, rules: Rules) -> None:
    assert "threat" not in run(text, rules).flags


# --- question and reply ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needs_reply", "flag"),
    [
        ("Hur bokar jag tid", True, "question"),
        ("När öppnar ni i morgon?", True, "question"),
        ("Kan man åka buss dit", True, "question"),
        ("Finns det parkering vid sjukhuset", True, "question"),
        ("Jag undrar om ni har öppet i jul.", True, "question"),
        ("Ring mig när ni vet mer.", True, "question"),
        ("Bussen var sen igen.", True, None),
        ("Tack för hjälpen!", False, "no_reply_needed"),
        ("Bra jobbat 👏", False, "no_reply_needed"),
        ("😍", False, "no_reply_needed"),
        ("👍👍", False, "no_reply_needed"),
        ("Vilken fin bild!", False, "no_reply_needed"),
        ("Vad fint!", False, "no_reply_needed"),
        ("Lisa Andersson kolla här", False, "no_reply_needed"),
        ("@Johan ska vi gå?", False, "no_reply_needed"),
        ("Ok", False, "no_reply_needed"),
        ("Bra info, men varför så sent?", True, "question"),
        ("Fint väder men bussen kom inte", True, None),
    ],
)
def test_reply_flags(text: str, needs_reply: bool, flag: str | None, rules: Rules) -> None:
    c = run(text, rules)
    assert c.needs_reply is needs_reply
    assert ("question" in c.flags) is (flag == "question")
    assert ("no_reply_needed" in c.flags) is (flag == "no_reply_needed")


# --- topics -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic", "matched"),
    [
        ("Bussen var sen", "kollektivtrafik", "bussen"),
        ("Busskortet fungerar inte", "kollektivtrafik", "busskortet"),
        ("stadsbussarna är fulla", "kollektivtrafik", "stadsbussarna"),
        ("Varför svarar ingen på vårdcentralenn", "vard", "vårdcentralenn"),
        ("Ringde vårdcentarlen i går", "vard", "vårdcentarlen"),  # transposed letters
        ("Tandvården är dyr", "tandvard", "tandvården"),
        ("hål i tanden", "tandvard", "hål i tanden"),
        ("vaccinationsbussen kommer", "vaccination", "vaccinationsbussen"),
        ("Hur ansöker man om färdtjänst", "fardtjanst", "färdtjänst"),
        ("lediga jobb som sjuksköterska", "jobb", "lediga jobb"),
        ("sommarjobbet var kul", "jobb", "sommarjobbet"),
        ("Museet är stängt", "kultur", "museet"),
        ("Förskolan ringde", "skola", "förskolan"),
        ("hemtjänsten kom inte", "omsorg", "hemtjänsten"),
        ("Gatlyktorna är trasiga", "gata", "gatlyktorna"),
        ("Soptunnorna töms inte", "avfall", "soptunnorna"),
        ("Vattnet är brunt", "vatten", "vattnet"),
        ("Behöver jag bygglov", "bygglov", "bygglov"),
        ("Detaljplanen för området", "bygglov", "detaljplanen"),
        ("Fakturan är fel", "avgifter", "fakturan"),
        ("parkeringsavgiften är ett rån", "avgifter", "parkeringsavgiften"),
        ("parkeringsavgiften är ett rån", "gata", "parkeringsavgiften"),
        ("Det går inte att logga in", "webb", "går inte att logga"),
        ("När jag loggar in kommer ett fel", "webb", "loggar in"),
        ("e-tjänsten ligger nere", "webb", "e tjänsten"),
        ("När kommer bredbandet", "regional_utveckling", "bredbandet"),
    ],
)
def test_topic_hits(text: str, topic: str, matched: str, rules: Rules) -> None:
    hits = {t.key: t for t in run(text, rules).topics}
    assert topic in hits, hits
    assert hits[topic].matched == matched
    assert 0.5 <= hits[topic].score <= 1.0


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Det är så jobbigt just nu", "jobb"),
        ("Gör ert jobb i stället", "jobb"),
        ("Vilken konstig sak", "kultur"),
        ("Jag bor på Skolgatan", "skola"),
        ("Tandvården var bra", "vard"),  # the longest keyword wins
        ("Han tände ett ljus", "tandvard"),
        ("Ett bussigt gäng", "kollektivtrafik"),
        ("Vattenfall höjer elpriset", "vatten"),
        ("This is the worst service", "webb"),
        ("Vi ses i Sandviken", "gata"),
    ],
)
def test_topic_misses(text: str, topic: str, rules: Rules) -> None:
    assert topic not in run(text, rules).topic_keys


def test_topics_sorted_by_score(rules: Rules) -> None:
    c = run("Bussen, bussen och busskortet, och en skola", rules)
    scores = [t.score for t in c.topics]
    assert scores == sorted(scores, reverse=True)
    assert c.topics[0].key == "kollektivtrafik"


# --- sentiment ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tack för ett fantastiskt bemötande!", "positive"),
        ("Jättebra service", "positive"),
        ("skitbra jobbat", "positive"),
        ("Det var inte dåligt", "positive"),
        ("😍😍", "positive"),
        ("❤️", "positive"),
        ("Hahaha 😂", "positive"),
        ("Det här är inte bra", "negative"),
        ("Helt värdelöst", "negative"),
        ("Tack för inget.", "negative"),
        ("Bussen kom aldrig", "negative"),
        ("😡", "negative"),
        ("👎👎", "negative"),
        ("Snygg hemsida men den fungerar inte", "negative"),
        ("När öppnar ni?", "neutral"),
        ("Hur ansöker man om färdtjänst? Tack på förhand!", "neutral"),
        ("Har jag rätt till sjukresa?", "neutral"),
        ("Ni lovade nya cykelvägar", "neutral"),
        ("Lördag kl 11 på torget 📍", "neutral"),
    ],
)
def test_sentiment(text: str, label: str, rules: Rules) -> None:
    s = run(text, rules).sentiment
    assert s.label == label, s
    assert -1.0 <= s.score <= 1.0


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # informal and social-media Swedish
        ("Braaaa jobbat!!", "positive"),
        ("sååå gott 😋", "positive"),
        ("hahahahah", "positive"),
        ("hihi", "positive"),
        ("Fan vad bra", "positive"),
        ("Helt otroligt bra konsert", "positive"),
        ("Kan inte sluta le", "positive"),
        ("Peppad inför helgen", "positive"),
        ("Vilken legend", "positive"),
        ("Ser fram emot att ses", "positive"),
        ("Så less på regnet", "negative"),
        ("Deppigt väder idag", "negative"),
        ("Min cykel blev stulen", "negative"),
        ("Mobilen gick sönder", "negative"),
        ("Stackars hund", "negative"),
        ("cringe", "negative"),
        ("Mitt favoritavsnitt", "positive"),
        ("Gåshud 🎶", "positive"),
        ("Inget slår en kall öl efter jobbet", "positive"),
        ("Ni gör skillnad", "positive"),
        ("Målvakten räddade matchen", "positive"),
        ("Jag är rädd för mörkret", "negative"),
        ("Allt var bättre förr", "negative"),
        ("Jag har sett bättre", "negative"),
        ("Nej tack", "negative"),
        ("Det här var ingen höjdare", "negative"),
        ("Vad är höjden på bron?", "neutral"),
        # compounds carry the feeling of a loaded first or last part
        ("Vilket vårdkaos", "negative"),
        ("idiotpolitiker", "negative"),
        ("Full av julglädje", "positive"),
        ("Det är inte värdigt", "negative"),
        # positive words in questions name what is asked about
        ("Vem vann förra året?", "neutral"),
        ("Någon som har tips på en bra podd?", "neutral"),
        ("Varför är allt så dåligt?", "negative"),
        # words whose stems belong to other words
        ("Jag hänger med på bion ikväll", "neutral"),
        ("Hur länge har ni öppet?", "neutral"),
        ("Vad kostar det i kassan?", "neutral"),
        ("Skjuter upp mötet till tisdag", "neutral"),
    ],
)
def test_sentiment_informal(text: str, label: str, rules: Rules) -> None:
    assert run(text, rules).sentiment.label == label, run(text, rules).sentiment


def test_emoji_sequences_count_once(rules: Rules) -> None:
    from inbox.core.classify.sentiment import _ANY_SYMBOL, _emojis

    def emojis(text: str) -> list[str]:
        first = _ANY_SYMBOL.search(text)
        return [] if first is None else list(_emojis(text, first))

    # a flag, a ZWJ family, a skin tone with a gender sign, a heart on fire
    for written in ("🇸🇪", "👨\u200d👩\u200d👧\u200d👦", "🤦🏽\u200d♀️", "❤️\u200d🔥", "👍🏼"):
        assert emojis(written) == [written]
        assert emojis(f"Bra {written} men {written}!") == [written, written]
    assert emojis("🇸🇪🇳🇴") == ["🇸🇪", "🇳🇴"]
    assert emojis("ingen symbol här") == []


@pytest.mark.parametrize(
    ("variant", "plain"),
    [
        ("👍🏽", "👍"),
        ("❤️", "❤"),
        ("🤦🏽\u200d♀️", "🤦"),
        ("❤️\u200d🔥", "❤"),
        ("🏳️\u200d🌈", "🌈"),
    ],
)
def test_emoji_variants_weigh_as_their_emoji(variant: str, plain: str, rules: Rules) -> None:
    assert run(variant, rules).sentiment == run(plain, rules).sentiment
    assert run(variant, rules).sentiment.score != 0.0


def test_flag_is_one_emoji(rules: Rules) -> None:
    from inbox.core.classify.sentiment import _emoji_weight

    _, flag = _emoji_weight("🇸🇪")
    _, s = _emoji_weight("🇸")
    _, e = _emoji_weight("🇪")
    assert flag is not None
    assert s is not None
    assert e is not None
    assert flag == pytest.approx((s + e) / 2)


def test_elongation_strengthens(rules: Rules) -> None:
    plain = run("bra", rules).sentiment.score
    long = run("braaaaa", rules).sentiment.score
    assert long > plain > 0


# --- language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hej, när öppnar vårdcentralen i morgon?", "sv"),
        ("Bussen var sen", "sv"),
        ("tack", "sv"),
        ("Varför svarar ingen i telefon? Jag har ringt hela dagen och ingen tar det.", "sv"),
        ("Where can I find a doctor who speaks English?", "en"),
        ("Thanks!", "en"),
        ("Is the museum open on Sundays?", "en"),
        ("Wo finde ich einen Arzt, der Deutsch spricht? Ich brauche dringend Hilfe.", "other"),
        ("Gdzie mogę znaleźć lekarza, który mówi po polsku? Potrzebuję pomocy.", "other"),
        ("أين يمكنني أن أجد طبيباً يتحدث العربية؟", "other"),
        ("😍😍", "sv"),
    ],
)
def test_language(text: str, language: str, rules: Rules) -> None:
    assert run(text, rules).language == language


# --- stemming and plumbing ---------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("bussen", "buss"),
        ("bussarna", "buss"),
        ("busskortet", "busskort"),
        ("tåget", "tåg"),
        ("avgifter", "avgift"),
        ("jobbigt", "jobbig"),  # no -ig removal: adjectives stay adjectives
        ("buss", "buss"),
        ("sex", "sex"),
    ],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_classifier_is_reused(rules: Rules) -> None:
    from inbox.core.classify.pipeline import classifier_for

    assert classifier_for(rules) is classifier_for(rules)


def test_long_text_is_bounded(rules: Rules) -> None:
    c = run("Bussen var sen. " * 5000 + " ring 070-123 45 67", rules)
    assert "kollektivtrafik" in c.topic_keys
    assert "personal_data" in c.flags
