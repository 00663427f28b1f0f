"""Flags on an item: question / no reply needed, offensive, threat.

Word lists are matched on whole tokens (and on named word beginnings for
compounds such as "idiotpolitiker"), never on substrings, so innocent
Swedish words that look rude in English ("sex" is six, "slut" is end,
"kiss", "fart", "sås", "hård", "bollar") are left alone. English-only
insults are only looked for in English text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import islice

from inbox.core.classify.hostility import insult_words, present, threat_words
from inbox.core.classify.words import Token, tokenize, words

_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_INTERROGATIVES = words(
    "hur vad varför vem vems vilken vilket vilka när var vart varifrån how what why when "
    "where who which"
)
_EXCLAMATIVE_AFTER = words(
    "fin fint fina bra härligt härlig härliga kul roligt rolig vackert vacker vackra "
    "synd skönt underbart underbar gulligt gullig goa gott god mysigt mysig snyggt "
    "snygg trevligt trevlig tråkigt tråkig hemskt hemsk otroligt duktiga duktig "
    "fantastiskt fantastisk grymt grym en ett mycket många härligt jobbigt sorgligt "
    "a an lovely nice great beautiful"
)
_WHICH = words("vilken vilket vilka")
_INVERTED = re.compile(
    r"^(?:kan|kunde|får|fick|finns|fanns|går|gick|ska|skall|skulle|måste|behöver|har|"
    r"är|var|vet|visste|blir|gäller|stämmer|fungerar|funkar|brukar|tar|tänker|"
    r"planerar|tycker|vill|borde|hjälper|do|does|did|is|are|can|could|will|would|should)"
    r"\s+(?:ni|jag|man|du|det|vi|någon|nån|den|de|dom|detta|regionen|kommunen|you|i|it|"
    r"they|we|there|anyone|this)\b"
)
_REQUEST_LIST = (
    "undrar|skulle vilja veta|vill veta|vill gärna veta|någon som vet|nån som vet|"
    "kan någon|hjälp mig|hjälpa mig|ring mig|ringa mig|kontakta mig|hör av er|hör av dig|"
    "återkom|vill ha svar|svara mig|svara på|ge mig svar|behöver hjälp|behöver svar|"
    "vänligen|meddela mig|informera mig|vill ha hjälp|vill boka|vill avboka|"
    "vill anmäla|vill klaga|begär|i wonder|please help|please let me know|"
    "could you|can you|can someone"
)
_REQUESTS = _REQUEST_LIST.split("|")
_REQUEST = re.compile(r"\b(?:" + "|".join(_REQUESTS) + r")\b")
# The longest word of each request: without one of them none can be there.
_REQUEST_NEEDS = frozenset(max(r.split(), key=len) for r in _REQUESTS)
_ACK = words(
    "ok okej okey okay japp jepp jaha aha ah ja jo precis sant exakt instämmer håller med "
    "haha hahaha hahahaha hah hehe lol tack tackar så mycket för info infon informationen "
    "det detta er dig stort tusen varmt snällt fint bra kul härligt toppen super "
    "yes yeah thanks thank you nice cool wow great"
)
# Words that say someone talks to a friend they tagged, not to the organisation.
_FRIEND_CUES = words("kolla titta kika läs se ska vi gå vi borde hade för dig du din dig hej")
_NAME_TAG = re.compile(
    r"^\s*(?:@\w+\s*)+|^\s*[A-ZÅÄÖ][a-zåäöéü]+(?:[ -][A-ZÅÄÖ][a-zåäöéü]+){1,2}(?=\s|$|[!.,])"
)
_BUT = frozenset(("men", "fast", "dock", "but", "however"))

# Insults and profanity, whole Swedish words.
_OFFENSIVE_WORDS = words(
    """
    idiot idioter idioten idioterna idioters pucko puckon
    mongo mongon mongot efterbliven efterblivna efterblivet hora horor horan
    hororna fitta fittan fittor kuk kuken kukar luder ludret ludren svin svinen
    jävla jävlar jävel jäveln jävlarna jävligt jävliga jävlig fan fanskap fanskapet
    helvete helvetet helvetes satan satans knulla knullar knullade skitstövel
    skitstövlar neger negrer blatte blattar blattarna rövhål arsle arslen
    fuck fucking fuckin fucked motherfucker bullshit asshole assholes bitch bitches
    cunt retard retarded moron morons idiots shithead
    """
)
# Compounds: "idiotpolitiker", "fittjävel", "knullgubbe".
_OFFENSIVE_PREFIXES = ("idiot", "jävl", "fitt", "kuk", "knull", "skitstövel", "rövhål", "fuck")
_OFFENSIVE_SUFFIXES = ("jävel", "jävlar", "fitta", "idiot", "idioter", "luder", "hora")
# "idiotisk" goes with things as well as people: the insult rules decide.
_NOT_OFFENSIVE = ("fittja", "kukumber", "mongoli", "horisont", "idiotisk")
_OFFENSIVE_EN_ONLY = words("slut sluts whore fag faggot dick prick cock shit")
_OFFENSIVE_PHRASES = re.compile(
    r"\b(?:dum i huvudet|dumma i huvudet|dumma i huvet|dum i huvet|håll käften|håll truten|"
    r"ditt as|era as|jävla as|ditt äckel|era äckel|din jävel|ditt pack|dra åt skogen|"
    r"ta dig i röven|kyss mig i|fy fan|jävla cp|din cp)\b"
)

_OBJECT = (
    r"(?:dig|er|honom|henne|hen|dem|dom|alla|hela\s+\w+|ihjäl|politikerna|personalen|"
    r"chefen|chefer|läkaren|läkarna|handläggaren|er\s+alla|varenda\s+\w+|you|them|him|her)"
)
_THREAT = re.compile(
    r"\b(?:(?:döda|dödar|mörda|mördar|skjuta|skjuter|knivhugga|knivhugger|slå\s+ihjäl|"
    r"slår\s+ihjäl|spränga|spränger|misshandla|strypa|hänga|våldta|ta\s+livet\s+av|"
    r"kill|shoot|stab|hurt)\s+" + _OBJECT + r"\b"
    r"|(?:bränna\s+ner|bränner\s+ner|sätta\s+eld\s+på|sätter\s+eld\s+på|tända\s+eld\s+på|"
    r"spränga|spränger)\s+(?:\w+\s+)?(?:kontoret|sjukhuset|kommunhuset|regionhuset|huset|"
    r"stället|byggnaden|skolan|vårdcentralen|skiten|er|hela)"
    r"|vet\s+(?:var|vart)\s+(?:du|ni|hen|han|hon|dina\s+barn)\s+(?:bor|parkerar|jobbar|sover|hämtar|går)"
    r"|(?:ska|kommer\s+att|kommer)\s+(?:hitta|komma\s+efter)\s+(?:dig|er)\b(?!\s+(?:plats|väg|rätt|fram|där|här))"
    r"|kommer\s+efter\s+(?:dig|er)\b"
    r"|(?:ni|du)\s+(?:ska|kommer\s+att|kommer)\s+(?:få\s+se|få\s+ångra|ångra|dö|få\s+sota|få\s+betala\s+dyrt)"
    r"|borde\s+(?:skjutas|hängas|dö|dödas|avrättas|brännas)"
    r"|(?:förtjänar\s+att\s+dö|hoppas\s+(?:du|ni|hen|han|hon)\s+dör)"
    r"|\bbomb(?:en|hot)?\b|\bsprängladdning"
    r"|akta\s+(?:dig|er)\b(?!\s+för)"
    r"|i\s+will\s+(?:kill|hurt|find)|you\s+will\s+(?:die|pay))"
)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def is_question(
    text: str, seen: frozenset[str] | None = None, *, lowered: str | None = None
) -> bool:
    """A question or a request that asks the organisation for an answer.

    ``seen``, the lower-cased words of ``text`` (more may be there), saves a search;
    ``lowered``, the text lower-cased, when already at hand.
    """
    lowered = text.lower() if lowered is None else lowered
    if "http" in lowered or "www." in lowered:
        lowered = _URL.sub(" ", lowered)
    if "?" in lowered:
        return True
    if (seen is None or not _REQUEST_NEEDS.isdisjoint(seen)) and _REQUEST.search(lowered):
        return True
    for sentence in _sentences(lowered):
        # What a sentence is asking shows in its first two words.
        words = [m.group() for m in islice(_WORD.finditer(sentence), 2)]
        if not words:
            continue
        if words[0] in _INTERROGATIVES:
            # "Vilken fin bild!", "Vilket slöseri." are exclamations, "Vad fint" too.
            exclamative = words[0] in _WHICH or (len(words) > 1 and words[1] in _EXCLAMATIVE_AFTER)
            if not exclamative and not sentence.endswith("!"):
                return True
        elif _INVERTED.match(" ".join(words)) and not sentence.endswith("!"):
            return True
    return False


def is_friend_tag(text: str, tokens: Sequence[Token]) -> bool:
    """'@Anna kolla!' or 'Anna Svensson' alone: a tag for a friend."""
    m = _NAME_TAG.match(text)
    if not m:
        return False
    rest = [t.text for t in tokenize(text[m.end() :])]
    if not rest:
        return True
    return len(rest) <= 12 and any(w in _FRIEND_CUES for w in rest)


def no_reply_needed(
    text: str, tokens: Sequence[Token], *, question: bool, sentiment_label: str
) -> bool:
    """Thanks, praise without a question, a lone emoji or a tag for a friend."""
    if not tokens or all(t.text.isdigit() for t in tokens):
        return True  # emojis, punctuation, "+1"
    if is_friend_tag(text, tokens):
        return True
    if question:
        return False
    words = [t.text for t in tokens]
    if all(w in _ACK for w in words):
        return True
    return sentiment_label == "positive" and not any(w in _BUT for w in words)


def offensive_words(
    text: str,
    tokens: Sequence[Token],
    *,
    language: str,
    words: frozenset[str] | None = None,
    lowered: str | None = None,
) -> tuple[str, ...]:
    """The words that make ``text`` offensive (swear words, insults), or ()."""
    words = present(tokens) if words is None else words
    lowered = text.lower() if lowered is None else lowered
    english = language == "en"
    rude = [t.rude for t in tokens]
    if None in rude:
        for k, tok in enumerate(tokens):
            if tok.rude is None:
                tok.rude = rude[k] = _rude(tok.text)
    if True in rude or (english and not _OFFENSIVE_EN_ONLY.isdisjoint(words)):
        for tok in tokens:
            if tok.rude:
                if tok.text == "fan" and english:
                    continue  # "a big fan"
                return (tok.text,)
            if english and tok.text in _OFFENSIVE_EN_ONLY:
                return (tok.text,)
    if not _PHRASE_NEEDS.isdisjoint(words):
        m = _OFFENSIVE_PHRASES.search(lowered)
        if m:
            return (m.group(),)
    return insult_words(text, tokens, words, lowered=lowered)


def _rude(w: str) -> bool:
    """A swear word or rude compound, whatever the language (kept on the token)."""
    compound = w.startswith(_OFFENSIVE_PREFIXES) or w.endswith(_OFFENSIVE_SUFFIXES)
    return w in _OFFENSIVE_WORDS or (compound and len(w) > 5 and not w.startswith(_NOT_OFFENSIVE))


# The first word of each of _OFFENSIVE_PHRASES.
_PHRASE_NEEDS = words("dum dumma håll ditt era jävla din dra ta kyss fy")


def is_swearing(found: Sequence[str]) -> bool:
    """Whether the words ``offensive_words`` found are swear words, not an insult."""
    return len(found) == 1 and (
        found[0] in _OFFENSIVE_WORDS
        or found[0] in _OFFENSIVE_EN_ONLY
        or found[0].startswith(_OFFENSIVE_PREFIXES)
        or found[0].endswith(_OFFENSIVE_SUFFIXES)
        or bool(_OFFENSIVE_PHRASES.fullmatch(found[0]))
    )


# The words each alternative of _THREAT needs, one of each group; the pattern is
# searched only when some alternative has all its groups in the text. The first
# group of each is its least common one.
_THREAT_NEEDS = tuple(
    tuple(words(group) for group in alternative.split("|"))
    for alternative in (
        "döda dödar mörda mördar skjuta skjuter knivhugga knivhugger ihjäl spränga spränger "
        "misshandla strypa hänga våldta livet kill shoot stab hurt",
        "bränna bränner eld spränga spränger",
        "vet|var vart",
        "hitta komma|ska kommer|dig er",
        "efter|kommer|dig er",
        "se ångra dö sota dyrt|ni du|ska kommer",
        "borde|skjutas hängas dö dödas avrättas brännas",
        "förtjänar hoppas|dö dör",
        "bomb bomben bombhot",
        "akta|dig er",
        "will|kill hurt find die pay",
    )
)


_THREAT_FIRST = frozenset().union(*(alternative[0] for alternative in _THREAT_NEEDS))


def _threat_possible(words: frozenset[str]) -> bool:
    if _THREAT_FIRST.isdisjoint(words):
        return False
    for alternative in _THREAT_NEEDS:
        for group in alternative:
            if group.isdisjoint(words):
                break
        else:
            return True
    return False


def threat_words_in(
    text: str,
    tokens: Sequence[Token],
    words: frozenset[str] | None = None,
    *,
    lowered: str | None = None,
) -> tuple[str, ...]:
    """The words of a threat in ``text`` (``lowered``: lower-cased), or ()."""
    words = present(tokens) if words is None else words
    found = threat_words(text, tokens, words)
    if found:
        return found
    lowered = text.lower() if lowered is None else lowered
    if not _threat_possible(words) and "sprängladdning" not in lowered:
        return ()
    m = _THREAT.search(lowered)
    return (m.group(),) if m else ()
