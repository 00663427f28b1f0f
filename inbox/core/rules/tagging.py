"""Rules files -> frozen, validated models.

The organisation's configuration lives in a directory of TOML files that a
communicator can read and a reviewer can diff. Each known file is validated
strictly (an unknown key is an error, because a misspelt key would otherwise be
silently ignored); files the loader does not know are skipped, so new sections
(an on-call rota, say) can be added beside these without breaking older code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inbox.core.rules.files import (
    RulesError,
    keyed,
    problem,
    raise_if_any,
    read_toml,
    validate,
)

T = TypeVar("T")

Priority = Literal["low", "normal", "high", "urgent"]
Kind = Literal["comment", "private_message", "email", "mention", "post_reply"]
SentimentLabel = Literal["positive", "neutral", "negative"]
Language = Literal["sv", "en", "other"]
Flag = Literal["question", "no_reply_needed", "offensive", "threat", "personal_data"]

PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high", "urgent")
KINDS: tuple[Kind, ...] = ("comment", "private_message", "email", "mention", "post_reply")
FLAGS: tuple[Flag, ...] = ("question", "no_reply_needed", "offensive", "threat", "personal_data")

# Swedish and English day names, Monday = 0 as in datetime.weekday().
WEEKDAYS: dict[str, int] = {
    **{d: i for i, d in enumerate(("mån", "tis", "ons", "tor", "fre", "lör", "sön"))},
    **{d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
}

Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+$", min_length=1, max_length=64)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DepartmentRule(_Model):
    """A department of ``departments.toml``: where items are routed."""

    key: Key
    name: Text
    emails: tuple[Email, ...] = ()
    supervisor_emails: tuple[Email, ...] = ()
    # Where "Registrera som ärende" sends the record (the department's registry).
    registry: Email | None = None


class Topic(_Model):
    key: Key
    label: Text
    department: Key
    keywords: tuple[Text, ...] = ()
    phrases: tuple[Text, ...] = ()
    # Surface words (or word beginnings) that must never count as a hit for
    # this topic, e.g. "jobbig" (tiresome) for the topic "jobb".
    exclude: tuple[Text, ...] = ()


class TimeRange(_Model):
    """Half-open local clock range; may wrap midnight ("17:00-08:00")."""

    start: time
    end: time

    def contains(self, t: time) -> bool:
        if self.start <= self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def _parse_hours(value: object) -> object:
    if not isinstance(value, str):
        return value
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not m:
        raise ValueError('hours must look like "17:00-08:00"')
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59 or (h1 == 24 and m1) or (h2 == 24 and m2):
        raise ValueError(f"not a clock time range: {value!r}")
    # "24:00" as an end means midnight.
    return {"start": time(h1 % 24, m1), "end": time(h2 % 24, m2)}


class Conditions(_Model):
    """All given conditions must hold; within one list any value may match."""

    pages: tuple[Key, ...] = ()
    channels: tuple[Key, ...] = ()
    kinds: tuple[Kind, ...] = ()
    topics: tuple[Key, ...] = ()
    sentiments: tuple[SentimentLabel, ...] = ()
    flags: tuple[Flag, ...] = ()
    languages: tuple[Language, ...] = ()
    keywords: tuple[Text, ...] = ()
    weekdays: tuple[int, ...] = ()
    hours: TimeRange | None = None
    has_topic: bool | None = None
    closing_day: bool | None = None
    needs_reply: bool | None = None

    @field_validator("weekdays", mode="before")
    @classmethod
    def _weekdays(cls, value: object) -> object:
        if not isinstance(value, list | tuple):
            return value
        out = []
        for day in value:
            if not isinstance(day, str) or day.lower()[:3] not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (use mån, tis, ... or mon, tue, ...)")
            out.append(WEEKDAYS[day.lower()[:3]])
        return tuple(out)

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, value: object) -> object:
        return _parse_hours(value)


class RoutingRule(_Model):
    id: Key
    description: Text | None = None
    when: Conditions = Conditions()
    # No department: the best topic's department, else the default.
    department: Key | None = None
    priority: Priority = "normal"
    tags: tuple[Text, ...] = ()


class PageSettings(_Model):
    name: Text | None = None
    channel: Literal["facebook", "instagram", "messenger", "linkedin", "email", "web", "other"] = (
        "facebook"
    )
    calendar: Literal["office", "24x7"] = "office"
    target_hours: float = Field(default=24.0, gt=0, le=24 * 31)
    # The platform's id of the page (Facebook page id, Instagram account id), so
    # webhook deliveries find it.
    platform_id: Text | None = None
    # What the page takes of what arrives under its platform id: a Facebook page's
    # comments and its Messenger inbox may be one page ("all") or two ("feed",
    # "messages") with the same platform_id.
    receives: Literal["all", "feed", "messages"] = "all"
    # Messenger answers up to 7 days after the person's last message (HUMAN_AGENT tag).
    human_agent: bool = False


class OfficeHours(_Model):
    start: time = time(8, 0)
    end: time = time(17, 0)


class Rules(_Model):
    """The whole, cross-checked rule set. Treat the mappings as read-only."""

    departments: dict[str, DepartmentRule]
    topics: dict[str, Topic]
    routing: tuple[RoutingRule, ...]
    default_department: Key
    default_priority: Priority = "normal"
    min_topic_score: float = Field(default=0.5, ge=0, le=1)
    closing_days: frozenset[date] = frozenset()
    office_hours: OfficeHours = OfficeHours()
    pages: dict[str, PageSettings] = {}
    # The organisation's registry, for departments without one of their own.
    registry: str | None = None

    def registry_for(self, department: str | None) -> str | None:
        """The registry address an item of ``department`` is handed over to."""
        own = self.departments.get(department or "")
        return (own.registry if own is not None else None) or self.registry


# --- the file formats ------------------------------------------------------


class _DepartmentsFile(_Model):
    registry: Email | None = None
    departments: dict[Key, dict[str, Any]]


class _TopicsFile(_Model):
    min_score: float = Field(default=0.5, ge=0, le=1)
    topics: dict[Key, dict[str, Any]]


class _RoutingFile(_Model):
    default_department: Key
    default_priority: Priority = "normal"
    rule: tuple[RoutingRule, ...] = ()


class _CalendarFile(_Model):
    closing_days: frozenset[date] = frozenset()
    office_hours: OfficeHours = OfficeHours()


class _PagesFile(_Model):
    pages: dict[Key, PageSettings] = {}


_REQUIRED = ("departments.toml", "topics.toml", "routing.toml")


def load_departments(path: Path) -> dict[str, DepartmentRule]:
    """The one list of departments, ``departments.toml`` in the rules directory
    ``path`` (empty when the file is absent): routing, escalations and digests all
    read it."""
    dep_path = Path(path) / "departments.toml"
    if not dep_path.is_file():
        return {}
    deps_file = validate(_DepartmentsFile, read_toml(dep_path), dep_path)
    return keyed(DepartmentRule, deps_file.departments, dep_path, "departments")


def load_rules(path: Path) -> Rules:
    """Load and cross-check the rules directory at ``path``.

    Raises RulesError naming the file, the key (or line) and what is wrong; every
    problem found is reported, one per line.
    """
    path = Path(path)
    if not path.is_dir():
        raise RulesError(f"{path}: not a directory of rules files")
    raise_if_any(
        f"{path / name}: required file is missing"
        for name in _REQUIRED
        if not (path / name).is_file()
    )

    problems: list[str] = []

    def attempt(load: Callable[[], T]) -> T | None:
        try:
            return load()
        except RulesError as exc:
            problems.extend(exc.problems)
            return None

    dep_path, top_path, rou_path = (path / n for n in _REQUIRED)
    cal_path, pages_path = path / "calendar.toml", path / "pages.toml"
    deps_file = attempt(lambda: validate(_DepartmentsFile, read_toml(dep_path), dep_path))
    departments = (
        attempt(lambda: keyed(DepartmentRule, deps_file.departments, dep_path, "departments"))
        if deps_file is not None
        else None
    )
    topics_file = attempt(lambda: validate(_TopicsFile, read_toml(top_path), top_path))
    topics = (
        attempt(lambda: keyed(Topic, topics_file.topics, top_path, "topics"))
        if topics_file is not None
        else None
    )
    routing = attempt(lambda: validate(_RoutingFile, read_toml(rou_path), rou_path))
    calendar = (
        attempt(lambda: validate(_CalendarFile, read_toml(cal_path), cal_path))
        if cal_path.is_file()
        else _CalendarFile()
    )
    pages = (
        attempt(lambda: validate(_PagesFile, read_toml(pages_path), pages_path))
        if pages_path.is_file()
        else _PagesFile()
    )
    if (
        problems
        or deps_file is None
        or departments is None
        or topics_file is None
        or topics is None
        or routing is None
        or calendar is None
        or pages is None
    ):
        raise RulesError("\n".join(problems))

    if not departments:
        problems.append(problem(dep_path, "departments", "at least one department is required"))
    for key, topic in topics.items():
        if topic.department not in departments:
            problems.append(
                problem(
                    top_path,
                    f"topics.{key}.department",
                    f"unknown department {topic.department!r}",
                )
            )
        if not topic.keywords and not topic.phrases:
            problems.append(problem(top_path, f"topics.{key}", "needs keywords or phrases"))
    if routing.default_department not in departments:
        problems.append(
            problem(
                rou_path,
                "default_department",
                f"unknown department {routing.default_department!r}",
            )
        )
    seen: set[str] = set()
    for i, rule in enumerate(routing.rule):
        where = f"rule[{i}] ({rule.id})"
        if rule.id in seen:
            problems.append(problem(rou_path, f"{where}.id", f"duplicate rule id {rule.id!r}"))
        seen.add(rule.id)
        if rule.department is not None and rule.department not in departments:
            problems.append(
                problem(rou_path, f"{where}.department", f"unknown department {rule.department!r}")
            )
        for t in rule.when.topics:
            if t not in topics:
                problems.append(problem(rou_path, f"{where}.when.topics", f"unknown topic {t!r}"))
        if pages_path.is_file():
            for p in rule.when.pages:
                if p not in pages.pages:
                    problems.append(
                        problem(
                            rou_path,
                            f"{where}.when.pages",
                            f"unknown page {p!r} (see pages.toml)",
                        )
                    )
    raise_if_any(problems)

    return Rules(
        departments=departments,
        topics=topics,
        routing=routing.rule,
        default_department=routing.default_department,
        default_priority=routing.default_priority,
        min_topic_score=topics_file.min_score,
        closing_days=calendar.closing_days,
        office_hours=calendar.office_hours,
        pages=pages.pages,
        registry=deps_file.registry,
    )


_Compiled = TypeVar("_Compiled")


class PerRules(Generic[_Compiled]):
    """What is compiled from a rule set, kept for the few rule sets in use at once
    (the running one, one being reloaded or tried, tests), newest first."""

    def __init__(self, build: Callable[[Rules], _Compiled], size: int) -> None:
        self._build = build
        self._size = size
        self._kept: list[tuple[Rules, _Compiled]] = []

    def __call__(self, rules: Rules) -> _Compiled:
        for kept_rules, compiled in self._kept:
            if kept_rules is rules:
                return compiled
        compiled = self._build(rules)
        self._kept.insert(0, (rules, compiled))
        del self._kept[self._size :]
        return compiled
