"""The escalation policy and the duty rota: ``rules/escalation.toml`` and ``rules/duty.toml``.

The departments alerted, with their names, addresses and supervisors, are the one
list in ``departments.toml`` (the routing's departments); escalation.toml keeps
only the policy. Items without a department go to routing's default department.

Loaded into frozen, validated models through ``inbox.core.rules.files``, so an
error names the file, the key and what is wrong. Pure: pydantic and the core
only; the clock is passed in.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from inbox.core.calendar import STOCKHOLM, require_aware
from inbox.core.rules.files import RulesError, problem, raise_if_any, read_toml, validate

__all__ = [
    "Contact",
    "DepartmentContacts",
    "DutyRota",
    "EscalationPolicy",
    "EscalationRules",
    "Person",
    "WatchRules",
    "check_rules",
    "load_department_contacts",
    "load_duty_rota",
    "load_escalation_policy",
    "load_escalation_rules",
    "load_watch_rules",
]

ESCALATION_FILE = "escalation.toml"
DUTY_FILE = "duty.toml"

_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise ValueError(f"not an email address: {value!r}")
    return value


def _url(value: str) -> str:
    value = value.strip()
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


Email = Annotated[str, AfterValidator(_email)]
Url = Annotated[str, AfterValidator(_url)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Frozen):
    name: str = Field(min_length=1, max_length=200)
    email: Email
    webhook: Url | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()-]{5,20}$")


Person = Contact


class DepartmentContacts(_Frozen):
    """Whom an alert for a department reaches: ``departments.toml``'s name, addresses
    and supervisors of that department."""

    name: str = ""
    emails: tuple[Email, ...] = ()
    supervisor_emails: tuple[Email, ...] = ()


class HeatingThread(_Frozen):
    negative_comments: int = Field(default=5, ge=2, le=1000)
    within_minutes: int = Field(default=30, ge=1, le=24 * 60)


class UrgentPolicy(_Frozen):
    flags: tuple[str, ...] = ("threat", "offensive")
    public_kinds: tuple[str, ...] = ("comment", "reply", "mention")
    priorities: tuple[str, ...] = ("high", "urgent")
    crisis_keywords: tuple[str, ...] = ()
    heating_thread: HeatingThread = HeatingThread()

    @field_validator("crisis_keywords")
    @classmethod
    def _keywords(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(k.strip().casefold() for k in value)
        if any(not k for k in cleaned):
            raise ValueError("a crisis keyword is empty")
        return cleaned

    @field_validator("flags", "priorities", "public_kinds")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for word in value:
            if not re.fullmatch(r"[a-z_]{1,32}", word):
                raise ValueError(f"{word!r} is not a lower-case word")
        return value


class Digest(_Frozen):
    # Local (Europe/Stockholm) times.
    daily_at: time = time(7, 30)
    weekly_summary_weekday: int = Field(default=0, ge=0, le=6)
    weekly_summary_at: time = time(7, 0)
    summary_recipients: tuple[Email, ...] = ()
    max_items: int = Field(default=50, ge=1, le=1000)


# Keys escalation.toml once had; now one list of departments lives in departments.toml.
_MOVED = {
    "departments": "departments are listed once, in departments.toml (name, emails, "
    "supervisor_emails); remove this section",
    "fallback": "items without a department go to routing.toml's default_department, "
    "with that department's addresses in departments.toml; remove this section",
}


class EscalationPolicy(_Frozen):
    """What ``escalation.toml`` holds: the policy, no departments."""

    ack_timeout_minutes: int = Field(default=30, ge=1, le=24 * 60)
    urgent: UrgentPolicy = UrgentPolicy()
    digest: Digest = Digest()


class EscalationRules(EscalationPolicy):
    """The policy with the departments of ``departments.toml`` to alert."""

    departments: dict[str, DepartmentContacts] = {}
    # Items without a department, and departments without addresses of their own.
    fallback: DepartmentContacts = DepartmentContacts()

    def emails_of(self, department: str | None) -> tuple[str, ...]:
        dept = self.departments.get(department or "")
        if dept is not None and dept.emails:
            return dept.emails
        return self.fallback.emails

    def supervisor_of(self, department: str | None) -> tuple[str, ...]:
        dept = self.departments.get(department or "")
        for candidate in (dept, self.fallback):
            if candidate is not None and candidate.supervisor_emails:
                return candidate.supervisor_emails
        return self.emails_of(department)

    def name_of(self, department: str | None) -> str | None:
        """The department's name in departments.toml, None when it has none."""
        dept = self.departments.get(department or "")
        return dept.name if dept is not None and dept.name else None

    def supervisors(self) -> tuple[str, ...]:
        found = [*self.digest.summary_recipients]
        for dept in [*self.departments.values(), self.fallback]:
            found.extend(dept.supervisor_emails)
        return tuple(dict.fromkeys(found))


class Cover(_Frozen):
    primary: str = Field(min_length=1)
    backup: str = Field(min_length=1)

    @model_validator(mode="after")
    def _two_people(self) -> Cover:
        if self.primary == self.backup:
            raise ValueError("primary and backup must be two different people")
        return self


class Shift(Cover):
    """An explicit stretch (a holiday, a swap): local times, end exclusive."""

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=STOCKHOLM)
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


# Duty weeks turn over on Monday morning at this local time.
HANDOVER = time(8, 0)


class DutyRota(_Frozen):
    """Who is on duty outside office hours: shifts first, then the weekly rotation."""

    people: dict[str, Person]
    default: Cover
    shifts: tuple[Shift, ...] = ()
    rotation: tuple[Cover, ...] = ()
    rotation_start: date | None = None

    @model_validator(mode="after")
    def _known_people(self) -> DutyRota:
        covers: list[tuple[str, Cover]] = [("default", self.default)]
        covers += [(f"shifts[{i}]", s) for i, s in enumerate(self.shifts)]
        covers += [(f"rotation[{i}]", r) for i, r in enumerate(self.rotation)]
        for where, cover in covers:
            for role in ("primary", "backup"):
                key = getattr(cover, role)
                if key not in self.people:
                    raise ValueError(f"{where}.{role}: no person {key!r} under [people]")
        if self.rotation and self.rotation_start is None:
            raise ValueError("rotation_start is required with a rotation")
        if self.rotation_start is not None and self.rotation_start.weekday() != 0:
            raise ValueError("rotation_start must be a Monday")
        return self

    def on_duty(self, at: datetime) -> tuple[Person, Person]:
        """The person on duty at ``at`` and their backup."""
        require_aware(at, "at")
        cover: Cover = self.default
        for shift in self.shifts:
            if shift.start <= at < shift.end:
                cover = shift
                break
        else:
            if self.rotation and self.rotation_start is not None:
                local = at.astimezone(STOCKHOLM)
                # Before Monday's handover the previous week's pair is still on.
                duty_day = (local - timedelta(hours=HANDOVER.hour)).date()
                weeks = (duty_day - self.rotation_start).days // 7
                cover = self.rotation[weeks % len(self.rotation)]
        return self.people[cover.primary], self.people[cover.backup]

    def key_of(self, person: Person) -> str:
        for key, candidate in self.people.items():
            if candidate == person:
                return key
        raise KeyError(person.name)


class WatchRules(_Frozen):
    escalation: EscalationRules
    duty: DutyRota


def load_escalation_policy(path: Path) -> EscalationPolicy:
    data = read_toml(path)
    raise_if_any(problem(path, key, why) for key, why in _MOVED.items() if key in data)
    return validate(EscalationPolicy, data, path)


def load_department_contacts(
    rules_dir: Path,
) -> tuple[dict[str, DepartmentContacts], DepartmentContacts]:
    """``departments.toml``'s departments and routing's default department (the
    fallback), as whom alerts reach; empty when the files are absent."""
    from inbox.core.rules.tagging import load_departments

    departments = {
        key: DepartmentContacts(name=d.name, emails=d.emails, supervisor_emails=d.supervisor_emails)
        for key, d in load_departments(rules_dir).items()
    }
    fallback = DepartmentContacts()
    routing = rules_dir / "routing.toml"
    if routing.is_file():
        default = read_toml(routing).get("default_department")
        if isinstance(default, str) and default in departments:
            fallback = departments[default]
    return departments, fallback


def load_escalation_rules(rules_dir: Path) -> EscalationRules:
    """escalation.toml's policy with departments.toml's departments."""
    policy = load_escalation_policy(rules_dir / ESCALATION_FILE)
    departments, fallback = load_department_contacts(rules_dir)
    return EscalationRules(**policy.model_dump(), departments=departments, fallback=fallback)


def load_duty_rota(path: Path) -> DutyRota:
    return validate(DutyRota, read_toml(path), path)


def load_watch_rules(rules_dir: Path) -> WatchRules:
    return WatchRules(
        escalation=load_escalation_rules(rules_dir),
        duty=load_duty_rota(rules_dir / DUTY_FILE),
    )


def check_rules(rules_dir: Path) -> list[str]:
    """Problems in the escalation and duty files, one line each; empty when both are fine."""
    problems: list[str] = []
    for load in (
        lambda: load_escalation_policy(rules_dir / ESCALATION_FILE),
        lambda: load_duty_rota(rules_dir / DUTY_FILE),
    ):
        try:
            load()
        except RulesError as exc:
            problems.extend(exc.problems)
    return problems
