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


# The newest corrections are shown first: the hostile text is the newest.
CONTAINER_TEXTS = [
    "containern är full igen",
    "Vem tömmer containern på lördagar?",
    "Containern luktar illa",
    "Containern vid <b>Storgatan</b> svämmar över, ring mig 070-123 45 67",
]


def _corrected_items(engine: Engine) -> None:
    from inbox.actions.item_work import correct_item
    from inbox.core.incoming import NewItem
    from inbox.store.db import session_scope
    from inbox.store.models import Item
    from tests.factories import NOW, add_items

    ids = add_items(
        engine,
        *[
            NewItem(page="region_facebook", external_id=f"c{n}", received_at=NOW, text=text)
            for n, text in enumerate(CONTAINER_TEXTS)
        ],
    )
    with session_scope(engine) as session:
        for item_id in ids:
            item = session.get(Item, item_id)
            assert item is not None
            correct_item(
                session,
                item,
                field="topic",
                value="avfall",
                allowed={"avfall"},
                actor="kim@demo",
                now=NOW,
            )


def test_corrections_suggest_a_word_the_admin_adds(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    import tomllib

    make_user(engine, "admin@demo", "admin")
    _corrected_items(engine)
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        page = client.get("/admin/classify", headers={"accept": "text/html"})
        token = csrf_of(client, "/admin/classify")
        added = client.post(
            "/admin/classify/words",
            data={"csrf_token": token, "topic": "avfall", "word": "containern"},
        )
        after = client.get("/admin/classify", headers={"accept": "text/html"})
        again = client.post(
            "/admin/classify/words",
            data={"csrf_token": token, "topic": "avfall", "word": "containern"},
            headers={"accept": "text/html"},
        )
        tried = client.post(
            "/admin/classify",
            data={
                "csrf_token": token,
                "text": "containern är full",
                "page": "",
                "channel": "facebook",
                "kind": "comment",
            },
            headers={"accept": "text/html"},
        )
    assert page.status_code == 200
    assert "4 rättelser säger Avfall" in page.text
    assert "texter med containern; lägg till ordet?" in page.text
    # The examples: escaped, personal data masked.
    assert "&lt;b&gt;Storgatan&lt;/b&gt;" in page.text
    assert "<b>Storgatan" not in page.text
    assert "070-123 45 67" not in page.text
    assert 'name="word" value="containern"' in page.text
    assert added.status_code == 303
    topics = tomllib.loads((tmp_path / "rules" / "topics.toml").read_text(encoding="utf-8"))
    assert topics["topics"]["avfall"]["keywords"][-1] == "containern"
    # Reloaded at once: the suggestion is gone and the rules give the topic.
    assert "Ordet containern gäller nu för ämnet" in after.text
    assert "texter med containern" not in after.text
    assert again.status_code == 400
    assert "Förslaget finns inte längre" in again.text
    assert "<code>topic:avfall</code>" in tried.text


def test_read_only_rules_show_the_line_to_add(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    from starlette.testclient import TestClient

    from inbox.app import create_app
    from inbox.settings import Settings
    from tests.paths import DEFAULT_RULES

    make_user(engine, "admin@demo", "admin")
    _corrected_items(engine)
    before = (DEFAULT_RULES / "topics.toml").read_bytes()
    settings = Settings(database_url=database_url, rules_dir=DEFAULT_RULES)
    with TestClient(create_app(settings), follow_redirects=False) as client:
        login(client, "admin@demo")
        page = client.get("/admin/classify", headers={"accept": "text/html"})
        token = csrf_of(client, "/admin/classify")
        refused = client.post(
            "/admin/classify/words",
            data={"csrf_token": token, "topic": "avfall", "word": "containern"},
            headers={"accept": "text/html"},
        )
    line = "[topics.avfall] keywords = [..., &#34;containern&#34;]"
    assert "texter med containern" in page.text
    assert line in page.text
    assert 'action="/admin/classify/words"' not in page.text
    assert refused.status_code == 400
    assert line in refused.text
    assert (DEFAULT_RULES / "topics.toml").read_bytes() == before


def test_only_admins_may_add_words(engine: Engine, database_url: str, tmp_path: Path) -> None:
    make_user(engine, "cecilia@demo", "supervisor")
    _corrected_items(engine)
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@demo")
        refused = client.post(
            "/admin/classify/words",
            data={"csrf_token": token, "topic": "avfall", "word": "containern"},
        )
    assert refused.status_code == 403
    assert "containern" not in (tmp_path / "rules" / "topics.toml").read_text(encoding="utf-8")


def test_department_corrections_suggest_a_routing_rule_the_admin_adds(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    import tomllib

    from inbox.actions.item_work import correct_item
    from inbox.core.incoming import NewItem
    from inbox.store.db import session_scope
    from inbox.store.models import Item
    from tests.factories import NOW, add_items

    make_user(engine, "admin@demo", "admin")
    texts = [
        "Min färdtjänst kom aldrig",
        "Färdtjänst till sjukhuset, hur bokar jag?",
        "Varför är färdtjänst så dyr?",
        "Färdtjänst för <b>Storgatan</b>, ring mig 070-123 45 67",
    ]
    ids = add_items(
        engine,
        *[
            NewItem(page="region_facebook", external_id=f"f{n}", received_at=NOW, text=text)
            for n, text in enumerate(texts)
        ],
    )
    with session_scope(engine) as session:
        for item_id in ids:
            item = session.get(Item, item_id)
            assert item is not None
            item.department = "kommunikation"
            correct_item(
                session,
                item,
                field="department",
                value="kultur",
                allowed={"kultur"},
                actor="kim@demo",
                now=NOW,
            )
    with client_for(database_url, tmp_path) as client:
        login(client, "admin@demo")
        page = client.get("/admin/classify", headers={"accept": "text/html"})
        token = csrf_of(client, "/admin/classify")
        forged = client.post(
            "/admin/classify/rules", data={"department": "kultur", "word": "färdtjänst"}
        )
        added = client.post(
            "/admin/classify/rules",
            data={"csrf_token": token, "department": "kultur", "word": "färdtjänst"},
        )
        after = client.get("/admin/classify", headers={"accept": "text/html"})
        again = client.post(
            "/admin/classify/rules",
            data={"csrf_token": token, "department": "kultur", "word": "färdtjänst"},
            headers={"accept": "text/html"},
        )
    assert page.status_code == 200
    assert "4 rättelser säger Kulturförvaltningen" in page.text
    assert "texter med färdtjänst; lägg till en regel?" in page.text
    assert "070-123 45 67" not in page.text
    assert "<b>Storgatan" not in page.text
    assert forged.status_code == 403
    assert added.status_code == 303
    routing = tomllib.loads((tmp_path / "rules" / "routing.toml").read_text(encoding="utf-8"))
    assert routing["rule"][-1]["when"] == {"keywords": ["färdtjänst"]}
    assert routing["rule"][-1]["department"] == "kultur"
    assert "Texter med ordet färdtjänst går nu till" in after.text
    assert "texter med färdtjänst; lägg till en regel?" not in after.text
    assert again.status_code == 400
    assert "Förslaget finns inte längre" in again.text


def test_only_admins_may_add_routing_rules(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    make_user(engine, "cecilia@demo", "supervisor")
    with client_for(database_url, tmp_path) as client:
        token = login(client, "cecilia@demo")
        refused = client.post(
            "/admin/classify/rules",
            data={"csrf_token": token, "department": "kultur", "word": "färdtjänst"},
        )
    assert refused.status_code == 403
    assert "färdtjänst" not in (tmp_path / "rules" / "routing.toml").read_text(encoding="utf-8")
