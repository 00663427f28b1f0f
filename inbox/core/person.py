"""One person's data: who a request is about, and the search tokens that find them.

Pure. A request names a person by any of: the author name, an e-mail address,
a phone number, a personnummer (or samordningsnummer) or a platform id.
``tokens_of`` turns a text into the search tokens the person index stores
(normalised name words, addresses, digits of numbers), ``Person.tokens`` says
which of them a request looks up, and ``Person.mentioned_in`` confirms a
candidate the index found, so the index may over-find but never decides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from inbox.core.classify.pii import _EMAIL, _PHONE

__all__ = ["Person", "normalise_name", "phone_digits", "pnr_digits", "tokens_of"]

# Token prefixes: n: a whole author name, w: a name word, e: an address,
# p: a phone number's digits, s: a personnummer's ten digits, i: a platform id.
MAX_TOKEN = 96
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Ten or twelve digits, with the usual separators, check digit not checked: a
# mistyped number is still the person's.
_PNR_ANY = re.compile(
    r"(?<![\d+])(?:(?:18|19|20)(?=\d{6}\s?[-+–]?\s?\d{4}(?!\d)))?"
    r"(\d{6})\s?[-+–]?\s?(\d{4})(?!\d)"
)


def normalise_name(value: str) -> str:
    """Case, accents-as-typed and spacing folded: ``"  ANNA  Svensson"`` -> ``"anna svensson"``."""
    text = unicodedata.normalize("NFC", value).casefold()
    return " ".join(text.split())


def phone_digits(value: str) -> str:
    """A Swedish number's digits in national form: ``+46 70-123 45 67`` -> ``0701234567``."""
    digits = re.sub(r"\D", "", value)
    if digits.startswith("0046"):
        digits = "0" + digits[4:]
    elif digits.startswith("46") and value.strip().startswith("+"):
        digits = "0" + digits[2:]
    return digits


def pnr_digits(value: str) -> str:
    """The ten digits YYMMDDNNNC of a personnummer typed with or without century."""
    digits = re.sub(r"\D", "", value)
    return digits[-10:] if len(digits) in (10, 12) else digits


def _cap(token: str) -> str:
    return token[:MAX_TOKEN]


def name_words(value: str) -> list[str]:
    return [w for w in _WORD.findall(normalise_name(value)) if len(w) >= 2]


def capitalised_words(text: str) -> set[str]:
    """The words of a text written with a capital, folded: where names are.

    A name typed in lower case inside someone else's text is not indexed; the
    author's own name always is (``tokens_of``'s ``author``)."""
    return {
        w.casefold() for w in _WORD.findall(unicodedata.normalize("NFC", text)) if w[0].isupper()
    }


def tokens_of(text: str, *, author: str = "", author_id: str | None = None) -> set[str]:
    """The search tokens of one text (and, for an item, its author)."""
    found: set[str] = set()
    if author.strip():
        found.add(_cap("n:" + normalise_name(author)))
        found.update(_cap("w:" + w) for w in name_words(author))
        if "@" in author:
            found.add(_cap("e:" + author.strip().casefold()))
    if author_id:
        found.add(_cap("i:" + author_id.strip()))
    found.update(_cap("w:" + w) for w in capitalised_words(text))
    found.update(_cap("e:" + m.group(0).casefold()) for m in _EMAIL.finditer(text))
    found.update(_cap("p:" + phone_digits(m.group(0))) for m in _PHONE.finditer(text))
    found.update(_cap("s:" + m.group(1) + m.group(2)) for m in _PNR_ANY.finditer(text))
    return found


@dataclass(frozen=True)
class Person:
    """Who a request is about; at least one field is set."""

    author: str = ""
    email: str = ""
    phone: str = ""
    personnummer: str = ""
    platform_id: str = ""

    def __post_init__(self) -> None:
        if not any(self.as_dict().values()):
            raise ValueError("name the person: author, email, phone, personnummer or platform id")
        if self.author and not name_words(self.author):
            raise ValueError("the name has no letters")
        if self.phone and len(phone_digits(self.phone)) < 7:
            raise ValueError("the phone number has too few digits")
        if self.personnummer and len(pnr_digits(self.personnummer)) != 10:
            raise ValueError("a personnummer has 10 or 12 digits")

    def as_dict(self) -> dict[str, str]:
        return {
            "author": self.author.strip(),
            "email": self.email.strip(),
            "phone": self.phone.strip(),
            "personnummer": self.personnummer.strip(),
            "platform_id": self.platform_id.strip(),
        }

    def lookups(self) -> list[list[str]]:
        """Token sets to look up: an item is a candidate when it holds every token
        of one set (a name is found as the author's name or as its words in a text)."""
        out: list[list[str]] = []
        if self.author.strip():
            out.append(["n:" + normalise_name(self.author)])
            out.append(sorted({"w:" + w for w in name_words(self.author)}))
        if self.email.strip():
            out.append(["e:" + self.email.strip().casefold()])
        if self.phone.strip():
            out.append(["p:" + phone_digits(self.phone)])
        if self.personnummer.strip():
            out.append(["s:" + pnr_digits(self.personnummer)])
        if self.platform_id.strip():
            out.append(["i:" + self.platform_id.strip()])
        return [[_cap(t) for t in group] for group in out]

    def is_author(self, author: str, author_id: str | None, address: str = "") -> bool:
        """Whether an item comes from this person (by name, id or sender address)."""
        if self.author.strip() and normalise_name(author) == normalise_name(self.author):
            return True
        if self.platform_id.strip() and (author_id or "") == self.platform_id.strip():
            return True
        email = self.email.strip().casefold()
        return bool(email) and email in (author.strip().casefold(), address.strip().casefold())

    def mentioned_in(self, text: str) -> bool:
        """Whether a text names this person (name as a phrase, address, number)."""
        if not text:
            return False
        if self.author.strip():
            words = name_words(self.author)
            pattern = r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)"
            if re.search(pattern, normalise_name(text)):
                return True
        if self.email.strip() and self.email.strip().casefold() in text.casefold():
            return True
        if self.phone.strip():
            wanted = phone_digits(self.phone)
            if any(phone_digits(m.group(0)) == wanted for m in _PHONE.finditer(text)):
                return True
        if self.personnummer.strip():
            wanted = pnr_digits(self.personnummer)
            if any(m.group(1) + m.group(2) == wanted for m in _PNR_ANY.finditer(text)):
                return True
        return bool(self.platform_id.strip()) and self.platform_id.strip() in text

    def scrub(self, text: str) -> str:
        """``text`` with this person's name, address and numbers replaced by "[raderat]"."""
        out = text
        if self.author.strip():
            words = name_words(self.author)
            pattern = r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)"
            out = re.sub(pattern, ERASED_MARK, out, flags=re.IGNORECASE)
        if self.email.strip():
            out = re.sub(re.escape(self.email.strip()), ERASED_MARK, out, flags=re.IGNORECASE)
        if self.phone.strip():
            wanted = phone_digits(self.phone)
            out = _PHONE.sub(
                lambda m: ERASED_MARK if phone_digits(m.group(0)) == wanted else m.group(0), out
            )
        if self.personnummer.strip():
            wanted = pnr_digits(self.personnummer)
            out = _PNR_ANY.sub(
                lambda m: ERASED_MARK if m.group(1) + m.group(2) == wanted else m.group(0), out
            )
        if self.platform_id.strip():
            out = out.replace(self.platform_id.strip(), ERASED_MARK)
        return out


ERASED_MARK = "[raderat]"
