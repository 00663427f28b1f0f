"""Classification of one item: language, topics, sentiment and flags.

Pure and offline. Everything that depends on the rules (the topic index) is
compiled once per Rules object and reused, so classifying is a few
microseconds of dictionary look-ups per word.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inbox.core.classify.flags import (
    is_question,
    is_swearing,
    no_reply_needed,
    offensive_words,
    threat_words_in,
)
from inbox.core.classify.hostility import present
from inbox.core.classify.language import Lang, detect_language
from inbox.core.classify.pii import Span, find_personal_data, mask_personal_data
from inbox.core.classify.sentiment import THRESHOLD, Sentiment, analyse_sentiment
from inbox.core.classify.topics import TopicHit, TopicMatcher
from inbox.core.classify.words import tokenize
from inbox.core.rules.tagging import PerRules, Rules

# Hostile input is bounded: longer texts are classified on their beginning
# (personal data is still searched in the whole text).
MAX_CHARS = 20_000

__all__ = [
    "Classification",
    "Classifier",
    "Sentiment",
    "TopicHit",
    "classify",
    "mask_personal_data",
]


@dataclass(frozen=True, slots=True)
class Classification:
    language: Lang
    topics: tuple[TopicHit, ...]
    sentiment: Sentiment
    flags: tuple[str, ...]
    needs_reply: bool
    pii_spans: tuple[Span, ...]
    # Word stems, for routing rules with keyword conditions; not shown.
    stems: tuple[str, ...] = field(default=(), repr=False)
    # The words each of "threat" and "offensive" rests on, to explain the flag.
    flag_words: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def topic_keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.topics)


class Classifier:
    """Classifies texts against one rule set; build once, call many times."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.topics = TopicMatcher.build(rules)

    def __call__(self, text: str) -> Classification:
        pii = find_personal_data(text)
        head = text[:MAX_CHARS]
        tokens = tokenize(head)
        language = detect_language(head, [t.text for t in tokens if t.alpha])
        seen = present(tokens)
        lowered = head.lower()
        question = is_question(head, seen, lowered=lowered)
        sentiment = analyse_sentiment(head, tokens, question=question)
        threat = threat_words_in(head, tokens, seen, lowered=lowered)
        # A threat is offensive too, whatever words it uses.
        offensive = (
            offensive_words(head, tokens, language=language, words=seen, lowered=lowered) or threat
        )
        if (threat or (offensive and not is_swearing(offensive))) and sentiment.label != "negative":
            # Threats and insults are negative however they are put ("ska bli
            # kul att se er springa"); a swear word can be glad ("fy fan vad bra").
            sentiment = Sentiment("negative", min(sentiment.score, -THRESHOLD))
        no_reply = no_reply_needed(head, tokens, question=question, sentiment_label=sentiment.label)
        flags: list[str] = []
        if question and not no_reply:
            flags.append("question")
        if no_reply:
            flags.append("no_reply_needed")
        explained: list[tuple[str, tuple[str, ...]]] = []
        if offensive:
            flags.append("offensive")
            explained.append(("offensive", offensive))
        if threat:
            flags.append("threat")
            explained.append(("threat", threat))
        if pii:
            flags.append("personal_data")
        stems = tuple([t.stem for t in tokens])
        return Classification(
            language=language,
            topics=self.topics.match(tokens, stems),
            sentiment=sentiment,
            flags=tuple(flags),
            needs_reply=not no_reply,
            pii_spans=pii,
            stems=stems,
            flag_words=tuple(explained),
        )


classifier_for = PerRules(Classifier, 8)


def classify(text: str, rules: Rules) -> Classification:
    """Language, topics, sentiment and flags of ``text`` under ``rules``."""
    return classifier_for(rules)(text)
