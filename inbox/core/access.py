"""Who may see and act on what: roles, departments and the duty exception."""

from __future__ import annotations

from dataclasses import dataclass

URGENT_PRIORITIES = ("urgent", "high")
URGENT_FLAGS = ("threat", "offensive")

ROLE_LABELS = {
    "communicator": "Kommunikatör",
    "supervisor": "Chef / samordnare",
    "admin": "Administratör",
}


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str
    role: str
    departments: tuple[str, ...]
    duty: bool
    language: str | None

    @property
    def sees_all(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_see_dashboard(self) -> bool:
        return self.sees_all

    @property
    def may_use_duty_view(self) -> bool:
        return self.sees_all or self.duty


def is_urgent(priority: str | None, flags: str | None) -> bool:
    padded = flags or ""
    return priority in URGENT_PRIORITIES or any(f" {f} " in padded for f in URGENT_FLAGS)


def may_handle(
    user: CurrentUser,
    *,
    department: str | None,
    priority: str | None,
    flags: str | None,
    assignee: str | None = None,
) -> bool:
    """Supervisors and admins: every item. Communicators: their departments' items,
    items not yet routed anywhere, items assigned to them, and, when they can take
    duty, urgent items of every department."""
    if user.sees_all:
        return True
    if department is None or department in user.departments:
        return True
    if assignee is not None and assignee == user.email:
        return True
    return user.duty and is_urgent(priority, flags)
