"""Send what the outbound queue holds: claimed, sent, and recorded, each in its own step.

Claiming commits *sending* before the platform is called, so a sender that dies
between the platform's answer and its own commit leaves a *sending* row that
``recover_stale`` turns into *uncertain* (a reply) or queues again (moderation,
which is idempotent). What the platform says decides the rest:
``inbox.core.meta_errors`` for Meta, ``inbox.core.send_outcome`` for mail and
API pages.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from inbox.actions import outbound, outbox
from inbox.actions.outbound import Claim
from inbox.channels.email.imap import append_to_sent
from inbox.channels.email.reply import send_email_reply
from inbox.channels.meta.graph import GraphClient, GraphError, NotSent, Uncertain
from inbox.channels.webhook.reply import post_reply
from inbox.core.calendar import DEFAULT_CALENDAR, OfficeCalendar
from inbox.core.kinds import Channel, ConnectionState, OutboundKind, OutboundState, Role
from inbox.core.lookup import Seen, seen
from inbox.core.meta_errors import Outcome, Verdict, backoff_seconds
from inbox.core.outbound import MODERATION, route
from inbox.core.send_outcome import SendNotSent, SendRejected, SendUncertain, SentCopyFailed
from inbox.core.text import Text, stored, swedish
from inbox.core.timeutil import utcnow
from inbox.core.token_box import TokenKeyError
from inbox.settings import Settings
from inbox.store.db import session_scope
from inbox.store.models import Item, ItemSource, Outbound, Page, PageConnection, User

log = logging.getLogger("inbox.channels.outbound")

_ITEM: sa.Table = Item.__table__  # type: ignore[attr-defined]
_SOURCE: sa.Table = ItemSource.__table__  # type: ignore[attr-defined]
_PAGE: sa.Table = Page.__table__  # type: ignore[attr-defined]
_CONNECTION: sa.Table = PageConnection.__table__  # type: ignore[attr-defined]

# The claimed actions' pages and their connections, read once per pass (a token
# broken during the pass is known to the sender itself: ``Sender._broken``).
_PAGES_NOW = (
    sa.select(
        _PAGE.c.id,
        _PAGE.c.channel,
        _PAGE.c.key,
        _PAGE.c.platform_id,
        _PAGE.c.reply_webhook,
        _PAGE.c.reply_secret_cipher,
        _CONNECTION.c.state,
        _CONNECTION.c.token_cipher,
        _CONNECTION.c.platform_name,
    )
    .select_from(
        _PAGE.outerjoin(
            _CONNECTION,
            sa.and_(_CONNECTION.c.platform_id == _PAGE.c.platform_id, _PAGE.c.platform_id != ""),
        )
    )
    .where(_PAGE.c.id.in_(sa.bindparam("ids", expanding=True)))
)
# An action to record, with its item in the same session (record_sent and
# record_failed change both).
_ACTION_AND_ITEM = (
    select(Outbound, Item)
    .join(Item, col(Item.id) == col(Outbound.item_id))
    .where(col(Outbound.id) == sa.bindparam("id"))
)

NOT_CONNECTED = Text("Sidan är inte kopplad till Meta, eller dess token fungerar inte.")
CONNECT_ADVICE = Text("Be en administratör koppla sidan: inbox pages connect SIDA --token-stdin.")

# Uncertain sends looked for on the platform in one pass, at most.
LOOKUPS_PER_PASS = 20

# Actions sent at once by the scheduler and `inbox outbox send`.
WORKERS = 4
# A page whose token no longer works waits this long before its queue is looked at again.
PAUSE = timedelta(minutes=10)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    uncertain: int = 0
    paused: int = 0
    recovered: int = 0
    # Uncertain sends looked for on the platform, and those found there (now sent).
    looked_up: int = 0
    found: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.uncertain + self.paused


@dataclass(frozen=True)
class _Job:
    claim: Claim
    channel: str
    item_kind: str
    external_id: str
    parent_id: str | None
    author: str
    author_id: str | None
    page_key: str
    page_platform_id: str | None
    reply_webhook: str | None
    reply_secret_cipher: str | None
    connection_state: str | None
    token_cipher: str | None
    platform_name: str | None
    source: dict[str, object]


# What one action's outcome changes: applied in the recorder's transaction. ``apply``
# may name the counter the outcome ends in (a retry past the last attempt is a failure).
Apply = Callable[[Session, Outbound], str | None]


@dataclass(frozen=True)
class _Record:
    claim: Claim
    apply: Apply
    with_item: bool
    counter: str


# Outcomes recorded in one transaction at most (one commit for many sends).
BATCH = 64


class _Recorder:
    """Records the workers' outcomes, as many as are waiting in one transaction.

    A worker hands over what the platform said and goes on to the next action;
    the recorder commits the outcomes that have gathered meanwhile together, so
    under load one commit settles many sends, and a lone send is recorded at
    once. Should one outcome fail, the others of its batch are recorded again
    one by one. A sender killed before a commit leaves its actions *sending*:
    ``recover_stale`` makes the replies *uncertain*, never sent twice.
    """

    def __init__(self, engine: Engine, result: SendResult) -> None:
        self.engine = engine
        self.result = result
        self._queue: queue.Queue[_Record | None] = queue.Queue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbound-recorder", daemon=True)
        self._thread.start()

    def put(self, record: _Record) -> None:
        if self._thread is None:
            self._write([record])
        else:
            self._queue.put(record)

    def finish(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        done = False
        while not done:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    done = True
                    break
                batch.append(more)
            self._write(batch)

    def _write(self, batch: list[_Record]) -> None:
        try:
            self._commit(batch)
        except Exception:
            if len(batch) == 1:
                self._lost(batch[0])
                return
            for record in batch:  # find the one that fails; record the others
                try:
                    self._commit([record])
                except Exception:
                    self._lost(record)

    def _commit(self, batch: list[_Record]) -> None:
        counters: list[str] = []
        with session_scope(self.engine) as session:
            for record in batch:
                if record.with_item:
                    found = session.execute(_ACTION_AND_ITEM, {"id": record.claim.id}).first()
                    action = found[0] if found is not None else None
                else:
                    action = session.get(Outbound, record.claim.id)
                assert action is not None
                if action.state == OutboundState.SENDING.value:
                    counters.append(record.apply(session, action) or record.counter)
                else:  # settled meanwhile (an echo, a person)
                    counters.append(record.counter)
        for name in counters:
            setattr(self.result, name, getattr(self.result, name) + 1)

    def _lost(self, record: _Record) -> None:
        # Left *sending*: recover_stale settles it (a reply becomes uncertain).
        log.exception("recording outbound %s failed", record.claim.id)
        self.result.errors.append(f"{record.claim.id}: not recorded")


class Sender:
    """One sender: a Graph client, the settings, a clock and a source of jitter."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        graph: GraphClient | None = None,
        calendar: OfficeCalendar = DEFAULT_CALENDAR,
        rng: random.Random | None = None,
        workers: int = 1,
    ) -> None:
        """``workers`` > 1 sends that many actions at once: one waits for the platform
        or the database while another is worked on (each action still sent once and
        recorded in its own transactions; their order is then not kept)."""
        self.engine = engine
        self.workers = max(1, workers)
        self.settings = settings
        self.clock = clock
        self.graph = graph or GraphClient(settings.meta_graph_url, settings.meta_graph_version)
        self.calendar = calendar
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.box = settings.token_box()
        # Platform ids whose connection broke during this pass: (message, advice, code).
        self._broken: dict[str, tuple[Text, Text, str | None]] = {}
        self._recorder = _Recorder(engine, SendResult())

    def close(self) -> None:
        self.graph.close()

    def send_due(self, *, limit: int = 200) -> SendResult:
        """Everything due now, once: claim, send, record."""
        result = SendResult()
        now = self.clock()
        with session_scope(self.engine) as session:
            result.recovered = outbound.recover_stale(session, now=now)
            claims = outbound.claim(session, now=now, limit=limit)
        items = self._items(claims) if claims else {}
        pages = self._pages(claims) if claims else {}
        self._broken = {}
        self._recorder = _Recorder(self.engine, result)

        def one(claim: Claim) -> str | None:
            try:
                self._one(claim, items.get(claim.item_id), pages.get(claim.page_id))
            except Exception as exc:  # one broken action must not stop the others
                log.exception("sending outbound %s failed", claim.id)
                return f"{claim.id}: {type(exc).__name__}"
            return None

        if self.workers == 1 or len(claims) < 2:
            errors = [one(claim) for claim in claims]
        else:
            self._recorder.start()
            try:
                with ThreadPoolExecutor(self.workers, thread_name_prefix="outbound") as pool:
                    errors = list(pool.map(one, claims))
            finally:
                self._recorder.finish()
        result.errors.extend(error for error in errors if error)
        self._look_up(now, result)
        return result

    # --- uncertain sends, looked for on the platform ----------------------------------

    def _look_up(self, now: datetime, result: SendResult) -> None:
        """Look for uncertain replies and messages whose next lookup is due."""
        with session_scope(self.engine) as session:
            due = outbound.lookups_due(session, now=now, limit=LOOKUPS_PER_PASS)
        if not due:
            return
        items, pages = self._items(due), self._pages(due)
        for claim in due:
            job = self._job(claim, items.get(claim.item_id), pages.get(claim.page_id))
            try:
                askable, found = self._seen(job)
            except Exception:  # one lookup must not stop the others
                log.exception("looking up outbound %s failed", claim.id)
                result.errors.append(f"{claim.id}: lookup")
                continue
            if not askable:
                continue  # the page cannot be asked now: looked at again next pass
            owners = {v for v in (job.page_platform_id, job.platform_name) if v}
            with session_scope(self.engine) as session:
                action = session.get(Outbound, claim.id)
                assert action is not None
                ours = outbound.settle_by_lookup(
                    session,
                    action,
                    seen=found,
                    owners=owners,
                    now=self.clock(),
                    calendar=self.calendar,
                )
            result.looked_up += 1
            result.found += int(ours)

    def _seen(self, job: _Job) -> tuple[bool, list[Seen] | None]:
        """Whether the page can be asked now, and what the platform shows where the
        send would be (None when asking failed)."""
        if job.token_cipher is None or job.connection_state != ConnectionState.CONNECTED.value:
            return False, None
        if job.page_platform_id in self._broken:
            return False, None
        try:
            token = self.box.open(job.token_cipher)
        except TokenKeyError:
            return False, None
        instagram = job.channel == Channel.INSTAGRAM.value
        try:
            if OutboundKind(job.claim.kind) is OutboundKind.REPLY:
                entries = self.graph.replies_to(job.external_id, instagram=instagram, token=token)
            else:
                entries = self.graph.conversation_with(
                    job.page_platform_id or "",
                    job.author_id or "",
                    instagram=instagram,
                    token=token,
                )
        except (GraphError, NotSent, Uncertain, ValueError) as exc:
            log.warning("outbound %s: the platform could not be asked: %s", job.claim.id, exc)
            return True, None
        return True, [entry for entry in map(seen, entries) if entry is not None]

    # --- one action -------------------------------------------------------------------

    def _items(self, claims: list[Claim]) -> dict[int, Any]:
        """What the claimed actions' items say (fixed once stored), in one query."""
        i, s = _ITEM.c, _SOURCE.c
        ids = sorted({claim.item_id for claim in claims})
        query = (
            sa.select(
                i.id,
                i.channel,
                i.kind,
                i.external_id,
                i.parent_id,
                i.author,
                i.author_id,
                s.data.label("source"),
            )
            .select_from(_ITEM.outerjoin(_SOURCE, s.item_id == i.id))
            .where(i.id.in_(ids))
        )
        with self.engine.connect() as conn:
            return {row.id: row for row in conn.execute(query)}

    def _pages(self, claims: list[Claim]) -> dict[int, Any]:
        ids = sorted({claim.page_id for claim in claims})
        with self.engine.connect() as conn:
            return {row.id: row for row in conn.execute(_PAGES_NOW, {"ids": ids})}

    def _job(self, claim: Claim, item: Any | None, page: Any | None) -> _Job:
        """The action with its item, and its page and connection as read for this pass."""
        assert item is not None
        assert page is not None
        return _Job(
            claim=claim,
            channel=item.channel or page.channel,
            item_kind=item.kind,
            external_id=item.external_id,
            parent_id=item.parent_id,
            author=item.author,
            author_id=item.author_id,
            page_key=page.key,
            page_platform_id=page.platform_id,
            reply_webhook=page.reply_webhook,
            reply_secret_cipher=page.reply_secret_cipher,
            connection_state=page.state,
            token_cipher=page.token_cipher,
            platform_name=page.platform_name,
            source=dict(item.source) if item.source is not None else {},
        )

    def _one(self, claim: Claim, item: Any | None, page: Any | None) -> None:
        job = self._job(claim, item, page)
        how = route(job.channel)
        if how == "meta":
            self._meta(job)
        elif how == "email":
            self._email(job)
        else:
            self._webhook(job)

    def _record(self, claim: Claim, apply: Apply, counter: str, *, with_item: bool = False) -> None:
        """The outcome of one action, recorded in the recorder's next transaction
        (``with_item`` loads the item alongside)."""
        self._recorder.put(_Record(claim, apply, with_item, counter))

    def _sent(self, claim: Claim, platform_id: str | None) -> None:
        accepted = self.clock()

        def apply(session: Session, action: Outbound) -> None:
            outbound.record_sent(
                session,
                action,
                platform_id=platform_id,
                accepted_at=accepted,
                settled_by="answer",
                now=accepted,
                calendar=self.calendar,
            )

        self._record(claim, apply, "sent", with_item=True)

    def _retry(
        self, claim: Claim, seconds: float, code: str | None, error: Text, advice: Text
    ) -> None:
        now = self.clock()

        def apply(session: Session, action: Outbound) -> str:
            outbound.record_retry(
                session,
                action,
                at=now + timedelta(seconds=seconds),
                code=code,
                error=error,
                advice=advice,
                now=now,
            )
            # Past the last attempt a retry is a failure, and is counted as one.
            return "failed" if action.state == OutboundState.FAILED.value else "retrying"

        self._record(claim, apply, "retrying")

    def _failed(self, claim: Claim, code: str | None, error: Text, advice: Text) -> None:
        now = self.clock()

        def apply(session: Session, action: Outbound) -> None:
            outbound.record_failed(session, action, code=code, error=error, advice=advice, now=now)

        self._record(claim, apply, "failed", with_item=True)

    def _uncertain(self, claim: Claim, detail: Text) -> None:
        now = self.clock()

        def apply(session: Session, action: Outbound) -> None:
            outbound.record_uncertain(session, action, now=now, detail=detail)

        self._record(claim, apply, "uncertain")

    def _backoff(self, claim: Claim) -> float:
        return backoff_seconds(claim.attempts, self.rng.random())

    # --- Meta ---------------------------------------------------------------------------

    def _meta(self, job: _Job) -> None:
        claim = job.claim
        if job.token_cipher is None or job.connection_state != ConnectionState.CONNECTED.value:
            self._pause(job)
            return
        broken = self._broken.get(job.page_platform_id or "")
        if broken is not None:  # refused earlier in this pass: do not ask Meta again
            error, advice, code = broken
            self._pause(job, error=error, advice=advice, code=code)
            return
        try:
            token = self.box.open(job.token_cipher)
        except TokenKeyError:
            # Nothing was sent: the page waits for a token sealed under today's key.
            error = Text(
                "Sidans token går inte att öppna med INBOX_TOKEN_KEY (har nyckeln bytts?)."
            )
            advice = Text(
                "Be en administratör koppla sidan igen: inbox pages connect SIDA --token-stdin."
            )
            self._connection_broken(job, ConnectionState.RECONNECT, error, advice, "token_key")
            self._pause(job, error=error, advice=advice, code="token_key")
            return
        kind = OutboundKind(claim.kind)
        try:
            made = self._call_meta(job, kind, token)
        except GraphError as exc:
            self._meta_refused(job, kind, exc.verdict)
            return
        except ValueError as exc:
            # The client refused it before sending (no recipient, an id it cannot
            # put in a path): it never reached Meta and never will as it is.
            log.warning("outbound %s not sent: %s", claim.id, exc)
            self._failed(
                claim,
                "invalid",
                Text(
                    "Det här kan inte skickas till Meta: mottagaren eller det som svaret gäller "
                    "saknas eller har ett id som Meta inte tar emot."
                ),
                Text(
                    "Svara direkt på Facebook, Instagram eller i Messenger, och visa felet för "
                    "en administratör."
                ),
            )
            return
        except NotSent:
            self._retry(
                claim,
                self._backoff(claim),
                "not_sent",
                Text("Meta gick inte att nå."),
                Text("Inget behöver göras: det skickas igen om en stund."),
            )
            return
        except Uncertain:
            if kind in MODERATION:  # hiding or deleting twice does no harm
                self._retry(
                    claim,
                    self._backoff(claim),
                    "uncertain",
                    Text("Svaret från Meta kom aldrig fram."),
                    Text("Inget behöver göras: det görs igen om en stund."),
                )
            else:
                self._uncertain(
                    claim,
                    Text("Meta fick begäran, men svaret kom aldrig tillbaka."),
                )
            return
        self._sent(claim, made)

    def _call_meta(self, job: _Job, kind: OutboundKind, token: str) -> str | None:
        g, claim, target = self.graph, job.claim, job.external_id
        instagram = job.channel == Channel.INSTAGRAM.value
        if kind is OutboundKind.REPLY:
            if instagram:
                return g.reply_to_ig_comment(target, claim.text, token=token)
            return g.reply_to_comment(target, claim.text, token=token)
        if kind is OutboundKind.PRIVATE_REPLY:
            return g.private_reply(job.page_platform_id or "", target, claim.text, token=token)
        if kind is OutboundKind.MESSAGE:
            return g.send_message(
                job.page_platform_id or "", job.author_id or "", claim.text, claim.tag, token=token
            )
        if kind in (OutboundKind.HIDE, OutboundKind.UNHIDE):
            hidden = kind is OutboundKind.HIDE
            if instagram:
                g.hide_ig_comment(target, hidden, token=token)
            else:
                g.hide_comment(target, hidden, token=token)
            return None
        g.delete_comment(target, token=token)
        return None

    def _meta_refused(self, job: _Job, kind: OutboundKind, verdict: Verdict) -> None:
        claim = job.claim
        code = str(verdict.code) if verdict.code is not None else None
        if kind is OutboundKind.DELETE and verdict.code == 100:
            self._sent(claim, None)  # already gone: what was asked for is done
            return
        if verdict.outcome in (Outcome.RECONNECT, Outcome.PERMISSION):
            state = (
                ConnectionState.RECONNECT
                if verdict.outcome is Outcome.RECONNECT
                else ConnectionState.PERMISSION
            )
            self._connection_broken(job, state, verdict.message, verdict.advice, code)
            self._pause(job, error=verdict.message, advice=verdict.advice, code=code)
            return
        if verdict.may_retry:
            seconds = verdict.retry_after_seconds or self._backoff(claim)
            self._retry(claim, seconds, code, verdict.message, verdict.advice)
            return
        self._failed(claim, code, verdict.message, verdict.advice)

    def _pause(
        self,
        job: _Job,
        *,
        error: Text = NOT_CONNECTED,
        advice: Text = CONNECT_ADVICE,
        code: str | None = "not_connected",
    ) -> None:
        now = self.clock()

        def apply(session: Session, action: Outbound) -> None:
            outbound.pause(
                session, action, until=now + PAUSE, code=code, error=error, advice=advice, now=now
            )

        self._record(job.claim, apply, "paused")

    def _connection_broken(
        self, job: _Job, state: ConnectionState, message: Text, advice: Text, code: str | None
    ) -> None:
        """Stop the page's sending and tell the admins, once per change."""
        self._broken[job.page_platform_id or ""] = (message, advice, code)
        now = self.clock()
        with session_scope(self.engine) as session:
            changed = outbound.set_connection_state(
                session, job.page_platform_id or "", state, detail=stored(message), now=now
            )
            if not changed:
                return
            admins = session.exec(
                select(User.email).where(User.role == Role.ADMIN.value, col(User.active))
            ).all()
            for email in admins:
                outbox.queue_notification(
                    session,
                    kind="email",
                    recipient=email,
                    dedup_key=f"connection:{job.page_platform_id}:{state.value}:{now:%Y%m%d%H%M}",
                    now=now,
                    actor="scheduler",
                    subject=f"Sidan {job.page_key} kan inte skicka: {swedish(message)}",
                    text=f"{swedish(message)}\n\n{swedish(advice)}\n",
                )

    # --- e-mail ---------------------------------------------------------------------------

    def _email(self, job: _Job) -> None:
        claim = job.claim
        mailbox = self.settings.mailboxes.get(job.page_key)
        if mailbox is None or not job.author_id:
            self._failed(
                claim,
                "no_mailbox",
                Text(
                    "Brevlådan saknar inställningar för att skicka, eller avsändaren saknar adress."
                ),
                Text("Be en administratör lägga in brevlådan i INBOX_MAILBOXES."),
            )
            return
        src = job.source
        references = [str(r) for r in src.get("references", []) or []]  # type: ignore[attr-defined]
        try:
            sent = send_email_reply(
                self.settings,
                mailbox=mailbox,
                to_address=job.author_id,
                to_name=job.author,
                subject=str(src.get("subject") or ""),
                in_reply_to=str(src["message_id"]) if src.get("message_id") else None,
                references=references,
                text=claim.text,
                now=self.clock(),
            )
        except SendRejected as exc:
            self._rejected(claim, exc)
            return
        except SendNotSent as exc:
            self._retry(claim, self._backoff(claim), "not_sent", exc.message, exc.advice)
            return
        except SendUncertain:
            self._uncertain(claim, Text("E-postservern tog emot brevet men svarade aldrig."))
            return
        self._sent(claim, sent.message_id)
        try:
            append_to_sent(mailbox, sent.raw, self.clock())
        except SentCopyFailed as exc:
            log.warning("outbound %s: the copy for the Sent folder failed: %s", claim.id, exc)

    def _rejected(self, claim: Claim, exc: SendRejected) -> None:
        if exc.permanent:
            self._failed(claim, "rejected", exc.message, exc.advice)
        else:
            wait = exc.retry_after or self._backoff(claim)
            self._retry(claim, wait, "rejected", exc.message, exc.advice)

    # --- API pages --------------------------------------------------------------------------

    def _webhook(self, job: _Job) -> None:
        claim = job.claim
        if not job.reply_webhook or not job.reply_secret_cipher:
            self._failed(
                claim,
                "no_webhook",
                Text("Sidan har ingen svarsadress (reply_webhook)."),
                Text("Be en administratör ange sidans svarsadress och hemlighet."),
            )
            return
        payload = {
            "id": claim.idempotency_key,
            "item": {"page": job.page_key, "external_id": job.external_id},
            "kind": claim.kind,
            "text": claim.text,
        }
        try:
            secret = self.box.open(job.reply_secret_cipher)
        except TokenKeyError:
            self._pause(
                job,
                error=Text(
                    "Sidans hemlighet för svarsadressen går inte att öppna med INBOX_TOKEN_KEY "
                    "(har nyckeln bytts?)."
                ),
                advice=Text(
                    "Be en administratör ange hemligheten igen: "
                    "inbox pages update SIDA --reply-secret-stdin."
                ),
                code="token_key",
            )
            return
        try:
            post_reply(
                job.reply_webhook,
                secret,
                idempotency_key=claim.idempotency_key,
                payload=payload,
                timeout=self.settings.webhook_timeout,
                now=self.clock(),
            )
        except SendRejected as exc:
            self._rejected(claim, exc)
            return
        except (SendNotSent, SendUncertain) as exc:
            # The receiver keeps the Idempotency-Key: sending again cannot make two replies.
            self._retry(claim, self._backoff(claim), "not_sent", exc.message, exc.advice)
            return
        self._sent(claim, None)


def send_due(engine: Engine, settings: Settings, **kwargs: object) -> SendResult:
    """``inbox outbox send`` and the scheduler: one pass over what is due."""
    sender = Sender(engine, settings, **kwargs)  # type: ignore[arg-type]
    try:
        return sender.send_due()
    finally:
        sender.close()
