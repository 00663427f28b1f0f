"""Meta webhook deliveries (page feed, Messenger, Instagram) to normalised events.

Pure: bytes in, a list of ``MetaEvent`` out, no database and no clock. One
delivery may carry several ``entry`` objects, each with several ``changes`` or
``messaging`` events; every one of them becomes exactly one event, including the
ones that are not items (reactions, receipts), so the caller can account for
all of it. Whatever cannot be understood raises ``MetaFormatError`` with the
path to the offending value, because the caller answers 400 with that reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

from inbox.core.incoming import MetaEvent, MetaFormatError
from inbox.core.timeutil import implausible

OBJECTS = ("page", "instagram")
ACTIONS = ("item", "edit", "remove", "hide", "unhide", "page_response", "post", "ignored")
# Feed items that are the page publishing something (a post of some type).
_POST_ITEMS = frozenset({"post", "status", "photo", "video", "share"})
_MODERATION = frozenset({"remove", "hide", "unhide"})
# Seconds since 1970 stay below this until the year 5138; milliseconds pass it in 1973.
_MS_THRESHOLD = 100_000_000_000


# A lone UTF-16 surrogate (``"\\ud83d"`` without its pair) is valid JSON but no
# text: it cannot be stored, and would cost the delivery's other events too.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _whole(value: Any) -> Any:
    """The document with every lone surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {_whole(k): _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not valid JSON")


class _Implausible(Exception):
    def __init__(self, at: datetime, reason: str) -> None:
        super().__init__(reason)
        self.at, self.reason = at, reason


def parse_delivery(body: bytes, *, now: datetime | None = None) -> list[MetaEvent]:
    """Every event of one webhook delivery, in delivery order.

    An event dated before 2000 or after ``now`` (plus a little clock skew) is kept
    as ignored, with the reason; the delivery's other events are applied."""
    try:
        doc = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MetaFormatError(f"malformed JSON: {exc}") from exc
    root = _obj(_whole(doc), "body")
    obj = root.get("object")
    if obj not in OBJECTS:
        raise MetaFormatError(f"object: {obj!r} is not one of {', '.join(OBJECTS)}")
    entries = root.get("entry")
    if not isinstance(entries, list):
        raise MetaFormatError("entry: missing or not a list")
    events: list[MetaEvent] = []
    for i, raw_entry in enumerate(entries):
        where = f"entry[{i}]"
        entry = _obj(raw_entry, where)
        page = _id(entry.get("id"), f"{where}: id")
        groups = [key for key in ("changes", "messaging", "standby") if key in entry]
        if not groups:
            raise MetaFormatError(f"{where}: neither changes nor messaging")
        for key in groups:
            group = entry[key]
            if not isinstance(group, list):
                raise MetaFormatError(f"{where}.{key}: not a list")
            for j, raw in enumerate(group):
                path = f"{where}.{key}[{j}]"
                ctx = _Ctx(str(obj), page, path, entry.get("time"), key != "changes", now)
                event = _obj(raw, ctx.where)
                try:
                    if key == "changes":
                        events.append(_change(ctx, event))
                    elif key == "messaging":
                        events.append(_messaging(ctx, event))
                    else:
                        # Handover protocol: another app owns the thread and answers it.
                        at = ctx.when(event, "timestamp")
                        events.append(ctx.ignored(at, "standby (thread owned by another app)"))
                except _Implausible as exc:
                    events.append(ctx.ignored(exc.at, exc.reason))
    return events


@dataclass(frozen=True, slots=True)
class _Ctx:
    obj: str
    page: str
    where: str
    entry_time: object
    messaging: bool
    now: datetime | None = None

    def fail(self, what: str) -> MetaFormatError:
        return MetaFormatError(f"{self.where}: {what}")

    def when(self, value: dict[str, Any], key: str, prefix: str = "") -> datetime:
        # entry.time is when the change happened for feed deliveries; it is the
        # best we have when the value carries no time of its own (remove, IG).
        raw = value.get(key)
        if raw is None:
            raw = self.entry_time
        if raw is None:
            raise self.fail(f"{prefix}{key} missing (and no entry.time)")
        at = _instant(raw, f"{self.where}: {prefix}{key}")
        why = implausible(at, self.now)
        if why is not None:
            raise _Implausible(at, f"{prefix}{key} {why}")
        return at

    def key(self, action: str, external_id: str | None, *suffix: object) -> str:
        parts = [self.obj, self.page, external_id or "-", action, *map(str, suffix)]
        return ":".join(parts)

    def ignored(self, at: datetime, reason: str, external_id: str | None = None) -> MetaEvent:
        return MetaEvent(
            object=self.obj,
            platform_page_id=self.page,
            action="ignored",
            event_key=self.key("ignored", external_id, reason, _ms(at)),
            channel=_channel(self.obj, messaging=self.messaging),
            created_at=at,
            external_id=external_id,
            reason=reason,
        )


def _change(ctx: _Ctx, change: dict[str, Any]) -> MetaEvent:
    field = change.get("field")
    if not isinstance(field, str) or not field:
        raise ctx.fail("field missing")
    handler = _HANDLERS.get((ctx.obj, field))
    if handler is not None:
        return handler(ctx, _obj(change.get("value"), f"{ctx.where}: value"))
    # A field we do not use (ratings, story insights...) may have any value shape.
    value = change.get("value")
    at = ctx.when(value if isinstance(value, dict) else {}, "created_time", "value.")
    return ctx.ignored(at, f"field {field}")


def _feed(ctx: _Ctx, value: dict[str, Any]) -> MetaEvent:
    item, verb = _text(value, "item", ctx), _text(value, "verb", ctx)
    at = ctx.when(value, "created_time", "value.")
    author_id, author = _author(ctx, value)
    if item in _POST_ITEMS:
        published = _id(value.get("post_id"), f"{ctx.where}: value.post_id")
        if verb != "add":
            return ctx.ignored(at, f"{item} {verb}", published)
        if author_id not in (None, ctx.page):
            # A visitor's post on the page's wall: not one of the page's posts.
            return ctx.ignored(at, f"visitor {item}", published)
        return _event(
            ctx,
            "post",
            published,
            at,
            post_id=published,
            author=author,
            author_id=author_id,
            text=_message(value),
            needs_fetch=author_id is None or "message" not in value,
        )
    if item != "comment":
        return ctx.ignored(at, f"{item} {verb}", _opt_id(value.get("comment_id")))
    comment_id = _id(value.get("comment_id"), f"{ctx.where}: value.comment_id")
    post_id = _opt_id(value.get("post_id"))
    action = {"add": "item", "edited": "edit", "edit": "edit"}.get(verb, verb)
    if action not in ("item", "edit", *_MODERATION):
        return ctx.ignored(at, f"comment {verb}", comment_id)
    if action == "item" and author_id == ctx.page:
        action = "page_response"
    # Moderation events need no author or text; an add or edit without them does.
    incomplete = author_id is None or "message" not in value
    return _event(
        ctx,
        action,
        comment_id,
        at,
        post_id=post_id,
        parent_id=_reply_to(value.get("parent_id"), post_id),
        author=author,
        author_id=author_id,
        text=_message(value),
        needs_fetch=action not in _MODERATION and incomplete,
        attachments=_feed_attachments(value),
    )


def _page_mention(ctx: _Ctx, value: dict[str, Any]) -> MetaEvent:
    at = ctx.when(value, "created_time", "value.")
    post_id = _opt_id(value.get("post_id"))
    external_id = _opt_id(value.get("comment_id")) or post_id
    if external_id is None:
        raise ctx.fail("value.post_id missing")
    verb = value.get("verb", "add")
    if verb == "remove":
        return _event(ctx, "remove", external_id, at, kind="mention", post_id=post_id)
    if verb != "add":
        return ctx.ignored(at, f"mention {verb}", external_id)
    author_id, author = _author(ctx, value)
    return _event(
        ctx,
        "item",
        external_id,
        at,
        kind="mention",
        post_id=post_id,
        author=author,
        author_id=author_id,
        text=_message(value),
        needs_fetch=author_id is None or "message" not in value,
    )


def _ig_comment(ctx: _Ctx, value: dict[str, Any]) -> MetaEvent:
    comment_id = _id(value.get("id"), f"{ctx.where}: value.id")
    at = ctx.when(value, "timestamp", "value.")
    sender = value.get("from")
    who = _obj(sender, f"{ctx.where}: value.from") if sender is not None else {}
    author_id = _opt_id(who.get("id"))
    media = value.get("media")
    post_id = _opt_id(_obj(media, f"{ctx.where}: value.media").get("id")) if media else None
    # The account's own comments carry self_ig_scoped_id (or its own id as from.id).
    own = author_id == ctx.page or who.get("self_ig_scoped_id") is not None
    text = value.get("text")
    return _event(
        ctx,
        "page_response" if own else "item",
        comment_id,
        at,
        post_id=post_id,
        parent_id=_reply_to(value.get("parent_id"), post_id),
        author=str(who.get("username") or ""),
        author_id=author_id,
        text=text if isinstance(text, str) else "",
        needs_fetch=author_id is None or not isinstance(text, str),
    )


def _ig_mention(ctx: _Ctx, value: dict[str, Any]) -> MetaEvent:
    # Mentions carry only ids: who wrote what has to be fetched afterwards.
    media_id = _opt_id(value.get("media_id"))
    external_id = _opt_id(value.get("comment_id")) or media_id
    if external_id is None:
        raise ctx.fail("value.media_id missing")
    at = ctx.when(value, "timestamp", "value.")
    return _event(ctx, "item", external_id, at, kind="mention", post_id=media_id, needs_fetch=True)


_HANDLERS: dict[tuple[str, str], Callable[[_Ctx, dict[str, Any]], MetaEvent]] = {
    ("page", "feed"): _feed,
    ("page", "mention"): _page_mention,
    ("instagram", "comments"): _ig_comment,
    ("instagram", "live_comments"): _ig_comment,
    ("instagram", "mentions"): _ig_mention,
}


def _messaging(ctx: _Ctx, event: dict[str, Any]) -> MetaEvent:
    at = ctx.when(event, "timestamp")
    sender = _opt_id(_obj(event.get("sender") or {}, f"{ctx.where}: sender").get("id"))
    recipient = _opt_id(_obj(event.get("recipient") or {}, f"{ctx.where}: recipient").get("id"))
    if "message_edit" in event:
        edit = _obj(event["message_edit"], f"{ctx.where}: message_edit")
        mid = _id(edit.get("mid"), f"{ctx.where}: message_edit.mid")
        text = _message(edit, "text")
        return _event(
            ctx,
            "edit",
            mid,
            at,
            text=text,
            author_id=sender,
            suffix=(edit.get("num_edit", ""), _digest(text)),
        )
    if "message" not in event:
        kinds = sorted(set(event) - {"sender", "recipient", "timestamp"})
        return ctx.ignored(at, f"messaging {'+'.join(kinds) or 'empty'}")
    message = _obj(event["message"], f"{ctx.where}: message")
    mid = _id(message.get("mid"), f"{ctx.where}: message.mid")
    # An echo is the page writing: the page is the sender and the person the recipient.
    echo = bool(message.get("is_echo")) or sender == ctx.page
    user = recipient if echo else sender
    if user is None:
        raise ctx.fail(f"{'recipient' if echo else 'sender'}.id missing")
    action = "remove" if message.get("is_deleted") else "page_response" if echo else "item"
    return _event(
        ctx,
        action,
        mid,
        at,
        conversation_id=f"{ctx.page}:{user}",
        author_id=sender,
        text=_message(message, "text"),
        attachments=_message_attachments(message.get("attachments")),
    )


def _event(
    ctx: _Ctx,
    action: str,
    external_id: str,
    at: datetime,
    *,
    kind: str | None = None,
    post_id: str | None = None,
    parent_id: str | None = None,
    conversation_id: str | None = None,
    author: str = "",
    author_id: str | None = None,
    text: str = "",
    needs_fetch: bool = False,
    attachments: tuple[str, ...] = (),
    suffix: tuple[object, ...] = (),
) -> MetaEvent:
    if action in ("edit", "hide", "unhide") and not suffix:
        # Distinct edits and hide/unhide/hide toggles must not collapse into one
        # key, while a retry of the very same event (same time, same text) must.
        suffix = (_ms(at), _digest(text))
    if kind is None and action != "post":
        reply = "reply" if parent_id is not None else "comment"
        kind = "private_message" if conversation_id is not None else reply
    return MetaEvent(
        object=ctx.obj,
        platform_page_id=ctx.page,
        action=action,
        event_key=ctx.key(action, external_id, *suffix),
        channel=_channel(ctx.obj, messaging=conversation_id is not None),
        created_at=at,
        external_id=external_id,
        kind=kind,
        post_id=post_id,
        parent_id=parent_id,
        conversation_id=conversation_id,
        author=author,
        author_id=author_id,
        text=text,
        needs_fetch=needs_fetch,
        attachments=attachments,
    )


def _channel(obj: str, *, messaging: bool) -> str:
    if obj == "instagram":
        return "instagram"
    return "messenger" if messaging else "facebook"


def _author(ctx: _Ctx, value: dict[str, Any]) -> tuple[str | None, str]:
    if value.get("from") is not None:
        who = _obj(value["from"], f"{ctx.where}: value.from")
        return _opt_id(who.get("id")), str(who.get("name") or "")
    # Before Graph API v2.11 the author came as sender_id/sender_name.
    return _opt_id(value.get("sender_id")), str(value.get("sender_name") or "")


def _reply_to(parent: object, post_id: str | None) -> str | None:
    # A top-level comment's parent_id is the post; only a comment parent is a reply.
    parent_id = _opt_id(parent)
    return parent_id if parent_id is not None and parent_id != post_id else None


def _feed_attachments(value: dict[str, Any]) -> tuple[str, ...]:
    found = [value.get("photo"), value.get("video"), *(value.get("photos") or [])]
    return tuple(url for url in found if isinstance(url, str) and url)


def _message_attachments(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    out: list[str] = []
    for attachment in raw:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload")
        url = payload.get("url") if isinstance(payload, dict) else None
        out.append(str(url or attachment.get("type") or "attachment"))
    return tuple(out)


def _message(value: dict[str, Any], key: str = "message") -> str:
    text = value.get(key)
    return text if isinstance(text, str) else ""


def _text(value: dict[str, Any], key: str, ctx: _Ctx) -> str:
    text = value.get(key)
    if not isinstance(text, str) or not text:
        raise ctx.fail(f"value.{key} missing")
    return text


def _obj(value: object, where: str) -> dict[str, Any]:
    if value is None:
        raise MetaFormatError(f"{where} missing")
    if not isinstance(value, dict):
        raise MetaFormatError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _id(value: object, where: str) -> str:
    found = _opt_id(value)
    if found is None:
        raise MetaFormatError(f"{where} missing" if value in (None, "") else f"{where}: not an id")
    return found


def _opt_id(value: object) -> str | None:
    # Meta sends the same ids as JSON strings in one payload and numbers in another.
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _instant(raw: object, where: str) -> datetime:
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    try:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            seconds = raw / 1000 if abs(raw) >= _MS_THRESHOLD else raw
            return datetime.fromtimestamp(seconds, tz=UTC)
        if isinstance(raw, str):
            parsed = datetime.fromisoformat(raw.strip())
            # Graph API times are UTC; a bare ISO string is taken as UTC too.
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MetaFormatError(f"{where}: not a valid time ({raw!r})") from exc
    raise MetaFormatError(f"{where}: not a valid time ({raw!r})")


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
