"""How long closed items keep their personal data, from ``rules/retention.toml``.

The file's shape, so that organisations can share theirs::

    [default]
    keep_closed_days = 365     # after an item is closed
    keep_removed_days = 30     # after an item was removed (moderated)

    [page.fb-vard]
    keep_closed_days = 90      # overrides the default for one page

An absent file or key means "keep": public records may only be erased by the
organisation's own decision, never by a default. Read through
``inbox.core.rules.files``: an error names the file, the key and what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from inbox.core.rules.files import keyed, problem, raise_if_any, read_toml, validate

FILE = "retention.toml"
# A hundred years: a longer period is a typo, not a decision.
MAX_DAYS = 36_500


class Keep(BaseModel):
    """Days to keep after closing and after removal; None keeps for ever."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    keep_closed_days: int | None = Field(default=None, ge=0, le=MAX_DAYS, strict=True)
    keep_removed_days: int | None = Field(default=None, ge=0, le=MAX_DAYS, strict=True)


class PageKeep(Keep):
    key: str


class _File(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Keep = Keep()


@dataclass(frozen=True)
class RetentionRules:
    default: Keep = field(default_factory=Keep)
    pages: dict[str, Keep] = field(default_factory=dict)
    path: str = FILE

    def for_page(self, key: str) -> Keep:
        """The page's periods: its own keys first, then the default's."""
        own = self.pages.get(key)
        if own is None:
            return self.default
        return Keep(
            keep_closed_days=(
                own.keep_closed_days
                if own.keep_closed_days is not None or "keep_closed_days" in own.model_fields_set
                else self.default.keep_closed_days
            ),
            keep_removed_days=(
                own.keep_removed_days
                if own.keep_removed_days is not None or "keep_removed_days" in own.model_fields_set
                else self.default.keep_removed_days
            ),
        )

    @property
    def erases_anything(self) -> bool:
        keeps = [self.default, *self.pages.values()]
        return any(k.keep_closed_days is not None or k.keep_removed_days is not None for k in keeps)

    def rule_name(self, key: str, removed: bool) -> str:
        """Which table and key decided, as the item page names it: ``page.fb.keep_closed_days``."""
        name = "keep_removed_days" if removed else "keep_closed_days"
        own = self.pages.get(key)
        if own is not None and name in own.model_fields_set:
            return f"page.{key}.{name}"
        return f"default.{name}"


def load_retention_rules(path: Path) -> RetentionRules:
    """The rules in ``path``; an absent file keeps everything."""
    if not path.is_file():
        return RetentionRules(path=str(path))
    data: dict[str, Any] = read_toml(path)
    problems: list[str] = []
    pages_table = data.pop("page", {})
    parsed = _File()
    try:
        parsed = validate(_File, data, path)
    except ValueError as exc:
        problems.extend(str(exc).splitlines())
    pages: dict[str, Keep] = {}
    if not isinstance(pages_table, dict):
        problems.append(problem(path, "page", "must be a table of [page.KEY] tables"))
    else:
        try:
            for key, page in keyed(PageKeep, pages_table, path, "page").items():
                pages[key] = Keep.model_validate(
                    page.model_dump(exclude={"key"}, exclude_unset=True)
                )
        except ValueError as exc:
            problems.extend(str(exc).splitlines())
    raise_if_any(problems)
    return RetentionRules(default=parsed.default, pages=pages, path=str(path))
