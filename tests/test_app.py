"""Headers on every answer: nothing with personal data is cached; HSTS behind HTTPS."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from starlette.routing import Route

from inbox.app import create_app
from tests.factories import make_page
from tests.web_support import client_for, login, make_user, settings_for

HTML = {"accept": "text/html"}


def _get_paths(database_url: str, tmp_path: Path) -> list[str]:
    app = create_app(settings_for(database_url, tmp_path))
    paths = [
        r.path.replace("{item_id:int}", "1").replace("{table:str}", "pages").replace("{token}", "x")
        for r in app.routes
        if isinstance(r, Route) and "GET" in (r.methods or ())
    ]
    assert "/api/v1/items" in paths
    return paths


def test_every_answer_but_static_files_is_no_store(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_page(engine, "fb", name="Region Väst")
    make_user(engine, "admin@x.se", "admin")
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@x.se")
        for path in [*_get_paths(database_url, tmp_path), "/login", "/nowhere"]:
            response = client.get(path, headers=HTML)
            assert response.headers.get("cache-control") == "no-store", path
            assert "strict-transport-security" not in response.headers, path
        for path in ("/static/app.css", "/static/vendor/htmx.min.js"):
            response = client.get(path)
            assert response.status_code == 200
            assert "no-store" not in response.headers.get("cache-control", ""), path


def test_hsts_when_served_over_https(database_url: str, tmp_path: Path) -> None:
    with client_for(database_url, tmp_path, base_url="https://inbox.region.se") as client:
        for path in ("/login", "/static/app.css", "/api/v1/items"):
            hsts = client.get(path).headers.get("strict-transport-security")
            assert hsts == "max-age=31536000; includeSubDomains", path
