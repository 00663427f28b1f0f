"""`inbox import FILE.eml|FILE.mbox --page KEY`: same items as from IMAP, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from inbox.cli.main import main
from tests import mail_samples
from tests.factories import make_page
from tests.mail_checks import check_sample_items, items_by_id

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    monkeypatch.setenv(
        "INBOX_MAILBOXES",
        '{"kontakt": {"host": "127.0.0.1", "user": "kontakt", "password": "x",'
        f' "address": "{mail_samples.OWN}"}}}}',
    )

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    with path.open("wb") as handle:
        for raw in messages:
            handle.write(b"From sender@example.se Mon Nov 16 09:00:00 2026\n")
            for line in raw.split(b"\n"):
                # mboxrd quoting of body lines that look like a separator
                handle.write((b">" + line if line.startswith(b"From ") else line) + b"\n")
            handle.write(b"\n")
    return path


def test_mbox_import_threads_flags_and_is_idempotent(
    cli: Run, engine: Engine, tmp_path: Path
) -> None:
    make_page(engine, "kontakt", channel="email")
    mbox = write_mbox(tmp_path / "kontakt.mbox", mail_samples.ALL)
    code, out, err = cli("import", str(mbox), "--page", "kontakt")
    assert code == 0, err
    assert "8 messages: 7 new items, 0 already present, 1 our own replies (2 responses" in out
    check_sample_items(engine)
    code, out, _ = cli("import", str(mbox), "--page", "kontakt")
    assert code == 0
    assert "0 new items, 7 already present, 1 our own replies (0 responses" in out
    check_sample_items(engine)


def test_eml_import_and_missing_message_id(cli: Run, engine: Engine, tmp_path: Path) -> None:
    make_page(engine, "kontakt", channel="email")
    eml = tmp_path / "fraga.eml"
    eml.write_bytes(mail_samples.crlf(mail_samples.SWEDISH_QP))
    assert cli("import", str(eml), "--page", "kontakt")[0] == 0
    assert list(items_by_id(engine)) == ["q1@example.se"]
    no_id = tmp_path / "utan-id.eml"
    no_id.write_bytes(
        b"From: a@example.se\nSubject: hej\nDate: Mon, 16 Nov 2026 09:00:00 +0100\n\nHej\n"
    )
    assert cli("import", str(no_id), "--page", "kontakt")[0] == 0
    assert cli("import", str(no_id), "--page", "kontakt")[0] == 0
    keys = sorted(items_by_id(engine))
    assert len(keys) == 2
    assert keys[1].startswith("sha256:")


def test_mail_import_needs_an_email_page(cli: Run, engine: Engine, tmp_path: Path) -> None:
    eml = tmp_path / "fraga.eml"
    eml.write_bytes(mail_samples.SWEDISH_QP)
    code, _, err = cli("import", str(eml))
    assert code == 2
    assert "needs --page KEY" in err
    code, _, err = cli("import", str(eml), "--page", "nope")
    assert code == 2
    assert "unknown page 'nope'" in err
    make_page(engine, "fb")
    code, _, err = cli("import", str(eml), "--page", "fb")
    assert code == 2
    assert "not an email page" in err
    code, _, err = cli("import", str(tmp_path / "saknas.eml"), "--page", "fb")
    assert code == 2
    assert "no such file" in err
    assert items_by_id(engine) == {}
