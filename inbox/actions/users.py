"""Users: adding them, passwords, activation, language, and ending their sessions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from inbox.actions.audit import ActionError, record_event
from inbox.core.kinds import Role
from inbox.core.passwords import hash_password, password_problem
from inbox.core.text import Text
from inbox.store.models import User


def _email(value: str) -> str:
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > 255:
        raise ActionError(Text("Det är ingen e-postadress: %(value)s.", value=value))
    return email


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: str,
    departments: Sequence[str] = (),
    duty: bool = False,
    actor: str,
    now: datetime,
) -> User:
    address = _email(email)
    if role not in {r.value for r in Role}:
        raise ActionError(Text("Okänd roll: %(role)s.", role=role))
    problem = password_problem(password)
    if problem:
        raise ActionError(problem)
    if session.exec(select(User).where(User.email == address)).first() is not None:
        raise ActionError(Text("Det finns redan en användare %(email)s.", email=address))
    keys = sorted({d.strip() for d in departments if d.strip()})
    user = User(
        email=address,
        name=(name.strip() or address)[:200],
        password_hash=hash_password(password),
        role=role,
        departments=keys,
        duty=duty,
        active=True,
        created_at=now,
    )
    session.add(user)
    session.flush()
    record_event(
        session, actor=actor, kind="user_added", now=now, user=address, role=role, departments=keys
    )
    return user


def end_sessions(user: User) -> None:
    """Every session of the user ends: its cookies carry the previous epoch."""
    user.session_epoch = (user.session_epoch or 0) + 1


def sign_out(session: Session, *, user_id: int, now: datetime) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    end_sessions(user)
    session.add(user)
    record_event(session, actor=user.email, kind="logout", now=now)


def set_user_password(
    session: Session, *, email: str, password: str, actor: str, now: datetime
) -> User:
    """A new password; every session of the user ends with the old one."""
    address = email.strip().lower()
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise ActionError(Text("Det finns ingen användare %(email)s.", email=address))
    problem = password_problem(password)
    if problem:
        raise ActionError(problem)
    user.password_hash = hash_password(password)
    end_sessions(user)
    session.add(user)
    record_event(session, actor=actor, kind="user_password", now=now, user=user.email)
    return user


def set_user_active(
    session: Session, *, user_id: int, active: bool, actor: str, now: datetime
) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise ActionError(Text("Det finns ingen sådan användare."))
    if user.email == actor and not active:
        raise ActionError(Text("Du kan inte avaktivera dig själv."))
    user.active = active
    if not active:
        end_sessions(user)
    session.add(user)
    kind = "user_activated" if active else "user_deactivated"
    record_event(session, actor=actor, kind=kind, now=now, user=user.email)
    return user


def set_user_language(session: Session, *, user: User, language: str, now: datetime) -> None:
    if language not in {"sv", "en"}:
        raise ActionError(Text("Okänt språk: %(language)s.", language=language))
    user.language = language
    session.add(user)
