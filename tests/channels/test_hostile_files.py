"""Hostile input for the file parsers: e-mail with malformed MIME and odd charsets, and
rules files mutated at random. Each must degrade or refuse with its documented error,
never with another exception."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inbox.channels.email.parse import parse_email
from inbox.core.incoming import ParsedEmail, to_new_item
from inbox.core.rules.duty import load_watch_rules
from inbox.core.rules.files import RulesError
from inbox.core.rules.saved_replies import load_saved_replies
from inbox.core.rules.tagging import load_rules
from tests.paths import DEFAULT_RULES

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
RULES = DEFAULT_RULES
WHEN = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

CHARSETS = st.sampled_from(
    ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "x-unknown", "utf-7", "", "utf-8\x00", "ä"]
)
HEADER_VALUE = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda cs, enc, data: f"=?{cs}?{enc}?{data}?=",
        CHARSETS,
        st.sampled_from(["B", "Q", "X", ""]),
        st.text(alphabet="ABCDEFabcdef0123456789=+/_%ö", max_size=30),
    ),
)
CONTENT_TYPE = st.sampled_from(
    [
        "text/plain",
        "text/html",
        "multipart/alternative",
        "multipart/mixed",
        "message/rfc822",
        "application/octet-stream",
        "text",
        "",
    ]
)


@st.composite
def raw_mail(draw: st.DrawFn) -> bytes:
    headers = {
        name: draw(HEADER_VALUE)
        for name in draw(
            st.lists(
                st.sampled_from(
                    [
                        "From",
                        "Subject",
                        "Message-ID",
                        "In-Reply-To",
                        "References",
                        "Date",
                        "Auto-Submitted",
                        "Return-Path",
                        "Content-Transfer-Encoding",
                    ]
                ),
                unique=True,
                max_size=9,
            )
        )
    }
    boundary = draw(st.sampled_from(["b1", "", '"', "b1--", "x" * 80]))
    ctype = draw(CONTENT_TYPE)
    charset = draw(CHARSETS)
    lines = [f"{k}: {v}".replace("\n", " ").replace("\r", " ") for k, v in headers.items()]
    lines.append(f'Content-Type: {ctype}; charset="{charset}"; boundary="{boundary}"')
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape")
    parts = draw(st.lists(st.binary(max_size=200), max_size=3))
    body = b"".join(
        b"--"
        + boundary.encode()
        + b"\r\nContent-Type: "
        + draw(CONTENT_TYPE).encode()
        + b"; charset="
        + draw(CHARSETS).encode("utf-8")
        + b"\r\n\r\n"
        + part
        + b"\r\n"
        for part in parts
    )
    return head + b"\r\n\r\n" + body + draw(st.binary(max_size=100))


@BOUNDED
@given(raw=raw_mail())
@example(raw=b"Content-Type: text/plain; charset=x-unknown\r\n\r\n\xe5\xe4\xf6")
@example(raw=b'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n\r\nhej')
@example(raw=b"Subject: =?utf-8?B?!!!?=\r\nDate: ig\xe5r\r\n\r\n")
def test_any_mail_parses_to_an_item_or_degrades(raw: bytes) -> None:
    parsed = parse_email(raw, received_at=WHEN)
    assert isinstance(parsed, ParsedEmail)
    assert isinstance(parsed.text, str)
    item = to_new_item(parsed, page="kontakt", received_at_fallback=WHEN)
    assert item.page == "kontakt"
    assert item.received_at.tzinfo is not None


RULE_FILES = sorted(p.name for p in RULES.glob("*.toml"))
SCALAR = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(['""', "true", "[]", "{}", '"x"', "1979-05-27", "nan", "inf", '"ä\\u0000"']),
    st.text(max_size=20).map(lambda t: '"' + t.replace("\\", "").replace('"', "") + '"'),
)


@st.composite
def mutated_rules(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(RULE_FILES))
    lines = (RULES / name).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        how = draw(st.sampled_from(["drop", "value", "dup", "junk", "key"]))
        if how == "drop":
            del lines[i]
        elif how == "dup":
            lines.insert(i, lines[i])
        elif how == "junk":
            lines.insert(i, draw(st.text(max_size=30)).replace("\r", ""))
        elif how == "key":
            lines.insert(
                i, f"{draw(st.from_regex(r'[a-z_]{1,12}', fullmatch=True))} = {draw(SCALAR)}"
            )
        elif "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(SCALAR)}"
    return name, "\n".join(lines) + "\n"


def _load_all(directory: Path) -> None:
    load_rules(directory)
    load_watch_rules(directory)
    load_saved_replies(directory / "saved_replies.toml")


@BOUNDED
@given(case=mutated_rules())
@example(case=("saved_replies.toml", "replies = 3\n"))
@example(case=("duty.toml", "[[rota]]\nfrom = 1979-05-27\n"))
@example(case=("departments.toml", "[departments.x]\nname = \n"))
def test_any_rules_file_loads_or_is_refused_naming_the_file(case: tuple[str, str]) -> None:
    name, text = case
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "rules"
        shutil.copytree(RULES, directory, ignore=shutil.ignore_patterns("examples"))
        (directory / name).write_text(text, encoding="utf-8")
        refusal = ""
        try:
            _load_all(directory)
        except RulesError as exc:
            refusal = str(exc)
        assert not refusal or name in refusal, refusal
