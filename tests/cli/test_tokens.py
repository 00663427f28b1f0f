"""API tokens: made once, stored hashed, listed by prefix, revoked by name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from starlette.testclient import TestClient

from inbox.app import create_app
from inbox.cli.main import main
from inbox.core.tokens import bearer_token, hash_token
from inbox.settings import Settings
from inbox.store.models import ApiToken

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_create_list_revoke(cli: Run, engine: Engine, database_url: str) -> None:
    code, out, err = cli("tokens", "create", "webform")
    assert code == 0
    token = out.strip()
    assert token.startswith("inbx_")
    assert len(token) > 40
    assert "shown only now" in err
    with Session(engine) as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash == hash_token(token)
    assert token not in (row.prefix, row.token_hash)
    assert token.startswith(row.prefix)

    code, _, err = cli("tokens", "create", "webform")
    assert code == 2
    assert "already exists" in err

    code, out, _ = cli("tokens", "list")
    assert "webform" in out
    assert row.prefix in out
    assert token not in out
    assert "active" in out

    with TestClient(create_app(Settings(database_url=database_url))) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/items", headers=headers).status_code == 200
        assert cli("tokens", "revoke", "webform")[0] == 0
        assert client.get("/api/v1/items", headers=headers).status_code == 401

    code, out, _ = cli("tokens", "list")
    assert "revoked" in out
    code, _, err = cli("tokens", "revoke", "webform")
    assert code == 2
    assert "no active token" in err
    # The name is free again once revoked.
    assert cli("tokens", "create", "webform")[0] == 0


def test_token_names_are_checked(cli: Run) -> None:
    code, _, err = cli("tokens", "create", "two words")
    assert code == 2
    assert "invalid token name" in err


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("Bearer a b", None),
    ],
)
def test_bearer_header_parsing(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected
