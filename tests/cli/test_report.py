"""`inbox report`: the half-open --to, the inclusive --until, the window in words."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from inbox.cli.main import build_parser, main

HEADER = "page,external_id,received_at,text,first_response_at,resolution,author\n"
# Two items on the last day of November: --to 2026-11-30 leaves them out, --until keeps them.
ROWS = (
    "fb,1,2026-11-02T10:00:00+01:00,Hej,2026-11-02T10:30:00+01:00,,\n"
    "fb,2,2026-11-30T10:00:00+01:00,Hej,2026-11-30T11:00:00+01:00,,\n"
    "fb,3,2026-11-30T11:00:00+01:00,Hej,,,\n"
    "fb,4,2026-12-01T09:00:00+01:00,Hej,,,\n"
)
AS_OF = ("--as-of", "2026-12-02T12:00:00Z")
WINDOW = "Inkomna från och med 2026-11-01 till och med 2026-11-30, per 2 dec. 2026 13:00"


@pytest.fixture
def cli(
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
):
    monkeypatch.setenv("INBOX_DATABASE_URL", database_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    path = tmp_path / "in.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    assert run("import", str(path))[0] == 0
    return run


def _json(cli, *window: str) -> dict:
    code, out, err = cli("report", *window, *AS_OF, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_until_is_the_last_day_included_and_to_the_day_after(cli) -> None:
    until = _json(cli, "--from", "2026-11-01", "--until", "2026-11-30")
    to_next = _json(cli, "--from", "2026-11-01", "--to", "2026-12-01")
    to_last = _json(cli, "--from", "2026-11-01", "--to", "2026-11-30")
    assert until == to_next
    assert until["total"]["received"] == 3
    assert to_last["total"]["received"] == 1  # --to leaves its own day out
    assert (until["from"], until["to"], until["until"]) == (
        "2026-11-01",
        "2026-12-01",
        "2026-11-30",
    )
    assert until["window"] == WINDOW
    assert to_last["window"].startswith("Inkomna från och med 2026-11-01 till och med 2026-11-29,")


def test_every_output_states_the_window_in_the_same_words(cli) -> None:
    window = ("--from", "2026-11-01", "--until", "2026-11-30", *AS_OF)
    code, table, _ = cli("report", *window)
    assert code == 0
    assert table.splitlines()[0] == WINDOW
    assert table.splitlines()[1].startswith("Sida ")
    code, excel, _ = cli("report", *window, "--format", "csv")
    rows = list(csv.reader(io.StringIO(excel.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == ["Period", WINDOW]
    assert rows[1][:3] == ["Sidnyckel", "Sida", "Inkomna"]
    fb = dict(zip(rows[1], rows[2], strict=True))
    assert fb["Svarsfrekvens (andel)"] == "0,6666666666666666"
    assert fb["Median svarstid (minuter)"] == "45,0"
    code, plain, _ = cli("report", *window, "--format", "csv", "--csv-dialect", "plain")
    records = list(csv.DictReader(io.StringIO(plain)))
    assert [r["page"] for r in records] == ["fb", "Totalt"]
    assert records[0]["response_rate"] == "0.6666666666666666"
    assert (records[0]["from"], records[0]["until"]) == ("2026-11-01", "2026-11-30")
    assert records[0]["as_of"] == "2026-12-02T12:00:00+00:00"


def test_the_help_says_which_day_is_included(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "NOT included" in text
    assert "--until" in text
    assert "last day, included" in text


def test_to_and_until_together_or_neither_are_refused(cli, capsys) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--from", "2026-11-01", "--to", "2026-12-01", "--until", "2026-11-30"])
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--from", "2026-11-01"])
    assert "one of the arguments --to --until is required" in capsys.readouterr().err
    code, _, err = cli("report", "--from", "2026-11-02", "--until", "2026-11-01")
    assert code == 2
    assert "--until must not be before --from" in err
