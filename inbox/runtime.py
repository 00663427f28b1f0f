"""What a running process holds: settings, a migrated engine, the office calendar."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from inbox.calendar import OfficeCalendar
from inbox.db import make_engine, migrate
from inbox.settings import Settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    calendar: OfficeCalendar


def start(settings: Settings | None = None, *, run_migrations: bool = True) -> Runtime:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    if run_migrations:
        migrate(engine)
    return Runtime(settings=settings, engine=engine, calendar=OfficeCalendar())
