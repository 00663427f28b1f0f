"""The sign-in throttle's record of failed attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from inbox.actions.audit import record_event
from inbox.store.models import (
    LoginFailure,
)


def record_login_failure(session: Session, *, email: str, key: str, now: datetime) -> None:
    session.add(LoginFailure(key=key, at=now))
    record_event(session, actor=email[:255] or "-", kind="login_failed", now=now)


def clear_login_failures(session: Session, *, key: str) -> None:
    session.execute(sa.delete(LoginFailure).where(col(LoginFailure.key) == key))
