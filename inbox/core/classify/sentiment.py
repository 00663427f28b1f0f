"""Lexicon sentiment for Swedish comments: offline, explainable and fast.

Words and phrases carry weights (sentiment_lexicon.py); "inte/ej/aldrig"
flips the next few words, intensifiers ("jätte", "väldigt", "fan vad")
strengthen the next one, elongated words ("braaaa") count as the word and a
little more, laughter ("hahaha", "hihi") counts as a positive word, emojis
count with weights from the Emoji Sentiment Ranking (emoji_sentiment.py; how
far each emoji's published score lies from the average emoji's), emoticons
count like words, and exclamation marks strengthen whatever was said. The
sum is squashed into -1..1 as in VADER.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from inbox.core.classify.sentiment_lexicon import (
    COMPLAINT_WEIGHT,
    EMOTICONS,
    INTENSIFIER_BRIDGES,
    INTENSIFIER_PREFIXES,
    INTENSIFIERS,
    LOADED_PREFIXES,
    LOADED_SUFFIXES,
    NEGATORS,
    NOT_DONE,
    PHRASES,
    REPEATED,
    REPEATED_BOOST,
    complaint_weights,
    emoji_weights,
    english_weights,
    surface_only_weights,
    word_weights,
)
from inbox.core.classify.words import Token, stem

Label = Literal["positive", "neutral", "negative"]

# |score| below this is neutral; a single mild word ("tyvärr", "okej") is enough.
# Chosen with the emoji scale (sentiment_lexicon.EMOJI_SCALE).
THRESHOLD = 0.25
_ALPHA = 8.0
_NEGATION_SCOPE = 3
# Politeness in a question ("Tack på förhand!") is not praise.
_POLITE = frozenset(("tack", "tackar", "tacksam", "tacksamma", "snälla", "vänliga", "hej"))

# Nor is a positive word in a question ("Vem vann?", "Tips på en bra podd?"):
# it names what is asked about. Complaints are often asked ("Varför är det så
# dåligt?"), so negative words keep their weight.
_QUESTION_POSITIVE = 0.25
_BUT = frozenset(("men", "but"))
_SURFACE = word_weights()
_STEMS: dict[str, float] = {}
for _w, _weight in _SURFACE.items():
    _STEMS.setdefault(stem(_w), _weight)
_SURFACE.update(surface_only_weights())
for _w, _weight in complaint_weights().items():
    _SURFACE.setdefault(_w, _weight)
_SURFACE.update(english_weights())
# Phrases by first word, longest first, so most words cost one look-up.
_PHRASES: dict[str, list[tuple[tuple[str, ...], float]]] = {}
for _p, _weight in sorted(PHRASES.items(), key=lambda kv: -len(kv[0].split())):
    _PHRASES.setdefault(_p.split()[0], []).append((tuple(_p.split()), _weight))
# Every phrase has two words or more: the second word of each, by the first.
_PHRASE_SECOND = {
    first: frozenset(seq[1] for seq, _ in phrases) for first, phrases in _PHRASES.items()
}
_EMOJI = emoji_weights()
# Every emoji in the table is one code point. One emoji as written is a flag
# (two regional-indicator letters) or a symbol with its variation selector
# and skin tone, joined by zero-width joiners to further ones ("🤦🏽‍♀️",
# "❤️‍🔥", "👨‍👩‍👧"); it counts once, as its first symbol.
_SYMBOL = "[\u2190-\u2bff\U0001f000-\U0001faff]"
_MODIFIERS = "[\ufe0f\U0001f3fb-\U0001f3ff]*"
# Read where a symbol is: the search for the next symbol skips quickly over words.
_EMOJI_RE = re.compile(
    f"[\U0001f1e6-\U0001f1ff]{{2}}|{_SYMBOL}{_MODIFIERS}(?:\u200d{_SYMBOL}{_MODIFIERS})*"
)
_ANY_SYMBOL = re.compile(_SYMBOL)
_STRIP_MODIFIERS = re.compile(_MODIFIERS)
_REGIONAL = range(0x1F1E6, 0x1F200)
# Laughter however it is spelt: "haha", "hahahah", "hihi", "ahaha", "hehe".
_LAUGH_RE = re.compile(r"a?(?:h+[aeiouyåäö]+){2,}h*")
LAUGHTER = 2.0
# "braaaa", "nejjj", "sååå": three or more of a letter are one or two.
_REPEAT_RE = re.compile(r"([^\W\d_])\1{2,}")
_ELONGATED = 1.25
_EMOTICON_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True)) + r")"
    r"(?!\w)"
)
_PREFIX_MIN_REST = 3
_PREFIXES = INTENSIFIER_PREFIXES + tuple(LOADED_PREFIXES)
_SUFFIXES = tuple(LOADED_SUFFIXES)


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: Label
    score: float  # -1 (very negative) .. 1 (very positive)


def _word_weight(word: str, word_stem: str) -> float | None:
    # Per distinct word, not per text: the lexicon is fixed, words repeat.
    if word in _WEIGHTS:
        return _WEIGHTS[word]
    w = _SURFACE.get(word)
    if w is None:
        w = _STEMS.get(word_stem)
    if w is None:
        if word.startswith(_PREFIXES):
            w = _prefixed_weight(word)
        elif word.endswith(_SUFFIXES):
            w = _suffixed_weight(word)
    if len(_WEIGHTS) > 100_000:
        _WEIGHTS.clear()
    _WEIGHTS[word] = w
    return w


_WEIGHTS: dict[str, float | None] = {}


def _is_plain(word: str, word_stem: str) -> bool:
    """A word that carries no sentiment and starts nothing (most words)."""
    return (
        word not in _PHRASES
        and word not in NEGATORS
        and word not in INTENSIFIERS
        and _word_weight(word, word_stem) is None
        and not ("h" in word and _laughter(word))
    )


# A word as sentiment reads it: its form, that form's stem, its emphasis and
# whether it is plain.
_Form = tuple[str, str, float, bool]


def _form(tok: Token) -> _Form:
    if tok.elongated:
        text, word_stem, emphasis = _normal(tok.text)
    else:
        text, word_stem, emphasis = tok.text, tok.stem, 1.0
    form = tok.sentiment = (text, word_stem, emphasis, _is_plain(text, word_stem))
    return form


@lru_cache(maxsize=16384)
def _laughter(word: str) -> bool:
    return _LAUGH_RE.fullmatch(word) is not None


def _known(word: str) -> bool:
    return (
        word in _SURFACE
        or word in INTENSIFIERS
        or word in NEGATORS
        or word in _PHRASES
        or _word_weight(word, stem(word)) is not None
    )


@lru_cache(maxsize=16384)
def _normal(word: str) -> tuple[str, str, float]:
    """Surface form, stem and emphasis of an elongated word ("braaaa" -> "bra").

    Of the two readings (a run as one letter or as two) the known one wins:
    "sååå" is "så", "jättttebra" is "jättebra".
    """
    one = _REPEAT_RE.sub(r"\1", word)
    two = _REPEAT_RE.sub(r"\1\1", word)
    for form in (one, two):
        if _known(form):
            return form, stem(form), _ELONGATED
    if _LAUGH_RE.fullmatch(word):
        return word, word, 1.0
    return one, stem(one), 1.0


def _suffixed_weight(word: str) -> float | None:
    for suffix, weight in LOADED_SUFFIXES.items():
        if word.endswith(suffix) and len(word) - len(suffix) >= _PREFIX_MIN_REST:
            return weight
    return None


@lru_cache(maxsize=16384)
def _prefixed_weight(word: str) -> float | None:
    for prefix in INTENSIFIER_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= _PREFIX_MIN_REST:
            rest = word[len(prefix) :]
            inner = _SURFACE.get(rest, _STEMS.get(stem(rest)))
            if inner is not None:
                return inner * 1.5
            if prefix == "skit":  # "skitkommun", "skitsnack"
                return -2.0
    for prefix, weight in LOADED_PREFIXES.items():
        if word.startswith(prefix) and len(word) - len(prefix) >= _PREFIX_MIN_REST:
            return weight
    return None


@lru_cache(maxsize=4096)
def _emoji_weight(emoji: str) -> tuple[str, float | None]:
    """The emoji a written one counts as, and its weight (None: unknown)."""
    if ord(emoji[0]) in _REGIONAL:
        # The ranking lists the letters of flags, not flags: a flag weighs
        # what its letters weigh on average.
        letters = [_EMOJI[c] for c in emoji if c in _EMOJI]
        return emoji, sum(letters) / len(letters) if letters else None
    core = _STRIP_MODIFIERS.sub("", emoji)
    if core in _EMOJI:
        return core, _EMOJI[core]
    return emoji[0], _EMOJI.get(emoji[0])


def _emoticons(text: str) -> float:
    # Every emoticon but "xD" has one of : ; < =, so most texts need no search.
    if ":" in text or ";" in text or "<" in text or "=" in text or "xD" in text or "XD" in text:
        return sum(EMOTICONS[m.group()] for m in _EMOTICON_RE.finditer(text))
    return 0.0


def _emojis(text: str, first: re.Match[str]) -> Iterator[str]:
    """The emojis of ``text`` as written, from its ``first`` symbol on."""
    # From symbol to symbol (a quick search), reading each emoji there: every
    # emoji starts with a symbol, and at a symbol one always starts.
    symbol: re.Match[str] | None = first
    while symbol is not None:
        at = symbol.start()
        written = _EMOJI_RE.match(text, at)
        end = written.end() if written is not None else at + 1
        yield text[at:end]
        symbol = _ANY_SYMBOL.search(text, end)


def _emoji_total(text: str) -> float:
    first = _ANY_SYMBOL.search(text)
    if first is None:
        return _emoticons(text)  # no symbol or emoji at all
    seen: dict[str, int] = {}
    total = 0.0
    for written in _emojis(text, first):
        e, weight = _emoji_weight(written)
        if weight is None:
            continue
        n = seen.get(e, 0)
        # Repeating an emoji strengthens it, with diminishing returns.
        if n < 4:
            total += weight * (1.0 if n == 0 else 0.4)
        seen[e] = n + 1
    return total + _emoticons(text)


def _words_total(tokens: Sequence[Token], question: bool) -> float:
    # How each word reads (kept on its token): "braaaa" as "bra", a little stronger.
    forms: list[_Form] = [t.sentiment for t in tokens]  # type: ignore[misc]
    if None in forms:
        forms = [f if f is not None else _form(t) for f, t in zip(forms, tokens, strict=True)]
    interesting = [k for k, f in enumerate(forms) if not f[3]]
    if not interesting:
        return 0.0
    surf = [f[0] for f in forms]
    total = 0.0
    negated_until = -1
    boost = 1.0
    # As in VADER: after "men" (but) the writer says what they mean.
    but = -1 if _BUT.isdisjoint(surf) else next(k for k, w in enumerate(surf) if w in _BUT)
    n = len(tokens)
    # Only the words that are not plain are visited; a plain word in between
    # ends an intensifier's reach. ``expected`` is the next word to look at.
    expected = 0
    for i in interesting:
        if i < expected:
            continue  # inside a phrase or a bridge already counted
        if i > expected:
            boost = 1.0
        word = surf[i]
        weight: float | None = None
        span = 1
        phrases = _PHRASES.get(word)
        if phrases is None or i + 1 >= n or surf[i + 1] not in _PHRASE_SECOND[word]:
            phrases = []
        for seq, phrase_weight in phrases:
            k = i + len(seq)
            if tuple(surf[i:k]) == seq:
                # "helt otroligt bra": an intensifier at the end of a phrase
                # that is followed by a word of its own is one.
                if seq[-1] in INTENSIFIERS and k < n and _word_weight(surf[k], forms[k][1]):
                    continue
                weight, span = phrase_weight, len(seq)
                break
        if weight is None:
            if word in NEGATORS:
                negated_until = i + _NEGATION_SCOPE
                if any(w in NOT_DONE for w in surf[i + 1 : i + 1 + _NEGATION_SCOPE]):
                    total += COMPLAINT_WEIGHT  # "har inte tömts", "ingen hört av sig"
                expected = i + 1
                continue
            if word in INTENSIFIERS and i + 1 < n:
                if _word_weight(surf[i + 1], forms[i + 1][1]):
                    boost = INTENSIFIERS[word]
                    expected = i + 1
                    continue
                # "fan vad bra", "jävlar så gott"
                if (
                    surf[i + 1] in INTENSIFIER_BRIDGES
                    and i + 2 < n
                    and _word_weight(surf[i + 2], forms[i + 2][1])
                ):
                    boost = INTENSIFIERS[word]
                    expected = i + 2
                    continue
            weight = _WEIGHTS[word] if word in _WEIGHTS else _word_weight(word, forms[i][1])
            if weight is None and "h" in word and _laughter(word):
                weight = LAUGHTER
            elif weight:
                weight *= forms[i][2]
        if weight:
            if question and word in _POLITE:
                weight *= 0.25
            elif question and weight > 0:
                weight *= _QUESTION_POSITIVE
            if i <= negated_until and span == 1:
                # "inte bra" is bad; "inte dåligt" is only mildly good.
                weight = -weight * (0.75 if weight > 0 else 0.5)
            total += weight * boost * ((0.5 if i < but else 1.5) if but >= 0 else 1.0)
        boost = 1.0
        expected = i + span
    if total < 0 and not REPEATED.isdisjoint(surf):
        total *= REPEATED_BOOST
    return total


# An eye-roll or an upside-down face makes the praise around it sarcastic:
# "Toppen, bussen kom inte idag heller 🙄".
_SARCASM = ("\U0001f644", "\U0001f643")


def analyse_sentiment(text: str, tokens: Sequence[Token], *, question: bool) -> Sentiment:
    words = _words_total(tokens, question)
    if words > 0 and (_SARCASM[0] in text or _SARCASM[1] in text):
        words = -words
    total = words + _emoji_total(text)
    if total:
        total *= 1.0 + 0.08 * min(text.count("!"), 4)
    score = total / math.sqrt(total * total + _ALPHA)
    label: Label = "neutral"
    if score >= THRESHOLD:
        label = "positive"
    elif score <= -THRESHOLD:
        label = "negative"
    return Sentiment(label, round(score, 3))
