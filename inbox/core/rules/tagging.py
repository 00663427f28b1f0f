"""Rules files -> frozen, validated models.

The organisation's configuration lives in a directory of TOML files that a
communicator can read and a reviewer can diff. Each known file is validated
strictly (an unknown key is an error, because a misspelt key would otherwise be
silently ignored); files the loader does not know are skipped, so new sections
(an on-call rota, say) can be added beside these without breaking older code.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

M = TypeVar("M", bound=BaseModel)

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


class RulesError(ValueError):
    """An invalid rules directory; the message names the file, the key and the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Department(_Model):
    key: Key
    name: Text
    emails: tuple[Email, ...] = ()
    supervisor_emails: tuple[Email, ...] = ()


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


class OfficeHours(_Model):
    start: time = time(8, 0)
    end: time = time(17, 0)


class Rules(_Model):
    """The whole, cross-checked rule set. Treat the mappings as read-only."""

    departments: dict[str, Department]
    topics: dict[str, Topic]
    routing: tuple[RoutingRule, ...]
    default_department: Key
    default_priority: Priority = "normal"
    min_topic_score: float = Field(default=0.5, ge=0, le=1)
    closing_days: frozenset[date] = frozenset()
    office_hours: OfficeHours = OfficeHours()
    pages: dict[str, PageSettings] = {}


# --- the file formats ------------------------------------------------------


class _DepartmentsFile(_Model):
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


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"line {m.group(1)}" if m else "end of file"
        raise RulesError(f"{path}: {where}: TOML syntax error: {exc}") from None
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror}") from None


def _loc(prefix: tuple[str | int, ...], loc: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    for p in (*prefix, *loc):
        if isinstance(p, int):
            parts[-1:] = [f"{parts[-1]}[{p}]" if parts else f"[{p}]"]
        else:
            parts.append(p)
    return ".".join(parts) or "(top level)"


def _validate(
    model: type[M], data: Mapping[str, Any], path: Path, prefix: tuple[str | int, ...] = ()
) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        # Table-name keys: pydantic reports "[key]" loc segments for dict keys.
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise RulesError(f"{path}: {_loc(prefix, loc)}: {msg}{more}") from None


def _keyed(model: type[M], tables: Mapping[str, Any], path: Path, section: str) -> dict[str, M]:
    out: dict[str, M] = {}
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise RulesError(f"{path}: {section}.{key}: must be a table")
        if "key" in table:
            raise RulesError(f"{path}: {section}.{key}.key: the key is the table name; remove it")
        out[key] = _validate(model, {"key": key, **table}, path, (section, key))
    return out


def load_rules(path: Path) -> Rules:
    """Load and cross-check the rules directory at ``path``.

    Raises RulesError naming the file, the key (or line) and what is wrong.
    """
    path = Path(path)
    if not path.is_dir():
        raise RulesError(f"{path}: not a directory of rules files")
    for name in _REQUIRED:
        if not (path / name).is_file():
            raise RulesError(f"{path / name}: required file is missing")

    dep_path, top_path, rou_path = (path / n for n in _REQUIRED)
    deps_file = _validate(_DepartmentsFile, _read(dep_path), dep_path)
    departments = _keyed(Department, deps_file.departments, dep_path, "departments")
    topics_file = _validate(_TopicsFile, _read(top_path), top_path)
    topics = _keyed(Topic, topics_file.topics, top_path, "topics")
    routing = _validate(_RoutingFile, _read(rou_path), rou_path)
    cal_path, pages_path = path / "calendar.toml", path / "pages.toml"
    calendar = (
        _validate(_CalendarFile, _read(cal_path), cal_path)
        if cal_path.is_file()
        else _CalendarFile()
    )
    pages = _validate(_PagesFile, _read(pages_path), pages_path) if pages_path.is_file() else None

    if not departments:
        raise RulesError(f"{dep_path}: departments: at least one department is required")
    for key, topic in topics.items():
        if topic.department not in departments:
            raise RulesError(
                f"{top_path}: topics.{key}.department: unknown department {topic.department!r}"
            )
        if not topic.keywords and not topic.phrases:
            raise RulesError(f"{top_path}: topics.{key}: needs keywords or phrases")
    if routing.default_department not in departments:
        raise RulesError(
            f"{rou_path}: default_department: unknown department {routing.default_department!r}"
        )
    seen: set[str] = set()
    for i, rule in enumerate(routing.rule):
        where = f"{rou_path}: rule[{i}] ({rule.id})"
        if rule.id in seen:
            raise RulesError(f"{where}.id: duplicate rule id {rule.id!r}")
        seen.add(rule.id)
        if rule.department is not None and rule.department not in departments:
            raise RulesError(f"{where}.department: unknown department {rule.department!r}")
        for t in rule.when.topics:
            if t not in topics:
                raise RulesError(f"{where}.when.topics: unknown topic {t!r}")
        if pages is not None:
            for p in rule.when.pages:
                if p not in pages.pages:
                    raise RulesError(f"{where}.when.pages: unknown page {p!r} (see pages.toml)")

    return Rules(
        departments=departments,
        topics=topics,
        routing=routing.rule,
        default_department=routing.default_department,
        default_priority=routing.default_priority,
        min_topic_score=topics_file.min_score,
        closing_days=calendar.closing_days,
        office_hours=calendar.office_hours,
        pages=pages.pages if pages is not None else {},
    )
