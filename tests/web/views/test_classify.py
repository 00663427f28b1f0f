"""The admin's page for trying the rules on a pasted text."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from tests.web_support import client_for, csrf_of, login, make_user


def test_admin_sees_tags_and_the_rule_that_fired(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "admin@demo", "admin")
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        token = csrf_of(client, "/admin/classify")
        page = client.post(
            "/admin/classify",
            data={
                "csrf_token": token,
                "text": "När kommer bussen? <script>alert(1)</script>",
                "page": "",
                "channel": "facebook",
                "kind": "comment",
            },
            headers={"accept": "text/html"},
        )
        bad = client.post(
            "/admin/classify",
            data={
                "csrf_token": token,
                "text": "x",
                "page": "",
                "channel": "fax",
                "kind": "comment",
            },
            headers={"accept": "text/html"},
        )
    assert page.status_code == 200
    assert "Länstrafiken" in page.text
    assert "<code>topic:kollektivtrafik</code>" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert bad.status_code == 400
    assert "Okänd kanal" in bad.text


def test_only_admins_may_use_it(engine: Engine, database_url: str, tmp_path: Path) -> None:
    make_user(engine, "cecilia@demo", "supervisor")
    with client_for(database_url, tmp_path) as client:
        login(client, "cecilia@demo")
        assert client.get("/admin/classify").status_code == 403
    with client_for(database_url, tmp_path) as anonymous:
        assert anonymous.get("/admin/classify").status_code == 401
