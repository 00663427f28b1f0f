"""What the clock-watching jobs (the SLA sweep, escalations, digests) are given."""

from __future__ import annotations

from dataclasses import dataclass

from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.rules.duty import WatchRules
from inbox.core.rules.tagging import Rules


@dataclass(frozen=True)
class Watch:
    """What the sweep and the digests need besides the database and the clock."""

    rules: WatchRules
    base_url: str
    secret_key: str
    calendar: OfficeCalendar = DEFAULT_CALENDAR
    # The tagging rules: items stored untagged are tagged before the urgent policy runs.
    tagging: Rules | None = None
    # The organisation's management: the weekly figures, without the item list
    # (INBOX_MANAGEMENT_EMAILS).
    management_emails: tuple[str, ...] = ()
