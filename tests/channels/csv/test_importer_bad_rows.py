"""One bad CSV row is one reported line: the other rows are imported, on both
databases, whether the file is parsed here or in worker processes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from inbox.channels.csv import importer as csv_import
from inbox.channels.csv.importer import import_csv
from inbox.cli.main import main
from inbox.store.models import Item

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HEADER = "page,external_id,received_at,text,author\n"
GOOD = "fb,{n},2026-11-17T10:00:00+01:00,Hej {n},Anna\n"

# (what the bad row is, the row, the reason reported for it)
BAD_ROWS = [
    ("space", "a b,x,2026-11-17T10:00:00+01:00,Hej,A\n", "invalid page key 'a b'"),
    ("nbsp", "a\u00a0b,x,2026-11-17T10:00:00+01:00,Hej,A\n", "invalid page key 'a\\xa0b'"),
    (
        "long-field",
        'fb,x,2026-11-17T10:00:00+01:00,"' + "lång\n" * 30_000 + '",A\n',
        "text is 150000 characters long: at most 131,072",
    ),
    (
        "year-9999",
        "fb,x,9999-12-31T10:00:00+01:00,Hej,A\n",
        "received_at 9999-12-31T09:00:00+00:00 is in the future",
    ),
    ("year-1", "fb,x,0001-01-02T10:00:00+00:00,Hej,A\n", "is before 2000-01-01"),
    (
        "first-9999",
        "fb,x,2026-11-17T10:00:00+01:00,Hej,A,9999-01-01T00:00:00Z\n",
        "first_response_at 9999-01-01T00:00:00+00:00 is in the future",
    ),
    ("nul", "fb,x,2026-11-17T10:00:00+01:00,He\x00j,A\n", "text contains a NUL character"),
    (
        "long-author",
        "fb,x,2026-11-17T10:00:00+01:00,Hej," + "A" * 256 + "\n",
        "author is 256 characters long: at most 255",
    ),
]


def _file(tmp_path: Path, bad: str, *, extra_header: str = "") -> Path:
    """Two good rows, the bad one, then two more good ones (the bad one on line 4)."""
    header = HEADER.rstrip("\n") + extra_header + "\n"
    rows = [GOOD.format(n=1), GOOD.format(n=2), bad, GOOD.format(n=3), GOOD.format(n=4)]
    path = tmp_path / "in.csv"
    path.write_text(header + "".join(rows), encoding="utf-8", newline="")
    return path


def _stored(engine: Engine) -> list[str]:
    item = Item.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(item.c.external_id)).scalars())


@pytest.fixture(params=[False, True], ids=["here", "workers"])
def processes(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize(("bad", "reason"), [b[1:] for b in BAD_ROWS], ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_reported_by_line_and_the_others_imported(
    bad: str,
    reason: str,
    engine: Engine,
    tmp_path: Path,
    processes: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_import, "BATCH", 2)  # the bad row shares a batch with good ones
    extra = ",first_response_at" if "first" in reason else ""
    path = _file(tmp_path, bad, extra_header=extra)
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes)
    assert summary.inserted == 4
    assert [line for line, _ in summary.errors] == [4]
    assert reason in summary.errors[0][1]
    assert _stored(engine) == ["1", "2", "3", "4"]


def test_the_row_after_a_long_quoted_field_is_read_in_step(
    engine: Engine, tmp_path: Path, processes: bool
) -> None:
    long = 'fb,x,2026-11-17T10:00:00+01:00,"' + "rad\n" * 40_000 + '",A\n'
    path = _file(tmp_path, long)
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes)
    assert summary.errors == [(4, "text is 160000 characters long: at most 131,072")]
    assert summary.rows == 5
    # The line numbers after it count the field's lines.
    bad_again = tmp_path / "again.csv"
    bad_again.write_text(
        HEADER + long + "fb,y,2026-11-17T10:00:00,naive,A\n", encoding="utf-8", newline=""
    )
    again = import_csv(engine, bad_again, actor="test", now=NOW, processes=processes)
    assert [line for line, _ in again.errors] == [2, 2 + 40_001]


def test_bytes_not_utf8_are_reported_by_line_and_the_other_rows_imported(
    engine: Engine, tmp_path: Path, processes: bool
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        (HEADER + GOOD.format(n=1) + GOOD.format(n=2)).encode()
        + "fb,3,2026-11-17T10:00:00+01:00,Hej på er,Åsa\n".encode("latin-1")
        + "fb,4,2026-11-17T10:00:00+01:00,Hej på er,Åsa\n".encode()
    )
    summary = import_csv(engine, path, actor="test", now=NOW, processes=processes)
    assert summary.errors == [(4, "text is not UTF-8 (byte 0xE5): save the file as UTF-8")]
    assert _stored(engine) == ["1", "2", "4"]


def test_the_cli_prints_file_line_reason_and_exits_1(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)
    path = tmp_path / "in.csv"
    path.write_bytes(
        (HEADER + GOOD.format(n=1)).encode()
        + b"fb,2,2026-11-17T10:00:00+01:00,caf\xe9,A\n"
        + b"fb,3,9999-11-17T10:00:00+01:00,Hej,A\n"
        + b"fb,4,2026-11-17T10:00:00+01:00,N\x00L,A\n"
        + GOOD.format(n=5).encode()
    )
    assert main(["import", str(path)]) == 1
    out = capsys.readouterr()
    assert out.err.splitlines() == [
        "in.csv:3: text is not UTF-8 (byte 0xE9): save the file as UTF-8",
        "in.csv:4: received_at 9999-11-17T09:00:00+00:00 is in the future",
        "in.csv:5: text contains a NUL character",
    ]
    assert "5 rows: 2 imported, 0 already present, 3 rejected" in out.out


def test_the_worker_path_is_taken_for_large_files(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[bool] = []
    real = csv_import._in_workers

    def spy(*args: object, **kwargs: object) -> None:
        taken.append(True)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(csv_import, "_in_workers", spy)
    monkeypatch.setattr(csv_import, "PROCESS_MIN_BYTES", 10)
    path = _file(tmp_path, "fb,x,9999-12-31T10:00:00+01:00,Hej,A\n")
    summary = import_csv(engine, path, actor="test", now=NOW)
    assert taken == [True]
    assert summary.inserted == 4
    assert [line for line, _ in summary.errors] == [4]
