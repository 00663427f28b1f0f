"""Application flags: small named values the app keeps in the database."""

from __future__ import annotations

from sqlmodel import Session

from inbox.store.models import (
    AppFlag,
)


def set_flag(session: Session, *, key: str, value: str) -> None:
    flag = session.get(AppFlag, key) or AppFlag(key=key)
    flag.value = value
    session.add(flag)
