"""Topic matching compiled once from the rules' keywords and phrases.

A token hits a keyword, best first, when
  1. its stem equals the keyword's stem ("bussen" -> buss),
  2. it begins or ends with the keyword's stem, for keywords of at least
     four letters: a compound ("busskortet", "stadsbuss"); when what is left
     is only an inflection ending, it counts as an exact hit,
  3. its stem is within a small edit distance of a keyword of at least six
     letters with the same first letter: a typo ("vårdcentarl").
When a token fits several keywords only the longest counts, so "tandvården"
is tandvård and not vård. Phrases match as runs of stems.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from inbox.core.classify.words import Token, stems_of, words
from inbox.core.rules.tagging import Rules

MIN_COMPOUND = 4
MIN_FUZZY = 6
FUZZY_CUTOFF = 86.0
EXACT, COMPOUND, FUZZY_WEIGHT = 1.0, 0.85, 0.8
# What may follow a base form and still be the same word ("detaljplanen").
_ENDINGS = words(
    "a e n t s r en et er ar or na an ens ets ers ns ts ta te de da ade ad at "
    "ade erna arna orna ena ernas arnas ornas ande ende"
)

_MAX_ENDING = max(len(e) for e in _ENDINGS)
_PLACE_HEADS = ("gatan", "vägen", "gränd", "gränden", "torget", "stigen", "leden", "backen")


class TopicHit(NamedTuple):
    key: str
    score: float
    matched: str


class _Keyword(NamedTuple):
    topics: tuple[str, ...]
    word: str  # as written in the rules


@dataclass(slots=True)
class TopicMatcher:
    order: dict[str, int]
    min_score: float
    surface: dict[str, _Keyword] = field(default_factory=dict)
    stems: dict[str, _Keyword] = field(default_factory=dict)
    compounds: dict[str, _Keyword] = field(default_factory=dict)
    words: dict[str, _Keyword] = field(default_factory=dict)
    fuzzy_by_letter: dict[str, list[str]] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _fuzzy_cache: dict[str, str | None] = field(default_factory=dict)
    # Words repeat (Zipf), so each distinct token is looked up once.
    # (Capitalised words are looked up apart: no fuzzy matching for names.)
    _hit_cache: dict[str, list[tuple[_Keyword, float]]] = field(default_factory=dict)
    _hit_cache_capital: dict[str, list[tuple[_Keyword, float]]] = field(default_factory=dict)
    _by_token: dict[Token, list[tuple[_Keyword, float]]] = field(default_factory=dict)

    @classmethod
    def build(cls, rules: Rules) -> TopicMatcher:
        m = cls(order={k: i for i, k in enumerate(rules.topics)}, min_score=rules.min_topic_score)

        def add(table: dict[str, _Keyword], key: str, topic: str, word: str) -> None:
            old = table.get(key)
            if old is None:
                table[key] = _Keyword((topic,), word)
            elif topic not in old.topics:
                table[key] = _Keyword((*old.topics, topic), old.word)

        for key, topic in rules.topics.items():
            for kw in topic.keywords:
                word = kw.strip().lower()
                if word.startswith("="):
                    add(m.surface, word[1:], key, word[1:])
                    continue
                add(m.words, word, key, word)
                for s in stems_of(word):
                    if len(s) < MIN_COMPOUND < len(word) and " " not in word:
                        # "demens" stems to "dem", which is "them": the word
                        # counts as written, and as the start of compounds.
                        add(m.surface, word, key, word)
                        add(m.compounds, word, key, word)
                        continue
                    add(m.stems, s, key, word)
                    if len(s) >= MIN_COMPOUND:
                        add(m.compounds, s, key, word)
            for phrase in topic.phrases:
                seq = stems_of(phrase)
                if seq:
                    m.phrases.setdefault(seq[0], []).append((seq, key, phrase))
            m.exclude[key] = tuple(e.lower() for e in topic.exclude)
        for s in sorted(s for s in m.stems if len(s) >= MIN_FUZZY):
            m.fuzzy_by_letter.setdefault(s[0], []).append(s)
        return m

    def _fuzzy(self, s: str) -> str | None:
        if s in self._fuzzy_cache:
            return self._fuzzy_cache[s]
        found: str | None = None
        # A typo keeps the first letter: only keywords with the same one are tried.
        choices = self.fuzzy_by_letter.get(s[0])
        best = choices and process.extractOne(
            s, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF
        )
        if best:
            found = best[0]
        if len(self._fuzzy_cache) > 50_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[s] = found
        return found

    def _cached_hits(self, tok: Token) -> list[tuple[_Keyword, float]]:
        cache = self._hit_cache_capital if tok.capital else self._hit_cache
        hits = cache.get(tok.text)
        if hits is None:
            if len(cache) > 100_000:
                cache.clear()
            hits = cache[tok.text] = self._token_hits(tok)
        return hits

    def _token_hits(self, tok: Token) -> list[tuple[_Keyword, float]]:
        kw = self.surface.get(tok.text) or self.stems.get(tok.stem) or self.words.get(tok.text)
        if kw is not None:
            return [(kw, EXACT)]
        text = tok.text
        for n in range(1, min(_MAX_ENDING, len(text) - 2) + 1):
            if text[-n:] in _ENDINGS:
                kw = self.words.get(text[:-n])
                if kw is not None:
                    return [(kw, EXACT)]
        if len(text) > 6 and text.endswith(_PLACE_HEADS):
            return []  # "Skolgatan", "Sjukhusvägen": a street name, not the topic
        # A compound may join two keywords ("parkeringsavgift"): the longest
        # keyword at each end counts when the two do not overlap.
        s = tok.stem
        pre = suf = None
        for n in range(len(s) - 1, MIN_COMPOUND - 1, -1):
            if pre is None and (kw := self.compounds.get(s[:n])) is not None:
                pre = (kw, n)
            if suf is None and (kw := self.compounds.get(s[-n:])) is not None:
                suf = (kw, n)
        hits: list[tuple[_Keyword, float]] = []
        both = pre is not None and suf is not None and pre[1] + suf[1] <= len(s)
        if pre is not None and (both or suf is None or pre[1] >= suf[1]):
            inflected = text.startswith(pre[0].word) and (
                text[len(pre[0].word) :] in _ENDINGS or len(text) == len(pre[0].word)
            )
            hits.append((pre[0], EXACT if inflected else COMPOUND))
        if suf is not None and (both or pre is None or suf[1] > pre[1]):
            hits.append((suf[0], COMPOUND))
        if hits:
            return hits
        if len(s) >= MIN_FUZZY and not tok.capital:
            near = self._fuzzy(s)
            if near is not None:
                ratio = fuzz.ratio(s, near) / 100.0
                return [(self.stems[near], round(FUZZY_WEIGHT * ratio, 2))]
        return []

    def match(
        self, tokens: Sequence[Token], stems: Sequence[str] | None = None
    ) -> tuple[TopicHit, ...]:
        """The topics of a text's ``tokens`` (``stems``: theirs, when already at hand)."""
        # Per topic: the best single hit and the product of misses, so that
        # several hits raise the score towards 1.
        best: dict[str, tuple[float, str]] = {}
        miss: dict[str, float] = {}

        exclude = self.exclude

        def credit(topic: str, score: float, surface: str) -> None:
            if topic in exclude and surface.startswith(exclude[topic]):
                return
            if topic not in best or score > best[topic][0]:
                best[topic] = (score, surface)
            miss[topic] = miss.get(topic, 1.0) * (1.0 - score)

        phrase_covered: set[int] = set()
        if stems is None:
            stems = [t.stem for t in tokens]
        phrases = self.phrases
        if not phrases.keys().isdisjoint(stems):
            for i in [k for k, s in enumerate(stems) if s in phrases]:
                for seq, topic, _ in phrases[stems[i]]:
                    if tuple(stems[i : i + len(seq)]) == seq:
                        j = i + len(seq) - 1
                        surface = " ".join(t.text for t in tokens[i : j + 1])
                        credit(topic, EXACT, surface)
                        phrase_covered.update(range(i, j + 1))
        # Each token's hits are kept by the token itself (shared by every
        # occurrence of the word), so a text costs a look-up per word.
        cache = self._by_token
        found_all = list(map(cache.get, tokens))
        if None in found_all:
            for i, known in enumerate(found_all):
                if known is None:
                    if len(cache) > 100_000:
                        cache.clear()
                    found_all[i] = cache[tokens[i]] = self._cached_hits(tokens[i])
        for i in [k for k, known in enumerate(found_all) if known]:
            text = tokens[i].text
            if len(text) < 2 or (phrase_covered and i in phrase_covered):
                continue
            for kw, score in found_all[i]:  # type: ignore[union-attr]
                for topic in kw.topics:
                    # credit(topic, score, text), inlined: most texts have a few hits.
                    if topic in exclude and text.startswith(exclude[topic]):
                        continue
                    if topic not in best or score > best[topic][0]:
                        best[topic] = (score, text)
                    miss[topic] = miss.get(topic, 1.0) * (1.0 - score)
        hits = [
            TopicHit(topic, round(1.0 - miss[topic], 2), surface)
            for topic, (_, surface) in best.items()
            if 1.0 - miss[topic] >= self.min_score
        ]
        # Of equal scores the longer word is the more specific one: "tandläkaren"
        # before "kallelse", "färdtjänsten" before "chaufför".
        hits.sort(key=lambda h: (-h.score, -len(h.matched), self.order.get(h.key, 0)))
        return tuple(hits)


def keyword_in(stems: Sequence[str], keywords: Sequence[str]) -> str | None:
    """The first of ``keywords`` (words or phrases) found among a text's word ``stems``,
    by stem or compound."""
    whole, affixes, firsts = _keyword_plan(tuple(keywords))
    # Most texts hold none of the keywords: ruled out at once, with set look-ups and
    # substring searches in the stems joined by spaces (where every stem starting
    # with a keyword follows a space and every one ending with it precedes one).
    if whole.isdisjoint(stems) and firsts.isdisjoint(stems):
        joined = f" {' '.join(stems)} "
        if not any(affix in joined for affix in affixes):
            return None
    for kw in keywords:
        seq = _keyword_stems(kw)
        if not seq:
            continue
        if len(seq) > 1:
            first, n = seq[0], len(seq)
            for i in range(len(stems) - n + 1):
                if stems[i] == first and tuple(stems[i : i + n]) == seq:
                    return kw
            continue
        k = seq[0]
        for s in stems:
            if s == k or (len(k) >= MIN_COMPOUND and (s.startswith(k) or s.endswith(k))):
                return kw
    return None


@lru_cache(maxsize=4096)
def _keyword_stems(keyword: str) -> tuple[str, ...]:
    return stems_of(keyword)


@lru_cache(maxsize=1024)
def _keyword_plan(
    keywords: tuple[str, ...],
) -> tuple[frozenset[str], tuple[str, ...], frozenset[str]]:
    """What a stem must be for one of ``keywords`` to be found: one of the single
    stems (``whole``), start or end with one long enough for compounds (found by
    the ``affixes`` in the joined stems), or be the first stem of a phrase
    (``firsts``)."""
    singles = [seq[0] for seq in map(_keyword_stems, keywords) if len(seq) == 1]
    long = [k for k in singles if len(k) >= MIN_COMPOUND]
    affixes = tuple([f" {k}" for k in long] + [f"{k} " for k in long])
    firsts = frozenset(seq[0] for seq in map(_keyword_stems, keywords) if len(seq) > 1)
    return frozenset(singles), affixes, firsts
