"""Adding a suggested word to the organisation's topics file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from inbox.actions.audit import ActionError
from inbox.actions.topic_words import add_topic_keyword, rules_writable
from inbox.core.classify.pipeline import classify
from inbox.core.rules.tagging import load_rules
from inbox.store.db import session_scope
from inbox.store.models import Event
from tests.factories import NOW
from tests.paths import DEFAULT_RULES
from tests.web_support import write_rules


def test_the_word_lands_in_the_file_audited_and_the_rules_load(
    engine: Engine, tmp_path: Path
) -> None:
    rules_dir = write_rules(tmp_path / "rules")
    before = (rules_dir / "topics.toml").read_text(encoding="utf-8")
    assert "avfall" not in classify("containern svämmar över", load_rules(rules_dir)).topic_keys
    with session_scope(engine) as session:
        add_topic_keyword(
            session, directory=rules_dir, topic="avfall", word="containern", actor="a@x", now=NOW
        )
    after = (rules_dir / "topics.toml").read_text(encoding="utf-8")
    assert tomllib.loads(after)["topics"]["avfall"]["keywords"][-1] == "containern"
    # Everything else is as it was, comments included.
    assert [line for line in after.splitlines() if "containern" not in line] == list(
        before.splitlines()
    )
    assert "avfall" in classify("containern svämmar över", load_rules(rules_dir)).topic_keys
    assert not list(rules_dir.glob(".topics-*"))
    with session_scope(engine) as session:
        (event,) = session.exec(select(Event).where(Event.kind == "topic_keyword_added"))
        assert (event.actor, event.data["topic"], event.data["word"]) == (
            "a@x",
            "avfall",
            "containern",
        )


@pytest.mark.parametrize(
    ("topic", "word", "why"),
    [
        ("finns_inte", "containern", r"no \[topics.finns_inte\] table"),
        ("avfall", "två ord", "not a single word"),
    ],
)
def test_refused_edits_leave_the_file_and_the_trail_alone(
    engine: Engine, tmp_path: Path, topic: str, word: str, why: str
) -> None:
    rules_dir = write_rules(tmp_path / "rules")
    before = (rules_dir / "topics.toml").read_bytes()
    with session_scope(engine) as session, pytest.raises(ActionError, match=why):
        add_topic_keyword(session, directory=rules_dir, topic=topic, word=word, actor="a", now=NOW)
    assert (rules_dir / "topics.toml").read_bytes() == before
    with session_scope(engine) as session:
        assert not session.exec(select(Event).where(Event.kind == "topic_keyword_added")).all()


def test_a_word_the_topic_excludes_is_refused(engine: Engine, tmp_path: Path) -> None:
    rules_dir = write_rules(tmp_path / "rules")
    path = rules_dir / "topics.toml"
    text = path.read_text(encoding="utf-8").replace(
        "[topics.avfall]\n", '[topics.avfall]\nexclude = ["container"]\n', 1
    )
    path.write_text(text, encoding="utf-8")
    with session_scope(engine) as session, pytest.raises(ActionError, match="still not give"):
        add_topic_keyword(
            session, directory=rules_dir, topic="avfall", word="containern", actor="a", now=NOW
        )
    assert path.read_text(encoding="utf-8") == text


def test_the_shipped_rules_are_not_written(tmp_path: Path) -> None:
    assert not rules_writable(DEFAULT_RULES, shipped=DEFAULT_RULES)
    assert rules_writable(write_rules(tmp_path / "rules"), shipped=DEFAULT_RULES)
    assert not rules_writable(tmp_path / "nowhere", shipped=DEFAULT_RULES)


def test_a_routing_rule_lands_in_the_file_audited_and_routes(
    engine: Engine, tmp_path: Path
) -> None:
    from inbox.actions.topic_words import add_routing_keyword, routing_writable
    from inbox.core.suggestions import routed_by_keyword

    rules_dir = write_rules(tmp_path / "rules")
    before = (rules_dir / "routing.toml").read_text(encoding="utf-8")
    assert "kultur" not in routed_by_keyword(load_rules(rules_dir), "biblioteket")
    assert routing_writable(rules_dir, shipped=DEFAULT_RULES)
    assert not routing_writable(DEFAULT_RULES, shipped=DEFAULT_RULES)
    with session_scope(engine) as session:
        add_routing_keyword(
            session,
            directory=rules_dir,
            department="kultur",
            word="biblioteket",
            actor="a@x",
            now=NOW,
        )
    after = (rules_dir / "routing.toml").read_text(encoding="utf-8")
    assert after.startswith(before)  # comments and layout kept
    rule = tomllib.loads(after)["rule"][-1]
    assert (rule["when"], rule["department"]) == ({"keywords": ["biblioteket"]}, "kultur")
    assert "kultur" in routed_by_keyword(load_rules(rules_dir), "biblioteket")
    assert not list(rules_dir.glob(".routing-*"))
    with session_scope(engine) as session:
        (event,) = session.exec(select(Event).where(Event.kind == "routing_keyword_added"))
        assert (event.actor, event.data["department"], event.data["word"]) == (
            "a@x",
            "kultur",
            "biblioteket",
        )
    # The same rule twice: the id would repeat, the rules would not load; nothing written.
    with session_scope(engine) as session, pytest.raises(ActionError):
        add_routing_keyword(
            session,
            directory=rules_dir,
            department="kultur",
            word="biblioteket",
            actor="a@x",
            now=NOW,
        )
    assert (rules_dir / "routing.toml").read_text(encoding="utf-8") == after


def test_a_routing_rule_to_an_unknown_department_is_refused(engine: Engine, tmp_path: Path) -> None:
    from inbox.actions.topic_words import add_routing_keyword

    rules_dir = write_rules(tmp_path / "rules")
    before = (rules_dir / "routing.toml").read_text(encoding="utf-8")
    with session_scope(engine) as session, pytest.raises(ActionError, match="would not load"):
        add_routing_keyword(
            session,
            directory=rules_dir,
            department="finns_inte",
            word="ordet",
            actor="a@x",
            now=NOW,
        )
    assert (rules_dir / "routing.toml").read_text(encoding="utf-8") == before
