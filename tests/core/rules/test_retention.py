"""rules/retention.toml: its shape, its errors (file and key named), an absent file keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox.core.rules.files import RulesError
from inbox.core.rules.retention import load_retention_rules


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "retention.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_absent_file_keeps_everything(tmp_path: Path) -> None:
    rules = load_retention_rules(tmp_path / "retention.toml")
    assert not rules.erases_anything
    assert rules.for_page("fb").keep_closed_days is None


def test_pages_override_the_default_key_by_key(tmp_path: Path) -> None:
    rules = load_retention_rules(
        _write(
            tmp_path,
            "[default]\nkeep_closed_days = 365\nkeep_removed_days = 30\n"
            "[page.fb]\nkeep_closed_days = 90\n",
        )
    )
    assert rules.erases_anything
    assert rules.for_page("fb").keep_closed_days == 90
    assert rules.for_page("fb").keep_removed_days == 30
    assert rules.for_page("ig").keep_closed_days == 365
    assert rules.rule_name("fb", removed=False) == "page.fb.keep_closed_days"
    assert rules.rule_name("fb", removed=True) == "default.keep_removed_days"


def test_a_page_alone_erases_only_that_page(tmp_path: Path) -> None:
    rules = load_retention_rules(_write(tmp_path, "[page.fb]\nkeep_removed_days = 7\n"))
    assert rules.erases_anything
    assert rules.for_page("fb").keep_removed_days == 7
    assert rules.for_page("ig").keep_removed_days is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[default]\nkeep_closed_days = -1\n", "default.keep_closed_days: "),
        ("[default]\nkeep_closed_days = '90'\n", "default.keep_closed_days: "),
        ("[default]\nkeep_closed_days = 99999\n", "default.keep_closed_days: "),
        ("[default]\nkeep_days = 90\n", "default.keep_days: unknown key"),
        ("[page.fb]\nkeep_closed_days = 1.5\n", "page.fb.keep_closed_days: "),
        ("[page.fb]\nkeep = 1\n", "page.fb.keep: unknown key"),
        ("page = 3\n", "page: must be a table"),
        ("[pages.fb]\nkeep_closed_days = 1\n", "pages: unknown key"),
        ("[default\n", "line 1: TOML syntax error"),
    ],
)
def test_errors_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RulesError) as caught:
        load_retention_rules(path)
    assert f"{path}: {expected}" in str(caught.value)
