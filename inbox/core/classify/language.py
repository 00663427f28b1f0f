"""Language of an item: "sv", "en" or "other".

pycld2 is reliable on sentences but guesses on a few words, and often calls
short Swedish Danish or Norwegian. Short or unreliable texts are therefore
decided by counting common Swedish and English words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pycld2

Lang = Literal["sv", "en", "other"]

_SV = frozenset(
    [
        "och",
        "att",
        "det",
        "är",
        "som",
        "på",
        "för",
        "med",
        "har",
        "inte",
        "jag",
        "du",
        "ni",
        "vi",
        "de",
        "den",
        "ett",
        "en",
        "av",
        "om",
        "till",
        "kan",
        "hur",
        "när",
        "var",
        "vad",
        "varför",
        "vem",
        "vilken",
        "vilka",
        "här",
        "där",
        "men",
        "eller",
        "så",
        "nu",
        "då",
        "också",
        "bara",
        "mycket",
        "tack",
        "hej",
        "hejsan",
        "bra",
        "från",
        "min",
        "mitt",
        "mina",
        "din",
        "ditt",
        "era",
        "er",
        "oss",
        "mig",
        "dig",
        "sig",
        "ska",
        "skulle",
        "kommer",
        "blir",
        "vara",
        "inga",
        "ingen",
        "något",
        "några",
        "alla",
        "efter",
        "innan",
        "under",
        "över",
        "utan",
        "vill",
        "får",
        "finns",
        "går",
        "gör",
        "fick",
        "jättebra",
        "tyvärr",
        "varje",
        "redan",
        "fortfarande",
        "aldrig",
        "alltid",
        "igen",
    ]
)
_EN = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "was",
        "were",
        "you",
        "your",
        "i",
        "my",
        "me",
        "we",
        "our",
        "they",
        "it",
        "this",
        "that",
        "to",
        "of",
        "in",
        "on",
        "for",
        "with",
        "not",
        "no",
        "yes",
        "have",
        "has",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "will",
        "what",
        "how",
        "why",
        "when",
        "where",
        "who",
        "which",
        "thanks",
        "thank",
        "please",
        "hello",
        "hi",
        "great",
        "good",
        "bad",
        "very",
        "just",
        "but",
        "or",
        "so",
        "there",
        "here",
        "from",
        "about",
        "an",
        "be",
        "been",
        "am",
    ]
)
_NORDIC = frozenset(("da", "no", "nn", "nb"))


def _has_swedish_letter(text: str) -> bool:
    return "å" in text or "ä" in text or "ö" in text


def _word_vote(words: Sequence[str]) -> Lang | None:
    sv = sum(map(_SV.__contains__, words))
    en = sum(map(_EN.__contains__, words))
    if _has_swedish_letter(" ".join(words)):
        sv += 1
    if sv > en:
        return "sv"
    if en > sv:
        return "en"
    return None


# Words only Swedish writes (Danish and Norwegian say "og", "ikke", "jeg", "er",
# "også", "hvorfor"); three of them and no English settle it without cld2.
_SV_ONLY_WORDS = (
    "och inte är jag också varför hur vad någon något några mycket ska skulle "
    "bara eller när här där vår våra någonsin redan fortfarande"
)
_EN_ONLY_WORDS = (
    "the and is you are of to with this that have not for what where how can my your it was"
)
_SV_ONLY = frozenset(_SV_ONLY_WORDS.split())
_EN_ONLY = frozenset(_EN_ONLY_WORDS.split())


def detect_language(text: str, letters: Sequence[str]) -> Lang:
    """Language of ``text``; ``letters`` are its lower-cased words of letters only."""
    if not letters:
        # Emojis, numbers, punctuation: the organisation's own language.
        return "sv"
    if len(letters) >= 6:
        sv_only = len(_SV_ONLY.intersection(letters))
        en_only = len(_EN_ONLY.intersection(letters))
        if sv_only >= 3 and en_only == 0:
            return "sv"
        if en_only >= 4 and sv_only == 0 and not _has_swedish_letter(text):
            return "en"
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
        code: str = details[0][1]
    except pycld2.error:
        reliable, code = False, "un"
    long_enough = len(letters) >= 6
    if reliable and long_enough and code in ("sv", "en"):
        return "sv" if code == "sv" else "en"
    vote = _word_vote(letters)
    if vote is not None and (not long_enough or code in _NORDIC or code in ("sv", "en", "un")):
        return vote
    if reliable and long_enough:
        return "other"
    if code in ("sv", "en"):
        return "sv" if code == "sv" else "en"
    if vote is not None:
        return vote
    # A few words in no known language: only call it foreign when cld2 is sure.
    return "other" if reliable and code not in _NORDIC else "sv"
