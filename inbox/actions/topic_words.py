"""Words added to a topic's keywords from the suggestions its corrections make.

The organisation's ``topics.toml`` is edited in place (comments and layout
kept), the whole rules directory is checked with the edit before the file is
replaced, and the change is audited. The caller reloads the rules.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from inbox.actions.audit import ActionError, record_event
from inbox.core.classify.pipeline import classifier_for
from inbox.core.classify.words import tokenize
from inbox.core.rules.files import RulesError
from inbox.core.rules.tagging import Rules, load_rules
from inbox.core.suggestions import (
    NoPlaceForKeyword,
    routed_by_keyword,
    routing_rule_id,
    with_keyword,
    with_routing_rule,
)

TOPICS_FILE = "topics.toml"


def rules_writable(directory: Path, *, shipped: Path) -> bool:
    """Whether words can be written into the rules at ``directory``: not the rules
    shipped inside the package (``shipped``), and a directory this process may write."""
    try:
        if directory.resolve() == shipped.resolve():
            return False
    except OSError:
        return False
    topics = directory / TOPICS_FILE
    return os.access(directory, os.W_OK) and os.access(topics, os.W_OK)


def add_topic_keyword(
    session: Session,
    *,
    directory: Path,
    topic: str,
    word: str,
    actor: str,
    now: datetime,
) -> None:
    """Append ``word`` to ``topic``'s keywords in ``directory``'s topics file.

    Refused (``ActionError``) when the edited rules would not load or the word
    would still not give the topic (an exclude, say); the file is then unchanged.
    """
    path = directory / TOPICS_FILE
    try:
        before = path.read_text(encoding="utf-8")
        edited = with_keyword(before, topic, word)
    except (OSError, NoPlaceForKeyword) as exc:
        raise ActionError(f"{path}: {exc}") from None
    rules = _trial_rules(directory, TOPICS_FILE, edited)
    hits = classifier_for(rules).topics.match(tokenize(word))
    if topic not in {hit.key for hit in hits}:
        raise ActionError(f"{word!r} would still not give the topic {topic!r}")
    # Replace the file in one step, so a reload never reads half of it.
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".topics-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(edited)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ActionError(f"{path}: {exc}") from None
    record_event(
        session,
        actor=actor,
        kind="topic_keyword_added",
        now=now,
        topic=topic,
        word=word,
        file=str(path),
    )


ROUTING_FILE = "routing.toml"


def routing_writable(directory: Path, *, shipped: Path) -> bool:
    """Whether routing rules can be written into the rules at ``directory``."""
    try:
        if directory.resolve() == shipped.resolve():
            return False
    except OSError:
        return False
    return os.access(directory, os.W_OK) and os.access(directory / ROUTING_FILE, os.W_OK)


def add_routing_keyword(
    session: Session,
    *,
    directory: Path,
    department: str,
    word: str,
    actor: str,
    now: datetime,
) -> None:
    """Append a rule routing texts with ``word`` to ``department`` to the routing file.

    Refused (``ActionError``) when the edited rules would not load or the new rule
    would not route the word to the department; the file is then unchanged.
    """
    path = directory / ROUTING_FILE
    try:
        before = path.read_text(encoding="utf-8")
        edited = with_routing_rule(before, department, word)
    except (OSError, NoPlaceForKeyword) as exc:
        raise ActionError(f"{path}: {exc}") from None
    rules = _trial_rules(directory, ROUTING_FILE, edited)
    if department not in routed_by_keyword(rules, word):
        raise ActionError(f"{word!r} would still not be routed to {department!r}")
    _replace(directory, path, edited, prefix=".routing-")
    record_event(
        session,
        actor=actor,
        kind="routing_keyword_added",
        now=now,
        department=department,
        word=word,
        rule=routing_rule_id(department, word),
        file=str(path),
    )


def _replace(directory: Path, path: Path, edited: str, *, prefix: str) -> None:
    """Replace the file in one step, so a reload never reads half of it."""
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(edited)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ActionError(f"{path}: {exc}") from None


def _trial_rules(directory: Path, name: str, edited: str) -> Rules:
    """The rules ``directory`` would hold with ``name`` replaced by ``edited``,
    loaded from a copy; refused (``ActionError``) when they would not load."""
    with tempfile.TemporaryDirectory() as scratch:
        trial = Path(scratch) / "rules"
        shutil.copytree(directory, trial)
        (trial / name).write_text(edited, encoding="utf-8")
        try:
            return load_rules(trial)
        except RulesError as exc:
            raise ActionError(f"{directory / name}: the rules would not load: {exc}") from None
