"""Realistic Swedish demo data: a region with its pages and three months of items."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from inbox.actions import flags, intake, responses, users
from inbox.actions import pages as pages_actions
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.incoming import NewItem
from inbox.core.rules.tagging import Rules
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

FIRST = (
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Johan",
    "Eva",
    "Anders",
    "Sara",
    "Mikael",
    "Lena",
    "Per",
    "Emma",
    "Oskar",
    "Fatima",
    "Ali",
    "Ingrid",
    "Nils",
    "Elin",
    "Ahmed",
    "Sofia",
    "Gustav",
    "Hanna",
    "Björn",
    "Linnea",
    "Mohammed",
    "Ulla",
    "Kjell",
    "Maja",
    "Olle",
)
LAST = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Lindberg",
    "Hassan",
    "Lindqvist",
    "Berg",
    "Holm",
    "Sandberg",
    "Ek",
    "Öberg",
)

QUESTIONS = (
    "Hur lång är väntetiden på vårdcentralen i Norrby just nu? Jag har ringt tre dagar i rad.",
    "Var kan man boka tid för vaccination mot influensa? Hittar inte på 1177.",
    "När öppnar tandvården i Östra igen efter sommaren?",
    "Varför går inte buss 4 enligt tidtabellen? Stod i 25 minuter i morse.",
    "Hur ansöker man om färdtjänst för min mamma som är 87?",
    "Finns det lediga jobb som undersköterska på lasarettet?",
    "Vilka tider har konsthallen öppet under jullovet?",
    "Min remiss till ortopeden har inte kommit fram, vem ska jag kontakta?",
    "E-tjänsten för att byta vårdcentral fungerar inte, sidan laddar bara.",
    "Varför har avgiften för periodkortet höjts igen?",
    "Kan man ta med barnvagn på regionbussen utan att betala?",
    "Hej! Jag fick en faktura på en missad tid som jag avbokade. Hur gör jag?",
    "Gäller det nya besöksförbudet på BB även pappor?",
    "Hur får jag tag i mina journaler digitalt?",
    "Busskortet laddades men saldot syns inte i appen, vad gör jag?",
)
COMPLAINTS = (
    "Helt oacceptabelt att akuten har sex timmars väntetid. Skärpning!",
    "Bussen var försenad igen och ingen information alls. Så trött på detta.",
    "Tandvården avbokade min tid för tredje gången. Dålig service.",
    "Varför svarar ingen i telefon? Jag har väntat i kö i 40 minuter.",
    "Parkeringsavgiften vid sjukhuset är orimligt hög för oss som besöker anhöriga.",
    "Appen kraschar varje gång jag försöker köpa biljett.",
)
PRAISE = (
    "Tack för fantastiskt bemötande på avdelning 12 i helgen! ❤️",
    "Stort tack till personalen på BB, ni är underbara 🙏",
    "Vilken fin konsert i lördags, mer sånt!",
    "Tack för snabbt svar!",
    "👍",
    "@Sanna kolla här!",
    "Bra jobbat med nya busslinjen, äntligen!",
)
SPAM = (
    "Tjäna 5000 kr om dagen hemifrån!!! Klicka på länken i min profil",
    "Billiga solglasögon, 90 % rabatt idag www.exempel-rea.test",
)
OFFENSIVE = ("Ni är inkompetenta idioter allihop", "Skäms på er, era jävla byråkrater")
POSTS = (
    "Nu öppnar den nya vårdcentralen i Norrby! Välkommen in från måndag.",
    "Vaccinationen mot influensa startar 3 november. Boka via 1177.",
    "Från 1 december gäller nya tidtabeller för regionbussarna.",
    "Vi söker sjuksköterskor till akutmottagningen. Sök senast 15 januari.",
    "Julkonsert med Västmarks symfoniorkester i konserthuset.",
    "Folktandvården förlänger öppettiderna på kvällstid.",
)
REPLY = "Hej! Tack för din fråga. Vi har skickat den vidare och återkommer så snart vi kan."


def _received_times(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    times = []
    for _ in range(count):
        day = rng.random() ** 1.1 * 90
        # Comments cluster in the day and evening, fewer at night.
        hour = rng.choices(
            range(24),
            weights=[1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 9, 8, 9, 9, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2],
        )[0]
        moment = now - timedelta(days=day)
        moment = moment.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
        times.append(min(moment, now - timedelta(minutes=5)))
    return sorted(times)


def _demo_text(rng: random.Random) -> tuple[str, str | None]:
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(QUESTIONS), None
    if roll < 0.75:
        return rng.choice(COMPLAINTS), None
    if roll < 0.94:
        return rng.choice(PRAISE), "no_reply_needed"
    if roll < 0.97:
        return rng.choice(SPAM), "spam"
    return rng.choice(OFFENSIVE), "removed"


def _showcase(now: datetime, target_hours: float) -> list[NewItem]:
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
            author=f"{FIRST[n]} {LAST[n]}",
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
    """
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
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
            for n, text in enumerate(POSTS):
                external = f"{key}-post-{n}"
                session.add(
                    Post(
                        page_id=page.id or 0,
                        external_id=external,
                        text=text,
                        published_at=now - timedelta(days=90 - n * 15),
                    )
                )
                post_ids.setdefault(key, []).append(external)
        keys = [p[0] for p in PAGES]
        shares = [p[5] for p in PAGES]
        items: list[NewItem] = []
        open_targets: list[int] = []
        for n, received in enumerate(_received_times(rng, now, count)):
            key = rng.choices(keys, weights=shares)[0]
            page = pages[key]
            text, resolution = _demo_text(rng)
            age = now - received
            first = None
            if resolution is None and (age > timedelta(days=4) or rng.random() < 0.5):
                # Log-normal response spans: most within hours, a long tail past a day.
                delay = timedelta(minutes=min(rng.lognormvariate(5.0, 1.2), 60 * 24 * 6))
                if received + delay < now:
                    first = received + delay
                    resolution = "answered"
            if resolution is None and age > timedelta(days=10) and rng.random() < 0.9:
                resolution = "no_reply_needed"
            kind = {"messenger": "private_message", "email": "email"}.get(page.channel, "comment")
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            items.append(
                NewItem(
                    page=key,
                    external_id=f"demo-{n:05d}",
                    received_at=received,
                    text=text,
                    kind=kind,
                    author=name,
                    author_id=f"7100{n:06d}" if page.channel != "email" else None,
                    post_id=rng.choice(post_ids[key]) if key in post_ids else None,
                    conversation_id=f"{key}-conv-{name}" if kind != "comment" else None,
                    first_response_at=first,
                    resolution=resolution,
                )
            )
            if first is None and resolution is None:
                open_targets.append(n)
        items.extend(_showcase(now, pages[SHOWCASE_PAGE].target_hours))
        result = intake.ingest_items(
            session, items, pages=pages, now=now, calendar=calendar, rules=rules
        )
        # A few open items already acknowledged, so the queue shows met and late too.
        for item in session.exec(
            select(Item).where(Item.status == "open").order_by(col(Item.received_at)).limit(6)
        ):
            sent = min(item.received_at + timedelta(hours=rng.choice([1, 30, 80])), now)
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
        password = add_demo_users(session, now=now)
        connected = _connect(session, pages, sealed_token, now) if sealed_token else 0
    return (
        f"demo data loaded: {len(pages)} pages ({connected} connected to the sandbox Graph "
        f"API), {result.inserted} items, {len(open_targets)} open\n"
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
    """Demo users of each role, one random password for all of them, shown on the login page.

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
