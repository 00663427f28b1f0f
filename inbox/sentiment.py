"""Lexicon sentiment for Swedish comments: offline, explainable and fast.

Words and phrases carry weights (sentiment_lexicon.py); "inte/ej/aldrig"
flips the next few words, intensifiers ("jätte", "väldigt") strengthen the
next one, emojis count with weights from the Emoji Sentiment Ranking
(emoji_sentiment.py; how far each emoji's published score lies from the
average emoji's), emoticons count like words, and exclamation marks
strengthen whatever was said. The sum is squashed into -1..1 as in VADER.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from inbox.sentiment_lexicon import (
    EMOTICONS,
    INTENSIFIER_PREFIXES,
    INTENSIFIERS,
    NEGATORS,
    PHRASES,
    emoji_weights,
    english_weights,
    word_weights,
)
from inbox.words import Token, stem

Label = Literal["positive", "neutral", "negative"]

# |score| below this is neutral; a single mild word ("tyvärr", "okej") is enough.
THRESHOLD = 0.2
_ALPHA = 8.0
_NEGATION_SCOPE = 3
# Politeness in a question ("Tack på förhand!") is not praise.
_POLITE = frozenset(("tack", "tackar", "tacksam", "tacksamma", "snälla", "vänliga", "hej"))

_BUT = frozenset(("men", "but"))
_SURFACE = word_weights()
_STEMS: dict[str, float] = {}
for _w, _weight in _SURFACE.items():
    _STEMS.setdefault(stem(_w), _weight)
_SURFACE.update(english_weights())
# Phrases by first word, longest first, so most words cost one look-up.
_PHRASES: dict[str, list[tuple[tuple[str, ...], float]]] = {}
for _p, _weight in sorted(PHRASES.items(), key=lambda kv: -len(kv[0].split())):
    _PHRASES.setdefault(_p.split()[0], []).append((tuple(_p.split()), _weight))
_EMOJI = emoji_weights()
# Every emoji in the table is one code point (variation selectors and skin
# tones follow as separate ones); scan for the symbol blocks, then look up.
_EMOJI_RE = re.compile("[\u2190-\u2bff\U0001f000-\U0001faff]")
_EMOTICON_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(e) for e in sorted(EMOTICONS, key=len, reverse=True)) + r")"
    r"(?!\w)"
)
_PREFIX_MIN_REST = 3


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: Label
    score: float  # -1 (very negative) .. 1 (very positive)


def _word_weight(tok: Token) -> float | None:
    w = _SURFACE.get(tok.text)
    if w is None:
        w = _STEMS.get(tok.stem)
    if w is None and tok.text.startswith(INTENSIFIER_PREFIXES):
        return _prefixed_weight(tok.text)
    return w


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
    return None


def _emoji_total(text: str) -> float:
    seen: dict[str, int] = {}
    total = 0.0
    for e in _EMOJI_RE.findall(text):
        if e not in _EMOJI:
            continue
        n = seen.get(e, 0)
        # Repeating an emoji strengthens it, with diminishing returns.
        if n < 4:
            total += _EMOJI[e] * (1.0 if n == 0 else 0.4)
        seen[e] = n + 1
    for m in _EMOTICON_RE.finditer(text):
        total += EMOTICONS[m.group()]
    return total


def _words_total(tokens: Sequence[Token], question: bool) -> float:
    surf = [t.text for t in tokens]
    total = 0.0
    negated_until = -1
    boost = 1.0
    # As in VADER: after "men" (but) the writer says what they mean.
    but = next((k for k, w in enumerate(surf) if w in _BUT), -1)
    i, n = 0, len(tokens)
    while i < n:
        weight: float | None = None
        span = 1
        word = surf[i]
        for seq, phrase_weight in _PHRASES.get(word, ()):
            if tuple(surf[i : i + len(seq)]) == seq:
                weight, span = phrase_weight, len(seq)
                break
        if weight is None:
            if word in NEGATORS:
                negated_until = i + _NEGATION_SCOPE
                i += 1
                continue
            if word in INTENSIFIERS and i + 1 < n and _word_weight(tokens[i + 1]):
                boost = INTENSIFIERS[word]
                i += 1
                continue
            weight = _word_weight(tokens[i])
        if weight:
            if question and word in _POLITE:
                weight *= 0.25
            if i <= negated_until and span == 1:
                # "inte bra" is bad; "inte dåligt" is only mildly good.
                weight = -weight * (0.75 if weight > 0 else 0.5)
            total += weight * boost * ((0.5 if i < but else 1.5) if but >= 0 else 1.0)
        boost = 1.0
        i += span
    return total


def analyse_sentiment(text: str, tokens: Sequence[Token], *, question: bool) -> Sentiment:
    total = _words_total(tokens, question) + _emoji_total(text)
    if total:
        total *= 1.0 + 0.08 * min(text.count("!"), 4)
    score = total / math.sqrt(total * total + _ALPHA)
    label: Label = "neutral"
    if score >= THRESHOLD:
        label = "positive"
    elif score <= -THRESHOLD:
        label = "negative"
    return Sentiment(label, round(score, 3))
