"""Threats and insults without swear words, matched clause by clause.

A clause is the stretch of a text between two of . ! ? ; : or a line break.
Within a clause the words of a rule may come in any order, because Swedish
puts the subject between the verb and its object or particle in a
verb-second or conditional sentence: "om ni stänger skolan så tänder jag eld
på kommunhuset", "nästa gång sparkar jag ner handläggaren". Words are looked
up by their written form and by their stem, so "knivhugger", "knivhugga" and
"knivhögg" (listed) are one verb.

A threat is
  - a violent verb with its particle where it needs one ("slå ihjäl", "sparka
    ner", "skjuta"), a person, role or building it is aimed at ("honom",
    "handläggaren", "kommunhuset") and a word of intent ("jag", "ska",
    "om", "nästa", "borde", "hade"), or
  - an idiom that is a threat by itself ("ta livet av", "ställa mot väggen",
    "kok stryk", "kula i huvudet", "vet var du bor").
Words that turn the verb into something harmless keep it out: "skjuta upp
mötet", "slå upp", "slå av", "det slog mig".

An insult without swear words is aimed at people (staff, politicians, "ni"):
a word of contempt ("clown", "fårskalle", "aphjärna"), an animal in a
comparison or as what someone is ("som grisar", "är en åsna"), or a
stupidity adjective in the form that agrees with people ("korkade",
"puckad", "dummare än"). The neuter form ("dumt", "korkat", "idiotiskt")
goes with things and decisions ("ett dumt beslut") and is criticism, as is
anything said about an app, a website or a timetable.

Every match returns the words it rests on, so the item page can say why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from inbox.core.classify.words import Token, stem, tokenize, words

_BOUNDARY = re.compile(r"[.!?;:\n]")


def _forms(spaced: str) -> frozenset[str]:
    """Words as written and their stems, so either form of a token finds them."""
    out: set[str] = set()
    for w in spaced.split():
        out.add(w)
        s = stem(w)
        if len(s) >= 5:  # "dödat" -> "död" and "slagit" -> "slag" are other words
            out.add(s)
    return frozenset(out)


# People and roles a threat or an insult may be aimed at (word endings, so
# compounds count: "biståndshandläggaren", "kommunalrådet").
_ROLE_STEMS = (
    "handläggar|chaufför|chauffis|läkar|doktor|doktorn|lärar|lärarinn|fröken|rektor|"
    "politiker|chef|skötersk|personal|kommunalråd|regionråd|kontrollant|sekreterar|"
    "nämnd|styrels|ordförand|tjänstem|tjänsteman|byråkrat|inspektör|föreståndar|"
    "assistent|pedagog|kurator|socialarbetar|tandläkar|hygienist|receptionist|"
    "förvaltar|direktör|borgmästar|minister|människor|folk|kärring|gubb|"
    "staff|mayor|politician|politicians|officer|officers|teacher|teachers|driver|"
    "drivers|doctor|doctors|nurse|nurses|bureaucrat|bureaucrats|council|manager|people"
)
_PLACE_STEMS = (
    "kontor|kommunhus|regionhus|stadshus|hus|stället|skol|vårdcentral|sjukhus|byggnad|"
    "lasarett|bibliotek|mottagning|förskol|reception|office|building|hall"
)
_ROLE = re.compile(r"\w*(?:" + _ROLE_STEMS + r")(?:[a-zåäö]{0,5})")
_PLACE = re.compile(r"\w*(?:" + _PLACE_STEMS + r")(?:[a-zåäö]{0,4})")
_PERSON_PRONOUNS = words(
    "dig er honom henne hen dem dom han hon du you him her them allihop allihopa"
)
_INTENT = words(
    "jag vi ska skall kommer tänker borde bör hade om nästa man nån någon tills "
    "i'll gonna going should will someone ll"
)


class _Rule(NamedTuple):
    groups: tuple[frozenset[str], ...]  # one word of each group, any order
    target: str  # "" none needed, "role" (a noun), "person", "any" (or a building)
    intent: bool  # a word of intent must be in the clause
    unless: frozenset[str]  # any of these words and the rule does not apply


def _rule(spec: str, target: str = "any", intent: bool = True, unless: str = "") -> _Rule:
    groups = tuple(_forms(g.replace("|", " ")) for g in spec.split())
    return _Rule(groups, target, intent, _forms(unless))


_HARMLESS_SLA = "upp av knut igen ifrån fast ut runt slag vakt larm väggen"
_THREAT_RULES = (
    # Violent verbs aimed at someone or something, with intent.
    _rule("döda|dödar|dödade|dödat|mörda|mördar|mördade|mördat|avrätta|avrättar"),
    _rule(
        "skjuta|skjuter|sköt|skjutit|skjut",
        unless="upp uppskjuten fram framåt foten tillbaka över",
    ),
    _rule("knivhugga|knivhugger|knivhögg|knivhuggit|hugga|hugger|högg"),
    _rule("strypa|stryper|ströp|strypt|misshandla|misshandlar|misshandlade|våldta|våldtar"),
    _rule(
        "slå|slår|slog|slagit|sparka|sparkar|sparkade|krossa|krossar "
        "ner|sönder|ihjäl|skiten|käften|blodig|skallen",
        unless="upp av knut",
    ),
    _rule(
        "slå|slår|slog|banka|bankar|spöa|spöar|klå|klår|puckla|pucklar",
        target="person",
        unless=_HARMLESS_SLA,
    ),
    _rule("spränga|spränger|sprängde|spräng"),
    _rule("bränna|bränner|brände|bränt|bränn ner|upp"),
    _rule("tända|tänder|tände|sätta|sätter|satte|sätt eld|fyr"),
    _rule("grävskopa|grävskopan|traktor|traktorn|lastbil|lastbilen kör|köra genom|igenom"),
    _rule("brinna|brinner|brann er|ni|du|dig", intent=False),
    _rule("kill|shoot|stab|beat|punch|strangle|burn|bomb"),
    _rule("bullet|bullets", target="person"),
    _rule("vänta|väntar utanför|ute", target="role"),
    _rule("då jävlar", target="person"),
    _rule("kommer|kommer och ta|tar", target="role"),
    _rule("hitta|hittar|hittat er|dig|you alla|all|snart|soon", target=""),
    # Idioms that are threats by themselves.
    _rule("slå|slår|slog ihjäl", target="", intent=False),
    _rule("ta|tar|tog livet av", target="", intent=False),
    _rule("ställa|ställer|ställas mot väggen", target="", intent=False),
    _rule("kok stryk", target="", intent=False),
    _rule("stryk få|får|fick|ge|ger", target="person"),
    _rule("kula|kulan|kulor|bullet huvudet|skallen|pannan|head", target="", intent=False),
    _rule("krossa|krossar skallen|käften|ansiktet", target="", intent=False),
    _rule("käften|trynet|nyllet slå|slår|ge|ger|dänga|smälla|smäller", target="", intent=False),
    _rule("livet helvete göra|gör", target="person", intent=False),
    _rule("trygg|tryggt|säker inte|aldrig känna|känner ska|skall", target="person", intent=False),
    _rule("luften spränga|spränger|sprängs", target="", intent=False),
)

# Insults without swear words.
_CONTEMPT = _forms(
    """
    clown clowner clownen clownerna pajas pajasar fjant fjantar fjanten dumbom dumbommar
    dumskalle dumskallar fårskalle fårskallar nolla nollor nollorna parasit parasiter
    parasiterna snyltare kretin kretiner imbecill imbecilla dåre dårar
    fool fools clowns imbecile imbeciles cretin cretins parasites buffoon
    buffoons clueless brainless
    """
)
_CONTEMPT_SUFFIXES = ("hjärna", "hjärnor", "hjärnorna", "skalle", "skallar", "skallarna")
_CONTEMPT_COMPOUND = re.compile(r"\w(?:hjärn(?:a|or|orna)|skall(?:e|ar|arna))\b", re.IGNORECASE)


def _contempt_compound(text: str, low: str) -> bool:
    """ "puckohjärna", "stolpskalle": quick substring tests (in ``low``, the text
    lower-cased) before the search."""
    return ("hjärn" in low or "skall" in low) and _CONTEMPT_COMPOUND.search(text) is not None


_ANIMALS = _forms(
    """
    gris grisar svin höna hönor åsna åsnan åsnor apa apor kossa kossor
    råtta råttor kackerlacka kackerlackor hund hundar tegelsten
    pig pigs monkey monkeys sheep donkey donkeys rat rats cockroach cockroaches cattle
    """
)
_ANIMAL_CUES = words("som är var ena era din ditt like are is of bunch sån såna")
_STUPID_PEOPLE = words("""
    dum dumma dummare dummaste korkad korkade korkadare korkadaste puckad puckade
    hjärndöd hjärndöda idiotisk idiotiska stollig stolliga efterblivna efterbliven
    patetisk patetiska ointelligenta ointelligent stupid dumb idiotic
    """)
_STUPID_PHRASES = (("bakom", "flötet"), ("dum", "som"), ("dumma", "som"))
# Not "er": "er nya hemsida" is about a thing.
_INSULT_TARGETS = words(
    "ni du dig you ena allihop allihopa gäng bunch honom henne hen han hon dem they"
)


def clauses(text: str) -> list[list[Token]]:
    """The words of each clause (up to . ! ? ; : or a new line) that has any."""
    # Threats and insults are both looked for in the same text: split it once.
    global _last_clauses
    last = _last_clauses
    if last[0] is text:
        return last[1]
    found = [words for part in _BOUNDARY.split(text) if (words := tokenize(part))]
    _last_clauses = (text, found)
    return found


_last_clauses: tuple[str | None, list[list[Token]]] = (None, [])


def _is_role(t: Token) -> bool:
    role = t.role
    if role is None:
        role = t.role = _ROLE.fullmatch(t.text) is not None
    return role


def _is_place(t: Token) -> bool:
    place = t.place
    if place is None:
        place = t.place = _PLACE.fullmatch(t.text) is not None
    return place


def _has(clause: Iterable[Token], words: frozenset[str]) -> Token | None:
    for t in clause:
        if t.text in words or (len(t.stem) >= 5 and t.stem in words):
            return t
    return None


def _target(clause: Sequence[Token], kind: str) -> Token | None:
    for t in clause:
        if kind != "role" and t.text in _PERSON_PRONOUNS:
            return t
        if _is_role(t):
            return t
        if kind == "any" and _is_place(t):
            return t
    return None


def _threat_in(clause: Sequence[Token], rules: Sequence[_Rule]) -> list[str] | None:
    for rule in rules:
        found: list[Token] = []
        for group in rule.groups:
            t = _has(clause, group)
            if t is None:
                break
            found.append(t)
        else:
            if rule.unless and _has(clause, rule.unless):
                continue
            if rule.target:
                t = _target(clause, rule.target)
                if t is None:
                    continue
                found.append(t)
            if rule.intent:
                t = next((t for t in clause if t.text in _INTENT), None)
                if t is None:
                    continue
            return [t.text for t in sorted(set(found), key=clause.index)]
    return None


def present(tokens: Sequence[Token]) -> frozenset[str]:
    """Every word of a text as written and as stemmed, for the quick checks.

    Stems shorter than five letters are left out: "fyra" stems to "fyr"."""
    return frozenset([t.text for t in tokens] + [t.key for t in tokens])


def _possible(rule: _Rule, words: frozenset[str]) -> bool:
    return all(not g.isdisjoint(words) for g in rule.groups)


# Each rule is looked at only when the least common of its word groups is in
# the text: an index from those words to their rules.
_COMMON = words(
    "kommer ta tar ni du dig er och av upp ner få får fick ge ger göra gör inte ska "
    "känna känner vet var vart bor då in ute mot kör köra genom igenom vänta väntar "
    "hitta hittar alla all slå slår slog"
)


def _anchor(rule: _Rule) -> frozenset[str]:
    return min(rule.groups, key=lambda g: (len(g & _COMMON), len(g)))


_BY_ANCHOR: dict[str, list[_Rule]] = {}
for _r in _THREAT_RULES:
    for _w in _anchor(_r):
        _BY_ANCHOR.setdefault(_w, []).append(_r)
_ANCHORS = frozenset(_BY_ANCHOR)


def threat_words(
    text: str, tokens: Sequence[Token], words: frozenset[str] | None = None
) -> tuple[str, ...]:
    """The words of the first threat found, or () when there is none."""
    words = present(tokens) if words is None else words
    anchors = _ANCHORS & words
    if not anchors:
        return ()
    # Clause by clause only for the rules whose words are all in the text,
    # in the order they are written.
    candidates = {id(r) for w in anchors for r in _BY_ANCHOR[w]}
    rules = [r for r in _THREAT_RULES if id(r) in candidates and _possible(r, words)]
    if not rules:
        return ()
    for clause in clauses(text):
        found = _threat_in(clause, rules)
        if found:
            return tuple(found)
    return ()


def _contempt(tok: Token) -> bool:
    w = tok.text
    if w in _CONTEMPT or tok.stem in _CONTEMPT:
        return True
    return w.endswith(_CONTEMPT_SUFFIXES) and len(w) > 7 and not w.startswith("huvud")


def _insult_in(clause: Sequence[Token]) -> list[str] | None:
    target = None
    for t in clause:
        if t.text in _INSULT_TARGETS or _is_role(t):
            target = t
            break
    if target is None:
        return None
    words = [t.text for t in clause]
    for i, t in enumerate(clause):
        w = t.text
        if _contempt(t) or w in _STUPID_PEOPLE:
            return [target.text, w] if target is not t else [w]
        if (w in _ANIMALS or t.stem in _ANIMALS) and any(
            c in _ANIMAL_CUES for c in words[max(0, i - 3) : i]
        ):
            return [target.text, w]
        for a, b in _STUPID_PHRASES:
            if w == a and i + 1 < len(words) and words[i + 1] == b:
                return [target.text, a, b]
    return None


_INSULT_ANY = _CONTEMPT | _ANIMALS | _STUPID_PEOPLE | frozenset(p[0] for p in _STUPID_PHRASES)


def insult_words(
    text: str,
    tokens: Sequence[Token],
    words: frozenset[str] | None = None,
    *,
    lowered: str | None = None,
) -> tuple[str, ...]:
    """The words of the first insult aimed at people, or () when there is none.

    ``lowered``: the text lower-cased, when already at hand."""
    words = present(tokens) if words is None else words
    if _INSULT_ANY.isdisjoint(words) and not _contempt_compound(
        text, text.lower() if lowered is None else lowered
    ):
        return ()
    for clause in clauses(text):
        found = _insult_in(clause)
        if found:
            return tuple(found)
    return ()
