"""Tokens and a light Swedish stemmer shared by topics, sentiment and routing.

The stemmer is steps 1 and 2 of the Snowball Swedish algorithm. Step 3
(-lig, -ig, -els) is left out on purpose: it maps "jobbigt" to "jobb" and
"viktig" to "vikt", which turns adjectives into topic hits.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain

# Letters and digits of any script; "e-tjänst" becomes "e", "tjänst".
_WORD = re.compile(r"[^\W_]+")

_ELONGATED = re.compile(r"([^\W\d_])\1{2,}")
_VOWELS = frozenset("aeiouyäåö")
_STEP1 = frozenset(
    [
        "heterna",
        "hetens",
        "anden",
        "andes",
        "andet",
        "arens",
        "arnas",
        "ernas",
        "ornas",
        "heten",
        "heter",
        "arna",
        "erna",
        "orna",
        "ande",
        "arne",
        "aste",
        "aren",
        "ades",
        "erns",
        "ade",
        "are",
        "ast",
        "ens",
        "ern",
        "het",
        "ets",
        "ans",
        "ad",
        "en",
        "ar",
        "er",
        "or",
        "as",
        "es",
        "at",
        "et",
        "an",
        "a",
        "e",
    ]
)
_STEP1_MAX = max(len(s) for s in _STEP1)
_S_ENDING = frozenset("bcdfghjklmnoprtvy")
_STEP2 = frozenset(("dd", "gd", "nn", "dt", "gt", "kt", "tt"))


class Token:
    """A word as written: one shared object for every occurrence of the same word.

    Besides its forms it keeps what the classifiers found out about it the first
    time (how sentiment reads it; ``rude``: a swear word by itself), so a word
    seen before costs an attribute read. Equal and hashed by identity: fast in sets.
    """

    __slots__ = (
        "alpha",
        "capital",
        "elongated",
        "key",
        "place",
        "role",
        "rude",
        "sentiment",
        "stem",
        "text",
    )

    def __init__(self, text: str, stem: str, capital: bool = False) -> None:
        self.text = text  # lower-cased surface form
        self.stem = stem
        self.capital = capital  # written with a capital: maybe a name, so no fuzzy matching
        self.alpha = text.isalpha()
        # The form the quick word-set checks know it by besides its text: the stem,
        # when that is five letters or more ("fyra" stems to "fyr").
        self.key = stem if len(stem) >= 5 else text
        # "braaaa", "nejjj": a letter three times or more in a row.
        self.elongated = _ELONGATED.search(text) is not None
        # How sentiment reads it (form, stem, emphasis, plain), once looked at.
        self.sentiment: tuple[str, str, float, bool] | None = None
        self.rude: bool | None = None
        # Whether it names a role or a building a threat or an insult may be aimed at.
        self.role: bool | None = None
        self.place: bool | None = None

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.stem!r}, {self.capital!r})"


def _r1(word: str) -> int:
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(i + 1, 3)
    return len(word)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem a lower-case Swedish word (steps 1 and 2 of Snowball Swedish)."""
    if len(word) < 4 or not word.isalpha():
        return word
    r1 = _r1(word)
    for n in range(min(_STEP1_MAX, len(word) - r1), 0, -1):
        if word[-n:] in _STEP1:
            word = word[:-n]
            break
    else:
        # A final -s goes only after letters that can carry a genitive s.
        if len(word) - r1 >= 1 and word.endswith("s") and word[-2] in _S_ENDING:
            word = word[:-1]
    if len(word) - r1 >= 2 and word[-2:] in _STEP2:
        word = word[:-1]
    return word


def tokenize(text: str) -> list[Token]:
    """The words of ``text`` in order; a word seen before costs one look-up."""
    # No word runs over a space, so the text is split at spaces (quick) and each
    # piece as written ("bussen,", "e-tjänsten") is read into words once.
    pieces = text.split()
    found = list(map(_PIECES.get, pieces))
    if None in found:
        for i, known in enumerate(found):
            if known is None:
                found[i] = _piece(pieces[i])
    return list(chain.from_iterable(found))  # type: ignore[arg-type]


def _piece(piece: str) -> tuple[Token, ...]:
    if len(_PIECES) > 100_000:
        _PIECES.clear()
    words = _PIECES[piece] = tuple(map(_token, _WORD.findall(piece)))
    return words


def _token(word: str) -> Token:
    known = _WORDS.get(word)
    if known is None:
        if len(_WORDS) > 100_000:
            _WORDS.clear()
        lowered = word.lower()
        known = _WORDS[word] = Token(lowered, stem(lowered), word[0].isupper())
    return known


_WORDS: dict[str, Token] = {}
_PIECES: dict[str, tuple[Token, ...]] = {}


def stems_of(phrase: str) -> tuple[str, ...]:
    return tuple(t.stem for t in tokenize(phrase))


def words(spaced: str) -> frozenset[str]:
    """A word list written as one spaced string, the way lexicons read best."""
    return frozenset(spaced.split())
