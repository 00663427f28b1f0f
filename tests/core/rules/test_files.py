"""Every rules file the server loads: a broken value is refused, by its loader and by
`inbox rules check`, naming the file and the key; the shipped rules pass."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from inbox.actions import pages as pages_actions
from inbox.cli.main import main
from inbox.core.rules import tagging
from inbox.core.rules.duty import load_duty_rota, load_escalation_rules, load_watch_rules
from inbox.core.rules.files import RulesError, key_path, read_toml
from inbox.core.rules.saved_replies import load_saved_replies
from inbox.core.rules.tagging import load_rules
from inbox.store.db import session_scope
from inbox.store.models import Page
from tests.factories import NOW
from tests.paths import DEFAULT_RULES

# How each file is loaded at start-up: the tagging rules as a directory, the others
# one file at a time.
LOADERS: dict[str, Callable[[Path], object]] = {
    "departments.toml": load_rules,
    "topics.toml": load_rules,
    "routing.toml": load_rules,
    "calendar.toml": load_rules,
    "pages.toml": load_rules,
    "escalation.toml": load_escalation_rules,
    "duty.toml": lambda d: load_duty_rota(d / "duty.toml"),
    "saved_replies.toml": lambda d: load_saved_replies(d / "saved_replies.toml"),
}

REPLY = '\n[[replies]]\nkey = "extra"\ndepartment = "*"\ntitle = "Extra"\n'


@dataclass(frozen=True)
class Broken:
    file: str
    key: str
    what: str
    # The new text of the file, from the shipped one.
    edit: Callable[[str], str]


def append(extra: str) -> Callable[[str], str]:
    return lambda text: text + "\n" + extra


def replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def whole(new: str) -> Callable[[str], str]:
    return lambda _: new


CASES = [
    Broken(
        "departments.toml",
        "departments.extra.emails[0]",
        "String should match pattern",
        append('[departments.extra]\nname = "Extra"\nemails = ["not-an-address"]\n'),
    ),
    Broken(
        "departments.toml",
        "departments.extra.colour",
        "unknown key",
        append('[departments.extra]\nname = "Extra"\ncolour = "red"\n'),
    ),
    Broken(
        "topics.toml",
        "topics.extra.department",
        "unknown department 'nobody'",
        append('[topics.extra]\nlabel = "Extra"\ndepartment = "nobody"\nkeywords = ["x"]\n'),
    ),
    Broken(
        "topics.toml",
        "topics.extra.label",
        "required key is missing",
        append('[topics.extra]\ndepartment = "hr"\nkeywords = ["x"]\n'),
    ),
    Broken(
        "routing.toml",
        ".priority",
        "Input should be 'low', 'normal', 'high' or 'urgent'",
        append('[[rule]]\nid = "extra"\npriority = "asap"\n'),
    ),
    Broken(
        "routing.toml",
        "(extra).when.topics",
        "unknown topic 'nothing'",
        append('[[rule]]\nid = "extra"\nwhen.topics = ["nothing"]\n'),
    ),
    Broken(
        "calendar.toml",
        "closing_days[0]",
        "Input should be a valid date",
        whole('closing_days = ["julafton"]\n'),
    ),
    Broken(
        "pages.toml",
        "pages.extra.target_hours",
        "greater than 0",
        append("[pages.extra]\ntarget_hours = 0\n"),
    ),
    Broken(
        "escalation.toml",
        "ack_timeout_minutes",
        "greater than or equal to 1",
        replace("ack_timeout_minutes = 30", "ack_timeout_minutes = 0"),
    ),
    Broken(
        "escalation.toml",
        "departments",
        "departments are listed once, in departments.toml",
        append('[departments.vard]\nname = "Vård"\nemails = ["vard@example.se"]\n'),
    ),
    Broken(
        "escalation.toml",
        "fallback",
        "routing.toml's default_department",
        append('[fallback]\nemails = ["kommunikation@example.se"]\n'),
    ),
    Broken(
        "duty.toml",
        "people.eva.email",
        "not an email address: 'eva'",
        replace('email = "eva.holm@region.example.se"', 'email = "eva"'),
    ),
    Broken(
        "duty.toml",
        "shifts[1]",
        "end must be after start",
        append(
            "[[shifts]]\nstart = 2026-06-02T00:00:00\nend = 2026-06-01T00:00:00\n"
            'primary = "eva"\nbackup = "david"\n'
        ),
    ),
    Broken(
        "saved_replies.toml",
        "replies[7].text",
        "required key is missing",
        append(REPLY),
    ),
    Broken(
        "saved_replies.toml",
        "replies[7].text",
        "unknown placeholder {efternamn}",
        append(REPLY + 'text = "Hej {efternamn}!"\n'),
    ),
    Broken(
        "saved_replies.toml",
        "replies[7].key",
        "key 'acknowledge' is used twice",
        append(REPLY.replace('"extra"', '"acknowledge"') + 'text = "Hej!"\n'),
    ),
    Broken(
        "saved_replies.toml",
        "replies[7].colour",
        "unknown key",
        append(REPLY + 'text = "Hej!"\ncolour = "red"\n'),
    ),
    Broken("saved_replies.toml", "replies", "valid tuple", whole("replies = 3\n")),
    Broken("saved_replies.toml", "line 1", "TOML syntax error", whole("[[replies]\n")),
    # The registry "Registrera som ärende" sends to: per department, or the organisation's.
    Broken(
        "departments.toml",
        "departments.extra.registry",
        "String should match pattern",
        append('[departments.extra]\nname = "Extra"\nregistry = "diariet"\n'),
    ),
    Broken(
        "departments.toml",
        "registry",
        "String should match pattern",
        replace('registry = "registrator@region.example.se"', 'registry = "registrator"'),
    ),
]


def broken_copy(tmp_path: Path, case: Broken) -> Path:
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, directory, ignore=shutil.ignore_patterns("examples"))
    path = directory / case.file
    path.write_text(case.edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return directory


def check(directory: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["rules", "check", "--dir", str(directory)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def ids(case: Broken) -> str:
    return f"{case.file}:{case.key}"


def test_the_registry_is_the_departments_or_the_organisations(tmp_path: Path) -> None:
    directory = broken_copy(
        tmp_path,
        Broken(
            "departments.toml",
            "",
            "",
            append('[departments.extra]\nname = "Extra"\nregistry = "diarium.extra@x.se"\n'),
        ),
    )
    rules = load_rules(directory)
    assert rules.registry_for("extra") == "diarium.extra@x.se"
    assert rules.registry_for("kommunikation") == "registrator@region.example.se"
    assert rules.registry_for(None) == "registrator@region.example.se"


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_the_loader_refuses_a_broken_value(tmp_path: Path, case: Broken) -> None:
    directory = broken_copy(tmp_path, case)
    with pytest.raises(RulesError) as excinfo:
        LOADERS[case.file](directory)
    line = next(p for p in excinfo.value.problems if case.key in p)
    assert line.startswith(f"{directory / case.file}: ")
    assert case.what in line


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_rules_check_refuses_a_broken_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Broken
) -> None:
    directory = broken_copy(tmp_path, case)
    code, out, err = check(directory, capsys)
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if case.key in line]
    assert lines, err
    assert lines[0].startswith(f"inbox: error: {directory / case.file}: ")
    assert case.what in lines[0]
    # Only the broken file is named.
    assert all(f"{directory / case.file}: " in line for line in err.splitlines())


def test_rules_check_reports_every_broken_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = broken_copy(tmp_path, CASES[0])
    picked = {("escalation.toml", "ack_timeout_minutes"), ("duty.toml", "people.eva.email")}
    picked.add(("saved_replies.toml", "replies[7].text"))
    for case in (c for c in CASES if (c.file, c.key) in picked):
        path = directory / case.file
        path.write_text(case.edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    code, _, err = check(directory, capsys)
    assert code == 2
    for name, key in [
        ("departments.toml", "departments.extra.emails[0]"),
        ("escalation.toml", "ack_timeout_minutes"),
        ("duty.toml", "people.eva.email"),
        ("saved_replies.toml", "replies[7].text"),
    ]:
        assert f"inbox: error: {directory / name}: {key}: " in err


def test_one_file_with_several_problems_reports_each(tmp_path: Path) -> None:
    directory = broken_copy(tmp_path, CASES[0])
    path = directory / "saved_replies.toml"
    path.write_text(REPLY + REPLY.replace("extra", "again"), encoding="utf-8")
    with pytest.raises(RulesError) as excinfo:
        load_saved_replies(path)
    assert excinfo.value.problems == [
        f"{path}: replies[0].text: required key is missing",
        f"{path}: replies[1].text: required key is missing",
    ]


@pytest.mark.parametrize("name", ["escalation.toml", "duty.toml", "routing.toml"])
def test_a_missing_required_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, directory, ignore=shutil.ignore_patterns("examples"))
    (directory / name).unlink()
    code, _, err = check(directory, capsys)
    assert code == 2
    assert f"inbox: error: {directory / name}: required file is missing" in err


def test_no_saved_replies_file_is_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, directory, ignore=shutil.ignore_patterns("examples"))
    (directory / "saved_replies.toml").unlink()
    assert load_saved_replies(directory / "saved_replies.toml") == ()
    code, out, _ = check(directory, capsys)
    assert code == 0
    assert "0 saved replies (no file): ok" in out


def test_a_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "duty.toml"
    path.write_bytes(b'[people.a]\nname = "\xe5sa"\n')
    with pytest.raises(RulesError, match=r"duty\.toml: byte \d+: not UTF-8"):
        read_toml(path)


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def test_the_default_rules_pass(capsys: pytest.CaptureFixture[str]) -> None:
    rules = load_rules(DEFAULT_RULES)
    watch = load_watch_rules(DEFAULT_RULES)
    replies = load_saved_replies(DEFAULT_RULES / "saved_replies.toml")
    code, out, err = check(DEFAULT_RULES, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"{DEFAULT_RULES}: {len(rules.departments)} departments, {len(rules.topics)} topics, "
        f"{len(rules.routing)} routing rules, {len(rules.closing_days)} closing days: ok",
        f"{DEFAULT_RULES / 'departments.toml'}: registry registrator@region.example.se: ok",
        f"{DEFAULT_RULES / 'escalation.toml'}: alerts {len(watch.escalation.departments)} "
        "departments of departments.toml, "
        f"acknowledge within {watch.escalation.ack_timeout_minutes} minutes: ok",
        f"{DEFAULT_RULES / 'duty.toml'}: {len(watch.duty.people)} people, "
        f"{count(len(watch.duty.shifts), 'shift')}, "
        f"{count(len(watch.duty.rotation), 'rotation week')}: ok",
        f"{DEFAULT_RULES / 'saved_replies.toml'}: {len(replies)} saved replies: ok",
        f"{DEFAULT_RULES / 'retention.toml'}: 0 page overrides, keeps everything: ok",
    ]


def test_one_error_class() -> None:
    assert tagging.RulesError is RulesError
    assert issubclass(RulesError, ValueError)


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        (("rule", 0, "when", "hours"), "rule[0].when.hours"),
        (("departments", "hr", "emails", 2), "departments.hr.emails[2]"),
        ((0, "text"), "[0].text"),
        ((), "(top level)"),
    ],
)
def test_key_path(parts: tuple[str | int, ...], path: str) -> None:
    assert key_path(*parts) == path


@pytest.mark.parametrize(
    "directory", [DEFAULT_RULES, *sorted((DEFAULT_RULES / "examples").iterdir())], ids=str
)
def test_every_shipped_rules_set_passes_the_whole_check(directory: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["rules", "check", "--dir", str(directory)]) == 0, err.getvalue()
    assert out.getvalue().count(": ok\n") == 6


def test_pages_may_say_what_they_receive_and_whether_they_use_human_agent(
    engine: Engine, tmp_path: Path
) -> None:
    """Two pages under one Facebook page id, its comments and its Messenger inbox."""
    directory = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES, directory, ignore=shutil.ignore_patterns("examples"))
    shipped = (directory / "pages.toml").read_text(encoding="utf-8")
    (directory / "pages.toml").write_text(
        shipped + '\n[pages.fb]\nname = "Kommunen"\nplatform_id = "123"\nreceives = "feed"\n\n'
        '[pages.chatt]\nname = "Kommunen (Messenger)"\nchannel = "messenger"\n'
        'platform_id = "123"\nreceives = "messages"\nhuman_agent = true\n',
        encoding="utf-8",
    )
    rules = load_rules(directory)
    with session_scope(engine) as session:
        pages_actions.sync_pages(session, rules.pages, actor="test", now=NOW)
    with Session(engine) as session:
        got = {
            p.key: (p.platform_id, p.receives, p.human_agent)
            for p in session.exec(select(Page))
            if p.key in ("fb", "chatt")
        }
    assert got == {"fb": ("123", "feed", False), "chatt": ("123", "messages", True)}
    bad = directory / "pages.toml"
    bad.write_text(shipped + '\n[pages.fb]\nname = "x"\nreceives = "allt"\n', encoding="utf-8")
    with pytest.raises(RulesError, match=r"pages\.toml.*receives"):
        load_rules(directory)
