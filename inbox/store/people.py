"""Named reads about people, pages and sign-in: users, failed attempts, flags, tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from inbox.store.models import ApiToken, AppFlag, LoginFailure, Page, PageConnection, User
from inbox.store.quick import PageRow


def users_by_email(session: Session) -> Sequence[User]:
    return session.exec(select(User).order_by(col(User.email))).all()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email)).first()


def login_failures_since(session: Session, *, key: str, since: datetime) -> list[datetime]:
    """When sign-in failed for ``key`` (an address and a client) after ``since``."""
    rows = session.exec(
        select(LoginFailure.at).where(LoginFailure.key == key, col(LoginFailure.at) > since)
    ).all()
    return list(rows)


def flag_value(session: Session, key: str) -> str | None:
    flag = session.get(AppFlag, key)
    return flag.value if flag is not None else None


def live_token(session: Session, token_hash: str) -> tuple[str, set[str]] | None:
    """The name and scopes of the unrevoked token with this hash, or None."""
    found = session.exec(
        select(ApiToken.name, ApiToken.scopes).where(
            ApiToken.token_hash == token_hash, col(ApiToken.revoked_at).is_(None)
        )
    ).first()
    return (found[0], set(found[1].split())) if found is not None else None


def page_rows(session: Session) -> list[PageRow]:
    """Every page by key with its connection: what ``inbox.store.quick.pages`` reads too."""
    rows = session.exec(
        select(Page, PageConnection)
        .join(
            PageConnection,
            col(PageConnection.platform_id) == col(Page.platform_id),
            isouter=True,
        )
        .order_by(col(Page.key))
    ).all()
    return [
        PageRow(
            key=page.key,
            name=page.name,
            channel=page.channel,
            calendar=page.calendar,
            target_hours=page.target_hours,
            receives=page.receives,
            connection=connection.state if connection is not None else None,
            has_webhook=page.reply_webhook is not None,
        )
        for page, connection in rows
    ]
