"""Words for the topic rules, learnt from the communicators' corrections (pure).

When people keep correcting items to the same topic, the texts they corrected
often share a word the topic's vocabulary lacks: "12 rättelser säger Avfall för
texter med sopkärl". ``suggest_words`` finds such words: frequent among the
texts corrected to one topic (at least ``min_support`` of them), rare among the
texts corrected to other topics (at least ``min_share`` of the word's corrected
texts say this topic), not a stop word, and not already giving the topic under
today's rules (inflections and compounds included, as the matcher sees them).
Each suggestion carries example texts, personal data masked.

``keyword_line`` and ``with_keyword`` write a word into a ``topics.toml`` text,
keeping the file's comments and layout.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from inbox.core.classify.pii import find_personal_data, mask_personal_data
from inbox.core.classify.pipeline import classifier_for
from inbox.core.classify.topics import keyword_in
from inbox.core.classify.words import tokenize, words
from inbox.core.rules.tagging import Rules

MIN_SUPPORT = 3
MIN_SHARE = 0.75
MAX_EXAMPLES = 3
MIN_LETTERS = 4
# A correction's text is looked at up to here (a comment, not a novel).
MAX_CHARS = 2_000
EXAMPLE_CHARS = 280

# Words that say nothing about a topic: Swedish and English function words and
# the everyday words of any message to an organisation.
STOP_WORDS = words(
    """
    alla allt alltid andra annan annars annat att aldrig bara behöver beror blev bli
    blir blivit borde både bättre dags dagar deras dess dessa detta dina ditt denna
    där därför efter eftersom eller emot ens fast fick finns fortfarande första
    fått ganska genom gick gjorde gjort gång gånger göra hade haft hans heller hela
    helt hennes hej hejsan henne honom hälsningar här icke igen ingen inget inga
    inom innan inte istället jättebra just kanske kolla kommer kunde kunna kunnat
    längre lite länge mamma pappa massa mellan mera mest mina mitt mycket många
    måste nåt något några någon nästa nytt också okej ofta redan samma sedan
    senaste sist sina sitt själv skriver skulle snälla sådan sådana sådant säger
    tack tredje tror tycker under undrar utan vara varför varit vart varje vems
    verkar vilka vilken vilket vill ville väldigt våra vårt även över
    fråga frågor frågan svar svara svaret hjälp hjälpa ringt ringa ringer
    idag imorgon igår vecka veckan veckor veckorna månad månader timmar minuter
    about after again also been before being cant could does dont from have
    hello here just know like make many more much need only other please really
    should some than thank thanks that their them then there these they this
    those very want were what when where which while will with would your
    """
)


@dataclass(frozen=True, slots=True)
class CorrectedText:
    """A text a communicator corrected to ``topic`` (the latest correction of its item);
    for department suggestions ``topic`` holds the department."""

    item_id: int
    topic: str
    text: str


@dataclass(frozen=True, slots=True)
class Example:
    item_id: int
    text: str  # personal data masked, shortened


@dataclass(frozen=True, slots=True)
class Suggestion:
    topic: str
    word: str
    support: int  # corrected texts for the topic holding the word
    elsewhere: int  # corrected texts for other topics holding it
    corrections: int  # corrected texts for the topic in all
    today: tuple[str, ...]  # the topics the word alone gives under today's rules
    examples: tuple[Example, ...]


def _example(item_id: int, text: str) -> Example:
    masked = mask_personal_data(text, find_personal_data(text))
    if len(masked) > EXAMPLE_CHARS:
        masked = masked[: EXAMPLE_CHARS - 1].rstrip() + "…"
    return Example(item_id, masked)


def _candidate(word: str) -> bool:
    return len(word) >= MIN_LETTERS and word.isalpha() and word not in STOP_WORDS


def suggest_words(
    corrected: Sequence[CorrectedText],
    rules: Rules,
    *,
    min_support: int = MIN_SUPPORT,
    min_share: float = MIN_SHARE,
    max_examples: int = MAX_EXAMPLES,
    limit: int = 20,
) -> list[Suggestion]:
    """Words to add to a topic's keywords, most supported first."""
    matcher = classifier_for(rules).topics
    return suggest_for_labels(
        corrected,
        known=set(rules.topics),
        today=lambda word: tuple(hit.key for hit in matcher.match(tokenize(word))),
        min_support=min_support,
        min_share=min_share,
        max_examples=max_examples,
        limit=limit,
    )


def routed_by_keyword(rules: Rules, word: str) -> tuple[str, ...]:
    """The departments a routing rule with only a keyword condition sends ``word`` to."""
    stems = [token.stem for token in tokenize(word)]
    found: list[str] = []
    for rule in rules.routing:
        if rule.department is None or not rule.when.keywords:
            continue
        if rule.when.model_dump(exclude_defaults=True).keys() != {"keywords"}:
            continue
        if keyword_in(stems, rule.when.keywords) is not None and rule.department not in found:
            found.append(rule.department)
    return tuple(found)


def suggest_department_words(
    corrected: Sequence[CorrectedText],
    rules: Rules,
    *,
    min_support: int = MIN_SUPPORT,
    min_share: float = MIN_SHARE,
    max_examples: int = MAX_EXAMPLES,
    limit: int = 20,
) -> list[Suggestion]:
    """Keywords for a routing rule to a department (the label of ``corrected``),
    most supported first; words a keyword-only rule already routes there are left out."""
    return suggest_for_labels(
        corrected,
        known=set(rules.departments),
        today=lambda word: routed_by_keyword(rules, word),
        min_support=min_support,
        min_share=min_share,
        max_examples=max_examples,
        limit=limit,
    )


def suggest_for_labels(
    corrected: Sequence[CorrectedText],
    *,
    known: Collection[str],
    today: Callable[[str], tuple[str, ...]],
    min_support: int = MIN_SUPPORT,
    min_share: float = MIN_SHARE,
    max_examples: int = MAX_EXAMPLES,
    limit: int = 20,
) -> list[Suggestion]:
    """Words shared by the texts corrected to one label (a topic, a department),
    rare among the texts corrected to other labels, and not already giving the
    label (``today(word)``: the labels the word alone gives under today's rules)."""
    per_label: Counter[str] = Counter()
    # stem -> label -> corrected texts (one per text), and the surface forms seen.
    holders: dict[str, dict[str, list[CorrectedText]]] = defaultdict(lambda: defaultdict(list))
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in corrected:
        if entry.topic not in known:
            continue
        per_label[entry.topic] += 1
        seen: set[str] = set()
        for token in tokenize(entry.text[:MAX_CHARS]):
            if not _candidate(token.text):
                continue
            forms[token.stem][token.text] += 1
            if token.stem not in seen:
                seen.add(token.stem)
                holders[token.stem][entry.topic].append(entry)
    found: list[Suggestion] = []
    for stem, by_label in holders.items():
        total = sum(len(entries) for entries in by_label.values())
        for label, entries in by_label.items():
            support = len(entries)
            if support < min_support or support / total < min_share:
                continue
            # The form people write most; of equals, the shortest (nearest the base form).
            word = min(forms[stem].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
            given = today(word)
            if label in given:
                continue
            found.append(
                Suggestion(
                    topic=label,
                    word=word,
                    support=support,
                    elsewhere=total - support,
                    corrections=per_label[label],
                    today=given,
                    examples=tuple(_example(e.item_id, e.text) for e in entries[:max_examples]),
                )
            )
    found.sort(key=lambda s: (-s.support, s.elsewhere, s.topic, s.word))
    return found[:limit]


_WORD_OK = re.compile(r"^[^\W\d_][^\W_]*$")


def valid_word(word: str) -> bool:
    """A keyword a suggestion may add: one word of letters (digits after the first)."""
    return len(word) <= 64 and _WORD_OK.match(word) is not None


def keyword_line(topic: str, word: str) -> str:
    """The TOML to add by hand where the rules cannot be written here."""
    return f"[topics.{topic}] keywords = [..., {json.dumps(word, ensure_ascii=False)}]"


class NoPlaceForKeyword(ValueError):
    """The topic's table or its keywords list cannot be found in the file."""


def with_keyword(toml_text: str, topic: str, word: str) -> str:
    """``toml_text`` with ``word`` appended to ``[topics.<topic>]``'s ``keywords``
    (a list created if the table has none), the rest of the file unchanged.

    Raises ``NoPlaceForKeyword`` when the file is laid out in a way this cannot
    edit safely; the result is checked by reading it back.
    """
    if not valid_word(word):
        raise NoPlaceForKeyword(f"{word!r} is not a single word")
    quoted = json.dumps(word, ensure_ascii=False)
    lines = toml_text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*topics\.{re.escape(topic)}\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\r\n"))), None)
    if start is None:
        raise NoPlaceForKeyword(f"no [topics.{topic}] table")
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
        len(lines),
    )
    opening = next(
        (i for i in range(start + 1, end) if re.match(r"^\s*keywords\s*=\s*\[", lines[i])), None
    )
    if opening is None:
        lines.insert(start + 1, f"keywords = [{quoted}]\n")
    else:
        _append(lines, opening, quoted)
    edited = "".join(lines)
    _check(toml_text, edited, topic, word)
    return edited


def _append(lines: list[str], opening: int, quoted: str) -> None:
    """Put ``quoted`` last in the list opened on line ``opening``."""
    first = lines[opening]
    if re.search(r"\]\s*(#.*)?$", first.rstrip("\r\n")):  # the whole list on one line
        close = first.rstrip("\r\n").rindex("]", 0, _code_end(first))
        before = first[:close].rstrip()
        sep = "" if before.endswith("[") else (" " if before.endswith(",") else ", ")
        lines[opening] = before + sep + quoted + first[close:]
        return
    closing = next(
        (i for i in range(opening + 1, len(lines)) if lines[i].strip().startswith("]")), None
    )
    if closing is None:
        raise NoPlaceForKeyword("the keywords list does not end on a line of its own")
    last = next(
        (
            k
            for k in range(closing - 1, opening, -1)
            if lines[k].strip() and not lines[k].lstrip().startswith("#")
        ),
        None,
    )
    indent = "  "
    if last is not None:
        line = lines[last]
        indent = line[: len(line) - len(line.lstrip())]
        code = line[: _code_end(line)].rstrip()
        if not code.endswith(","):
            lines[last] = code + "," + line[len(code) :]
    lines.insert(closing, f"{indent}{quoted},\n")


def _code_end(line: str) -> int:
    """Where a line's comment starts (outside strings), or its end."""
    quote: str | None = None
    j = 0
    while j < len(line):
        ch = line[j]
        if quote:
            if ch == "\\" and quote == '"':
                j += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return j
        j += 1
    return len(line.rstrip("\r\n"))


def _check(before: str, after: str, topic: str, word: str) -> None:
    try:
        old, new = tomllib.loads(before), tomllib.loads(after)
    except tomllib.TOMLDecodeError as exc:
        raise NoPlaceForKeyword(f"the edited file would not read: {exc}") from None
    keywords = new.get("topics", {}).get(topic, {}).get("keywords")
    if not isinstance(keywords, list) or not keywords or keywords[-1] != word:
        raise NoPlaceForKeyword("the word did not land in the keywords list")
    new["topics"][topic]["keywords"] = keywords[:-1]
    if not old.get("topics", {}).get(topic, {}).get("keywords"):
        old.setdefault("topics", {}).setdefault(topic, {}).setdefault("keywords", [])
    if old != new:
        raise NoPlaceForKeyword("the edit would change more than the keywords list")


def routing_rule_id(department: str, word: str) -> str:
    """The id of the rule a department suggestion adds."""
    plain = f"ord_{department}_{word}".lower().translate(_PLAIN)
    return re.sub(r"[^a-z0-9_]", "_", plain)[:64]


_PLAIN = str.maketrans("åäöéü", "aaoeu")


def routing_rule_text(department: str, word: str) -> str:
    """The TOML of the routing rule a department suggestion adds (also shown to add by hand)."""
    quoted = json.dumps(word, ensure_ascii=False)
    description = json.dumps(
        f"Texter med ordet {word} går till {department} (förslag från rättelserna)",
        ensure_ascii=False,
    )
    return (
        "[[rule]]\n"
        f'id = "{routing_rule_id(department, word)}"\n'
        f"description = {description}\n"
        f"when.keywords = [{quoted}]\n"
        f'department = "{department}"\n'
    )


def with_routing_rule(toml_text: str, department: str, word: str) -> str:
    """``toml_text`` (a ``routing.toml``) with a rule sending texts with ``word`` to
    ``department`` appended last (earlier rules still decide first), the rest unchanged.

    Raises ``NoPlaceForKeyword`` when the result would not read back as exactly that."""
    if not valid_word(word):
        raise NoPlaceForKeyword(f"{word!r} is not a single word")
    sep = (
        ""
        if not toml_text or toml_text.endswith("\n\n")
        else ("\n" if toml_text.endswith("\n") else "\n\n")
    )
    edited = toml_text + sep + routing_rule_text(department, word)
    try:
        old, new = tomllib.loads(toml_text), tomllib.loads(edited)
    except tomllib.TOMLDecodeError as exc:
        raise NoPlaceForKeyword(f"the edited file would not read: {exc}") from None
    added = new.get("rule", [])[-1:] if isinstance(new.get("rule"), list) else []
    expected = {
        "id": routing_rule_id(department, word),
        "when": {"keywords": [word]},
        "department": department,
    }
    if not added or {k: v for k, v in added[0].items() if k != "description"} != expected:
        raise NoPlaceForKeyword("the rule did not land at the end of the file")
    new["rule"] = new["rule"][:-1]
    if not new["rule"] and "rule" not in old:
        del new["rule"]
    if old != new:
        raise NoPlaceForKeyword("the edit would change more than one added rule")
    return edited
