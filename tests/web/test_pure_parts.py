"""Pure parts of the interface: filters, saved replies, masking, access, charts, throttle."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.cli.main import main
from inbox.core.access import CurrentUser, is_urgent, may_handle
from inbox.core.passwords import locked_until, verify_password
from inbox.core.queue_filters import FilterError, QueueFilters, parse_filters
from inbox.core.rules.files import RulesError
from inbox.core.rules.saved_replies import fill, load_saved_replies
from inbox.web.charts import Series, line_chart, rate_axis
from inbox.web.templating import first_line, masked
from tests.paths import DEFAULT_RULES

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, QueueFilters()),
        ({"sla": "breached", "mine": "1"}, QueueFilters(sla="breached", mine=True)),
        ({"status": "closed", "offset": "50"}, QueueFilters(status="closed", offset=50)),
        ({"department": ""}, QueueFilters(department="")),
        ({"q": "  remiss "}, QueueFilters(q="remiss")),
    ],
)
def test_parse_filters(params: dict[str, str], expected: QueueFilters) -> None:
    assert parse_filters(params) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"sla": "soon"}, "sla"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"status": "deleted"}, "status"),
        ({"offset": "-1"}, "offset"),
        ({"page": "a b"}, "page"),
        ({"q": "x" * 201}, "Sökordet är för långt: 201 tecken"),
    ],
)
def test_parse_filters_refuses(params: dict[str, str], message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_filters(params)


def test_default_department_applies_only_without_a_choice() -> None:
    assert parse_filters({}, default_department="_mine").department == "_mine"
    assert parse_filters({"department": ""}, default_department="_mine").department == ""


def test_query_string_keeps_filters() -> None:
    f = QueueFilters(department="kultur", q="å ä", sla="ok")
    assert f.query_string(offset=50) == "department=kultur&sla=ok&q=%C3%A5+%C3%A4&offset=50"


def test_saved_replies_fill_placeholders() -> None:
    assert fill("Hej {förnamn}! /{handläggare}", author="Karin Holm", page="FB", agent="Anna") == (
        "Hej Karin! /Anna"
    )
    assert fill("Hej {förnamn}!", author="", page="FB", agent="Anna") == "Hej!"


def test_repository_saved_replies_load() -> None:
    replies = load_saved_replies(DEFAULT_RULES / "saved_replies.toml")
    assert any(r.key == "acknowledge" for r in replies)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[replies]]\nkey = "a"\ndepartment = "*"\ntitle = "T"\ntext = "Hej {efternamn}"',
            "unknown placeholder",
        ),
        ('[[replies]]\nkey = "a"\ndepartment = "*"\ntitle = "T"', r"replies\[0\]\.text"),
        ("[[replies]\n", "saved_replies.toml"),
    ],
)
def test_saved_replies_errors_name_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "saved_replies.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        load_saved_replies(path)


def test_masking_and_first_line() -> None:
    text = "Mitt nr 19121212-1212 tack"
    assert masked(text) == "Mitt nr [personnummer] tack"
    assert masked("Inget här") == "Inget här"
    assert masked(None) == ""
    assert first_line("rad ett\nrad två") == "rad ett"


def _user(**kw: object) -> CurrentUser:
    base: dict[str, object] = {
        "id": 1,
        "email": "a@x",
        "name": "A",
        "role": "communicator",
        "departments": ("kultur",),
        "duty": False,
        "language": None,
    }
    base.update(kw)
    return CurrentUser(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("user", "department", "priority", "flags", "assignee", "allowed"),
    [
        (_user(), "kultur", "normal", "", None, True),
        (_user(), None, "normal", "", None, True),
        (_user(), "vard", "normal", "", None, False),
        (_user(), "vard", "normal", "", "a@x", True),
        (_user(), "vard", "urgent", " threat ", None, False),
        (_user(duty=True), "vard", "normal", " threat ", None, True),
        (_user(duty=True), "vard", "normal", " question ", None, False),
        (_user(role="supervisor"), "vard", "normal", "", None, True),
        (_user(role="admin"), "vard", "normal", "", None, True),
    ],
)
def test_may_handle(
    user: CurrentUser,
    department: str | None,
    priority: str,
    flags: str,
    assignee: str | None,
    allowed: bool,
) -> None:
    assert (
        may_handle(user, department=department, priority=priority, flags=flags, assignee=assignee)
        is allowed
    )


def test_is_urgent() -> None:
    assert is_urgent("high", "")
    assert is_urgent("normal", " offensive ")
    assert not is_urgent("normal", " question ")


def test_throttle_rule() -> None:
    failures = [NOW - timedelta(minutes=m) for m in (1, 2, 3, 4)]
    assert locked_until(failures, NOW) is None
    failures.append(NOW)
    assert locked_until(failures, NOW) == NOW + timedelta(minutes=15)
    assert locked_until(failures, NOW + timedelta(minutes=16)) is None


def test_verify_password_unknown_user() -> None:
    assert verify_password(None, "anything") is False
    assert verify_password("not-a-hash", "anything") is False


def test_chart_is_escaped_svg() -> None:
    svg = line_chart(
        ["v1", "<v2>"],
        Series("x", [10.0, None], "#000", unit="%"),
        key="x",
        title="A & B",
        axis=rate_axis(),
    )
    assert svg.startswith("<svg")
    assert "&lt;v2&gt;" in svg
    assert "A &amp; B" in svg


def test_users_add_from_the_command_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert (
        main(
            ["users", "add", "It@Region.se", "--role", "admin", "--name", "IT", "--password-stdin"]
        )
        == 0
    )
    assert "added user it@region.se (admin)" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "b@region.se", "--role", "communicator", "--password-stdin"]) == 2
    assert "minst 10 tecken" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    assert main(["users", "add", "it@region.se", "--role", "admin", "--password-stdin"]) == 2
    assert "Det finns redan en användare it@region.se" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert "it@region.se  admin  active" in capsys.readouterr().out
