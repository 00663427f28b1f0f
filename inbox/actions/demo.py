"""Realistic Swedish demo data: a region with its pages and three months of items.

What people write is data (``inbox/demo_data/texts.toml``); how much they write and
how fast the region answers is drawn here from one seed, relative to "now", so the
demo always looks current and two builds at the same moment are the same.
"""

from __future__ import annotations

import math
import random
import secrets
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from importlib import resources

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from inbox.actions import flags, intake, responses, users
from inbox.actions import pages as pages_actions
from inbox.core.calendar import (
    DEFAULT_CALENDAR,
    OFFICE_CLOSE,
    OFFICE_OPEN,
    OfficeCalendar,
    local_date,
    swedish_holidays,
)
from inbox.core.incoming import NewItem
from inbox.core.rules.tagging import Rules
from inbox.core.timeutil import STOCKHOLM, local_midnight
from inbox.store.db import session_scope
from inbox.store.models import Item, Page, Post

ACTOR = "demo"

# The region's pages with their share of the traffic. Their names and SLA settings
# come from rules/pages.toml; these are used for a page the rules do not list.
PAGES = (
    # key, name, channel, calendar, target hours, share of traffic
    ("region_facebook", "Region Västmark", "facebook", "office", 24.0, 0.30),
    ("region_instagram", "regionvastmark", "instagram", "office", 24.0, 0.14),
    ("region_messenger", "Region Västmark (Messenger)", "messenger", "office", 24.0, 0.10),
    ("kontaktcenter_epost", "Kontaktcenter (e-post)", "email", "office", 24.0, 0.16),
    ("lanstrafiken_facebook", "Länstrafiken Västmark", "facebook", "24x7", 4.0, 0.18),
    ("sjukhuset_facebook", "Universitetssjukhuset", "facebook", "office", 1.0, 0.07),
    ("folktandvarden_facebook", "Folktandvården", "facebook", "office", 24.0, 0.05),
)
SHOWCASE_PAGE = "lanstrafiken_facebook"
DAYS = 91

# How fast each page is answered compared with the week's median (the hospital's
# target is one hour, e-mail waits longest).
SPEED = {"sjukhuset_facebook": 0.35, "lanstrafiken_facebook": 0.6, "kontaktcenter_epost": 1.6}

# Of what people write: wants an answer, needs none, spam, insults, threats.
KINDS = ("reply", "no_reply", "spam", "offensive", "threat")
KIND_WEIGHTS = (0.56, 0.36, 0.035, 0.035, 0.01)

# Open when the demo is loaded, so a communicator can practise removing them:
# (page, hours ago, list in texts.toml, index in it).
PRACTICE = (
    ("region_facebook", 2.5, "threat", 0),
    ("lanstrafiken_facebook", 0.7, "threat", 4),
    ("region_facebook", 1.5, "offensive", 0),
    ("lanstrafiken_facebook", 5.0, "offensive", 6),
    ("region_instagram", 20.0, "offensive", 8),
)

REPLY = "Hej! Tack för din fråga. Vi har skickat den vidare och återkommer så snart vi kan."


@dataclass(frozen=True)
class Thread:
    """A comment with replies from others, or several messages from one person."""

    page: str
    messages: tuple[str, ...]
    # Per message "first" (who started it) or "other" (someone else replying).
    authors: tuple[str, ...]


@dataclass(frozen=True)
class DemoTexts:
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    posts: dict[str, tuple[str, ...]]
    # Per page key, and "any" for texts that may come to every page.
    reply: dict[str, tuple[str, ...]]
    no_reply: dict[str, tuple[str, ...]]
    spam: tuple[str, ...]
    offensive: tuple[str, ...]
    threat: tuple[str, ...]
    threads: tuple[Thread, ...]

    def item_texts(self) -> set[str]:
        """Every distinct text an item of the demo can have."""
        found: set[str] = set(self.spam) | set(self.offensive) | set(self.threat)
        for pool in (*self.reply.values(), *self.no_reply.values()):
            found.update(pool)
        for thread in self.threads:
            found.update(thread.messages)
        return found

    def pick(self, rng: random.Random, kind: str, page: str) -> str:
        if kind in ("spam", "offensive", "threat"):
            flat: tuple[str, ...] = getattr(self, kind)
            return rng.choice(flat)
        pools: dict[str, tuple[str, ...]] = getattr(self, kind)
        own = pools.get(page, ())
        if own and (rng.random() < 0.85 or not pools.get("any")):
            return rng.choice(own)
        return rng.choice(pools["any"])


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"demo texts: expected a list of strings, got {value!r}")
    return tuple(value)


@cache
def demo_texts() -> DemoTexts:
    """The texts of ``inbox/demo_data/texts.toml``, shipped in the wheel."""
    source = resources.files("inbox").joinpath("demo_data", "texts.toml").read_text("utf-8")
    raw = tomllib.loads(source)
    pages = raw["pages"]
    anywhere = raw["any"]
    threads = []
    for entry in raw["threads"]:
        messages = _strings(entry["messages"])
        authors = _strings(entry.get("authors", ["first"] * len(messages)))
        if len(authors) != len(messages):
            raise ValueError(f"demo thread on {entry['page']}: one author per message")
        threads.append(Thread(page=entry["page"], messages=messages, authors=authors))
    return DemoTexts(
        first_names=_strings(raw["names"]["first"]),
        last_names=_strings(raw["names"]["last"]),
        posts={k: _strings(v["posts"]) for k, v in pages.items() if v.get("posts")},
        reply={k: _strings(v["reply"]) for k, v in pages.items()}
        | {"any": _strings(anywhere["reply"])},
        no_reply={k: _strings(v["no_reply"]) for k, v in pages.items()}
        | {"any": _strings(anywhere["no_reply"])},
        spam=_strings(anywhere["spam"]),
        offensive=_strings(anywhere["offensive"]),
        threat=_strings(anywhere["threat"]),
        threads=tuple(threads),
    )


@dataclass
class _Week:
    answered_share: float  # of the items that want an answer, those that get one
    median_minutes: float  # the week's typical first-response span
    # Misses owed: each item that wants an answer adds its share of misses, and one is
    # missed whenever a whole one is owed, so a week misses what its share says.
    owed: float = 0.0


def _weeks(rng: random.Random, today: date) -> dict[date, _Week]:
    """Each week its own response rate and speed: most weeks good, some poor (a
    holiday, sick leave, a storm of comments), never all perfect."""
    first = today - timedelta(days=DAYS - 1)
    monday = first - timedelta(days=first.weekday())
    mondays = []
    while monday <= today:
        mondays.append(monday)
        monday += timedelta(days=7)
    # One poor week at least among the complete ones (not the first, not this week).
    poor = 1 + rng.randrange(max(1, len(mondays) - 2))
    weeks = {}
    for n, monday in enumerate(mondays):
        low = n == poor or rng.random() < 0.15
        share = rng.uniform(0.79, 0.88) if low else rng.uniform(0.9, 0.985)
        median = rng.uniform(30, 200) * (1.5 if low else 1.0)
        weeks[monday] = _Week(share, median, owed=rng.uniform(0.3, 1.0))
    return weeks


def _day_weights(
    rng: random.Random, today: date, now: datetime, calendar: OfficeCalendar
) -> list[tuple[date, float]]:
    """How much people write each day: less at weekends and on holidays, some busy
    days, and today only as much as has passed of it."""
    days = []
    for back in range(DAYS):
        day = today - timedelta(days=back)
        if day in swedish_holidays(day.year) or day in calendar.closing_days:
            weight = 0.35
        elif day.weekday() >= 5:
            weight = 0.5 if day.weekday() == 5 else 0.42
        else:
            weight = 1.15 if day.weekday() == 0 else 1.0
        weight *= rng.lognormvariate(0, 0.25)
        if rng.random() < 0.05:
            weight *= 2.2  # news, a storm, a closure: a day many write
        if back == 0:
            weight *= max(0.02, (now - local_midnight(day)).total_seconds() / 86400)
        days.append((day, weight))
    return days


HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 9, 8, 9, 9, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2)


def _received_times(
    rng: random.Random, now: datetime, count: int, calendar: OfficeCalendar
) -> list[datetime]:
    today = local_date(now)
    days = _day_weights(rng, today, now, calendar)
    chosen = rng.choices([d for d, _w in days], weights=[w for _d, w in days], k=count)
    latest = now - timedelta(minutes=5)
    times = []
    for day in chosen:
        if day == today:
            start = local_midnight(day)
            times.append(start + (latest - start) * rng.random())
            continue
        # Comments cluster in the day and evening, fewer at night.
        hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        local = datetime(
            day.year,
            day.month,
            day.day,
            hour,
            rng.randrange(60),
            rng.randrange(60),
            tzinfo=STOCKHOLM,
        )
        times.append(min(local.astimezone(now.tzinfo), latest))
    return sorted(times)


def _in_office(at: datetime, calendar: OfficeCalendar, rng: random.Random) -> datetime:
    """When an office-hours team sends an answer written at ``at``: at once in office
    hours, else in the first hours of the next working day."""
    local = at.astimezone(STOCKHOLM)
    day = local.date()
    if calendar.is_working_day(day) and OFFICE_OPEN <= local.time() < OFFICE_CLOSE:
        return at
    if not calendar.is_working_day(day) or local.time() >= OFFICE_CLOSE:
        day = calendar.next_working_day_after(day)
    opens = datetime.combine(day, OFFICE_OPEN, tzinfo=STOCKHOLM).astimezone(at.tzinfo)
    return opens + timedelta(minutes=rng.uniform(5, 150))


class _Maker:
    """Draws the items, one after another, from one random generator."""

    def __init__(
        self,
        rng: random.Random,
        texts: DemoTexts,
        pages: dict[str, Page],
        post_ids: dict[str, list[str]],
        now: datetime,
        calendar: OfficeCalendar,
    ) -> None:
        self.rng, self.texts, self.pages, self.post_ids = rng, texts, pages, post_ids
        self.now, self.calendar = now, calendar
        self.weeks = _weeks(rng, local_date(now))
        self.items: list[NewItem] = []
        # The latest comments of each page (external id, post), for others to reply to.
        self.recent: dict[str, list[tuple[str, str | None]]] = {}

    def _name(self) -> str:
        return f"{self.rng.choice(self.texts.first_names)} {self.rng.choice(self.texts.last_names)}"

    def _kind(self, page: Page) -> str:
        return {"messenger": "private_message", "email": "email"}.get(page.channel, "comment")

    def first_response(
        self, key: str, received: datetime, *, may_miss: bool = True
    ) -> datetime | None:
        """When the region first answers, or None: not (yet) answered."""
        local = local_date(received)
        week = self.weeks[local - timedelta(days=local.weekday())]
        if may_miss:
            week.owed += 1 - week.answered_share
            if week.owed >= 1:
                week.owed -= 1
                return None  # missed: still in the queue
        median = week.median_minutes * SPEED.get(key, 1.0)
        minutes = min(self.rng.lognormvariate(math.log(median), 1.1), 60 * 24 * 8)
        sent = received + timedelta(minutes=minutes)
        if self.pages[key].calendar == "office":
            sent = _in_office(sent, self.calendar, self.rng)
        return sent if sent < self.now else None

    def fate(self, kind: str, key: str, received: datetime) -> tuple[datetime | None, str | None]:
        """First response and resolution of one item."""
        age = self.now - received
        rng = self.rng
        if kind == "reply":
            first = self.first_response(key, received)
            return first, "answered" if first else None
        if kind == "no_reply":
            if rng.random() < 0.12:  # a thank-you for the praise
                first = self.first_response(key, received, may_miss=False)
                if first:
                    return first, "answered"
            if age > timedelta(days=2) or rng.random() < 0.5:
                return None, "no_reply_needed"
            return None, None
        if kind == "spam" and age < timedelta(hours=6) and rng.random() < 0.5:
            return None, None
        return None, "spam" if kind == "spam" else "removed"

    def single(self, n: int, received: datetime) -> None:
        rng = self.rng
        key = rng.choices([p[0] for p in PAGES], weights=[p[5] for p in PAGES])[0]
        page = self.pages[key]
        kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
        if page.channel in ("messenger", "email") and kind in ("offensive", "threat"):
            kind = "reply" if rng.random() < 0.8 else kind
        text = self.texts.pick(rng, kind, key)
        first, resolution = self.fate(kind, key, received)
        parent = post = None
        recent = self.recent.setdefault(key, [])
        if kind == "no_reply" and recent and rng.random() < 0.3:
            # "Håller med!", "Samma här": someone answers another's comment.
            parent, post = rng.choice(recent)
        external = self.add(
            n,
            key,
            received,
            text,
            self._name(),
            f"7100{n:06d}",
            first,
            resolution,
            parent=parent,
            post=post,
        )
        if page.channel in ("facebook", "instagram") and parent is None:
            recent.append((external, self.items[-1].post_id))
            del recent[:-5]

    def add(
        self,
        n: int,
        key: str,
        received: datetime,
        text: str,
        author: str,
        author_id: str,
        first: datetime | None,
        resolution: str | None,
        *,
        parent: str | None = None,
        conversation: str | None = None,
        post: str | None = None,
    ) -> str:
        page = self.pages[key]
        kind = self._kind(page)
        if kind == "comment" and parent is not None:
            kind = "reply"
        if post is None and key in self.post_ids:
            post = self.rng.choice(self.post_ids[key])
        if kind != "comment" and kind != "reply" and conversation is None:
            conversation = f"{key}-conv-{n}"
        external = f"demo-{n:05d}"
        self.items.append(
            NewItem(
                page=key,
                external_id=external,
                received_at=received,
                text=text,
                kind=kind,
                author=author,
                author_id=author_id if page.channel != "email" else None,
                post_id=post if kind in ("comment", "reply") else None,
                parent_id=parent,
                conversation_id=conversation,
                first_response_at=first,
                resolution=resolution,
            )
        )
        return external

    def thread(self, n: int, received: datetime, thread: Thread, room: int) -> int:
        """The thread's messages from ``received`` on; returns how many were added."""
        rng = self.rng
        key = thread.page
        page = self.pages[key]
        private = page.channel in ("messenger", "email")
        starter = (self._name(), f"7100{n:06d}")
        times = [received]
        for _ in thread.messages[1:]:
            gap = rng.uniform(1, 25) if private else rng.uniform(4, 240)
            times.append(times[-1] + timedelta(minutes=gap))
        messages = [m for m, at in zip(thread.messages, times, strict=True) if at < self.now]
        messages = messages[: max(1, room)]
        # One answer after the last message answers them all (or none is answered yet).
        first = self.first_response(key, times[len(messages) - 1])
        post = rng.choice(self.post_ids[key]) if key in self.post_ids else None
        parent = None
        conversation = f"{key}-thread-{n}" if private else None
        for offset, text in enumerate(messages):
            who = thread.authors[offset]
            author = starter if who == "first" else (self._name(), f"7200{n + offset:06d}")
            external = self.add(
                n + offset,
                key,
                times[offset],
                text,
                author[0],
                author[1],
                first,
                "answered" if first else None,
                parent=parent,
                conversation=conversation,
                post=post,
            )
            if parent is None and not private:
                parent = external
        return len(messages)


def _practice(texts: DemoTexts, now: datetime, names: tuple[str, ...]) -> list[NewItem]:
    """Open threats and insults, so that removing them can be tried."""
    found = []
    for n, (key, hours, pool, index) in enumerate(PRACTICE):
        texts_of: tuple[str, ...] = getattr(texts, pool)
        found.append(
            NewItem(
                page=key,
                external_id=f"demo-practice-{n}",
                received_at=now - timedelta(hours=hours),
                text=texts_of[index % len(texts_of)],
                kind="comment",
                author=names[n % len(names)],
                author_id=f"7300{n:06d}",
                post_id=f"{key}-post-0",
            )
        )
    return found


def _showcase(now: datetime, target_hours: float, names: tuple[str, ...]) -> list[NewItem]:
    """Open items on the round-the-clock page that are in each SLA state whenever the
    demo is loaded, whatever the day of the week (ages are shares of its target)."""
    ages = (
        (0.05, "Kör nattbussen 91 som vanligt i natt trots stormen?"),
        (0.4, "Hur köper jag en sommarbiljett för ungdomar?"),
        (0.83, "Spårvagnen står still vid Centralen, vad har hänt?"),
        (0.92, "Ingen ersättningsbuss kom till Björkvik. Hur ska vi ta oss till jobbet?"),
        (1.6, "Jag har väntat på svar om min reseersättning sedan i går."),
    )
    return [
        NewItem(
            page=SHOWCASE_PAGE,
            external_id=f"demo-showcase-{n}",
            received_at=now - timedelta(hours=share * target_hours),
            text=text,
            author=names[n % len(names)],
            post_id=f"{SHOWCASE_PAGE}-post-2",
        )
        for n, (share, text) in enumerate(ages)
    ]


def load_demo(
    engine: Engine,
    *,
    now: datetime,
    calendar: OfficeCalendar = DEFAULT_CALENDAR,
    rules: Rules | None = None,
    count: int = 3000,
    seed: int = 2026,
    sealed_token: Callable[[str], str] | None = None,
) -> str:
    """Load the demo; with ``sealed_token`` (platform id -> a sealed token that the
    sandbox Graph API accepts) its Meta pages are connected, so replies really go out.

    ``count`` items over the last 91 days (threads included), then a few open ones that
    show every SLA state and open threats and insults to practise removal on.
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    texts = demo_texts()
    with session_scope(engine) as session:
        if session.exec(select(func.count()).select_from(Item)).one():
            return "demo data not loaded: the database already has items"
        configured = rules.pages if rules is not None else {}
        pages_actions.sync_pages(session, configured, actor=ACTOR, now=now, calendar=calendar)
        pages = {p.key: p for p in session.exec(select(Page))}
        for key, name, channel, cal, hours, _share in PAGES:
            if key not in pages:
                pages[key] = pages_actions.add_page(
                    session,
                    key=key,
                    name=name,
                    channel=channel,
                    calendar=cal,
                    target_hours=hours,
                    actor=ACTOR,
                    now=now,
                )
        post_ids: dict[str, list[str]] = {}
        for key, page in pages.items():
            if page.channel not in {"facebook", "instagram"}:
                continue
            posts = texts.posts.get(key) or texts.posts["region_facebook"]
            for n, text in enumerate(posts):
                external = f"{key}-post-{n}"
                session.add(
                    Post(
                        page_id=page.id or 0,
                        external_id=external,
                        text=text,
                        published_at=now - timedelta(days=DAYS - n * (DAYS // len(posts))),
                    )
                )
                post_ids.setdefault(key, []).append(external)
        maker = _Maker(rng, texts, pages, post_ids, now, calendar)
        times = _received_times(rng, now, count, calendar)
        # Every thread at least once, at a random place; more of them now and then.
        due = sorted(zip(rng.sample(range(count), len(texts.threads)), texts.threads, strict=True))
        n = 0
        while n < count:
            thread = None
            if due and due[0][0] <= n:
                thread = due.pop(0)[1]
            elif rng.random() < 0.01:
                thread = rng.choice(texts.threads)
            if thread is not None:
                n += maker.thread(n, times[n], thread, count - n)
            else:
                maker.single(n, times[n])
                n += 1
        items = maker.items
        names = tuple(f"{a} {b}" for a, b in zip(texts.first_names, texts.last_names, strict=False))
        items.extend(_showcase(now, pages[SHOWCASE_PAGE].target_hours, names))
        items.extend(_practice(texts, now, names[::-1]))
        result = intake.ingest_items(
            session, items, pages=pages, now=now, calendar=calendar, rules=rules
        )
        _acknowledge_some(session, rng, now=now, calendar=calendar)
        still_open = session.exec(
            select(func.count()).select_from(Item).where(Item.status == "open")
        ).one()
        password = add_demo_users(session, now=now)
        connected = _connect(session, pages, sealed_token, now) if sealed_token else 0
    return (
        f"demo data loaded: {len(pages)} pages ({connected} connected to the sandbox Graph "
        f"API), {result.inserted} items, {still_open} open\n"
        f"demo users ({', '.join(u[0] for u in DEMO_USERS)}) have the password {password}"
    )


# The region's Facebook comments and its Messenger inbox are two pages under one
# Facebook page id (feed and messages), sharing one connection.
DEMO_PLATFORM_IDS = {
    "region_facebook": ("9100000001", "feed"),
    "region_messenger": ("9100000001", "messages"),
    "region_instagram": ("9100000002", "all"),
    "lanstrafiken_facebook": ("9100000003", "all"),
    "sjukhuset_facebook": ("9100000004", "all"),
    "folktandvarden_facebook": ("9100000005", "all"),
}


def _acknowledge_some(
    session: Session, rng: random.Random, *, now: datetime, calendar: OfficeCalendar
) -> None:
    """Acknowledge a few open items, so the queue shows met and late too whatever the
    day: the latest overdue ones answered after their deadline, the oldest others in time."""
    candidates = session.exec(
        select(Item)
        .where(
            Item.status == "open",
            col(Item.first_response_at).is_(None),
            col(Item.flags).not_like("% threat %"),
            col(Item.flags).not_like("% offensive %"),
            col(Item.external_id).not_like("demo-showcase-%"),
        )
        .order_by(col(Item.received_at), col(Item.id))
    ).all()
    overdue = [i for i in reversed(candidates) if i.due_at < now][:3]
    in_time = [i for i in candidates if i not in overdue][:3]
    for item, late in [(i, True) for i in overdue] + [(i, False) for i in in_time]:
        received, due = item.received_at, item.due_at
        if late:
            sent = min(due + timedelta(hours=rng.uniform(1, 30)), now)
        else:
            sent = min(received + (due - received) * rng.uniform(0.05, 0.6), now)
        responses.record_response(
            session,
            item,
            author="Anna Kommunikatör",
            text="Vi har sett din fråga och återkommer.",
            sent_at=sent,
            source="acknowledgement",
            now=now,
            calendar=calendar,
        )


def _connect(
    session: Session, pages: dict[str, Page], sealed_token: Callable[[str], str], now: datetime
) -> int:
    connected = 0
    for key, (platform_id, receives) in DEMO_PLATFORM_IDS.items():
        if key not in pages:
            continue
        pages_actions.update_page(
            session, key=key, platform_id=platform_id, receives=receives, actor=ACTOR, now=now
        )
        session.flush()
        pages_actions.connect_page(
            session,
            key=key,
            platform_id=platform_id,
            platform_name=pages[key].name,
            token_cipher=sealed_token(platform_id),
            actor=ACTOR,
            now=now,
        )
        session.flush()
        connected += 1
    return connected


DEMO_USERS: tuple[tuple[str, str, str, list[str], bool], ...] = (
    # email, name, role, departments, may take duty
    ("anna@demo", "Anna Kommunikatör", "communicator", ["halso_sjukvard", "folktandvarden"], False),
    ("bjorn@demo", "Björn Kontaktcenter", "communicator", ["kontaktcenter"], False),
    ("cecilia@demo", "Cecilia Chef", "supervisor", [], False),
    ("david@demo", "David Beredskap", "communicator", ["kommunikation"], True),
    ("admin@demo", "Admin Demo", "admin", [], False),
)


def add_demo_users(session: Session, *, now: datetime) -> str:
    """Demo users of each role, one random password for all of them, shown on the login
    page with each user's role and departments (outside production only).

    The password lives in the database only because it is demo data; a real
    installation has no user until one is created on the command line.
    """
    password = "demo-" + secrets.token_urlsafe(8)
    for email, name, role, departments, duty in DEMO_USERS:
        users.add_user(
            session,
            email=email,
            name=name,
            password=password,
            role=role,
            departments=departments,
            duty=duty,
            actor=ACTOR,
            now=now,
        )
    flags.set_flag(session, key="demo_password", value=password)
    flags.set_flag(session, key="demo_users", value=" ".join(u[0] for u in DEMO_USERS))
    return password
