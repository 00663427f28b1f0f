"""What a failed Graph API call means for the sender, in plain Swedish.

Meta answers a failed call with an HTTP status, a body of the form
``{"error": {"message", "type", "code", "error_subcode", "is_transient",
"fbtrace_id"}}`` and, when it counts the caller's use, the headers
``X-App-Usage`` and ``X-Business-Use-Case-Usage`` (JSON). ``classify`` turns
the three into a ``Verdict``: one of five outcomes, the time to wait when Meta
throttles, and a message and an advice for the people who read the inbox.

The codes follow Meta's tables (Graph API "Handling Errors", the Messenger
Platform's error codes and the rate-limiting page):

* 190 (and 102) — the token has expired, was revoked or is invalid: ``reconnect``.
* 10 and 200–299 — a permission is missing: ``permission``; except 10 with
  subcode 2018278, a message outside the messaging window: ``fail``.
* 4, 17, 32, 341, 613 and 80001–80014 (and HTTP 429) — a rate limit: ``throttled``.
* 1, 2 and ``is_transient`` — Meta's own trouble: ``retry``.
* 100 (the object is gone or cannot be reached), 551 (the person is not
  available) and anything else that is not a 5xx: ``fail``.

Every part of the input may be missing or malformed; the verdict is then made
from what is left (a 5xx without a body is ``retry``). Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from inbox.core.text import Text

__all__ = [
    "DEFAULT_THROTTLE_SECONDS",
    "MAX_THROTTLE_SECONDS",
    "Outcome",
    "Verdict",
    "backoff_seconds",
    "classify",
    "throttle_seconds",
]

# Without a figure from Meta, a throttled sender waits this long.
DEFAULT_THROTTLE_SECONDS = 5 * 60
# Meta's platform limits are counted over a rolling hour: never wait longer.
MAX_THROTTLE_SECONDS = 60 * 60
# Usage falls back under this share of the limit before sending resumes.
_RESUME_AT_PERCENT = 75.0

OUTSIDE_WINDOW_SUBCODE = 2018278
_RECONNECT_CODES = frozenset({102, 190})
_THROTTLED_CODES = frozenset({4, 17, 32, 341, 613, *range(80001, 80015)})
_TRANSIENT_CODES = frozenset({1, 2})
_MAX_META_MESSAGE = 500

RECONNECT_ADVICE = Text("Be en administratör koppla sidan igen: inbox pages connect <sida>.")


class Outcome(StrEnum):
    """What the sender does next."""

    RECONNECT = "reconnect"  # stop sending for the page, tell the administrators
    PERMISSION = "permission"  # a permission is missing: shown to the administrators
    THROTTLED = "throttled"  # wait retry_after_seconds, then try again
    RETRY = "retry"  # try again soon, with jitter
    FAIL = "fail"  # this send will never succeed: tell the person who wrote it


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    code: int | None
    subcode: int | None
    retry_after_seconds: int | None
    message: Text
    advice: Text
    # Meta's own words (English, trimmed) and its trace id, for the logs.
    meta_message: str = ""
    fbtrace_id: str | None = None

    @property
    def message_sv(self) -> str:
        return str(self.message)

    @property
    def advice_sv(self) -> str:
        return str(self.advice)

    @property
    def may_retry(self) -> bool:
        """Whether sending the same request again can succeed by itself."""
        return self.outcome in (Outcome.THROTTLED, Outcome.RETRY)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _error_of(body: object) -> Mapping[str, object]:
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    if not isinstance(body, Mapping):
        return {}
    error = body.get("error")
    return error if isinstance(error, Mapping) else {}


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None


def _json_header(headers: Mapping[str, str] | None, name: str) -> object:
    raw = _header(headers, name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _usage_entries(headers: Mapping[str, str] | None) -> list[Mapping[str, object]]:
    """The usage objects of both headers, each a dict of figures."""
    entries: list[Mapping[str, object]] = []
    app = _json_header(headers, "X-App-Usage")
    if isinstance(app, Mapping):
        entries.append(app)
    business = _json_header(headers, "X-Business-Use-Case-Usage")
    if isinstance(business, Mapping):
        # {"<business-object-id>": [{"type", "call_count", ..., "estimated_time_to_regain_access"}]}
        for uses in business.values():
            if isinstance(uses, list):
                entries.extend(use for use in uses if isinstance(use, Mapping))
            elif isinstance(uses, Mapping):
                entries.append(uses)
    return entries


def throttle_seconds(headers: Mapping[str, str] | None) -> int:
    """How long to wait, from Meta's usage headers.

    Meta's own ``estimated_time_to_regain_access`` (minutes) wins; then a
    ``Retry-After`` header in seconds; then the usage percentages: over a
    rolling hour, falling from ``p`` % back to 75 % of the limit takes about
    ``(p - 75)`` % of the hour. Without any figure, five minutes.
    """
    entries = _usage_entries(headers)
    minutes = [_number(entry.get("estimated_time_to_regain_access")) for entry in entries]
    regain = max((m for m in minutes if m is not None), default=0.0)
    if regain > 0:
        return min(MAX_THROTTLE_SECONDS, max(60, math.ceil(regain * 60)))
    retry_after = _number(_header(headers, "Retry-After"))
    if retry_after is not None and retry_after > 0:
        return min(MAX_THROTTLE_SECONDS, math.ceil(retry_after))
    percents = [
        _number(entry.get(field))
        for entry in entries
        for field in ("call_count", "total_cputime", "total_time")
    ]
    used = max((p for p in percents if p is not None), default=None)
    if used is None:
        return DEFAULT_THROTTLE_SECONDS
    decay = math.ceil(MAX_THROTTLE_SECONDS * (used - _RESUME_AT_PERCENT) / 100)
    return min(MAX_THROTTLE_SECONDS, max(DEFAULT_THROTTLE_SECONDS, decay))


def backoff_seconds(attempt: int, jitter: float, *, base: int = 30, cap: int = 30 * 60) -> int:
    """The wait before retry number ``attempt`` (1, 2, ...): exponential, full jitter.

    ``jitter`` is a number in [0, 1) that the caller draws; the core draws none.
    """
    ceiling = min(cap, base << min(max(0, attempt - 1), 32))
    share = min(max(jitter, 0.0), 1.0)
    return max(1, round(ceiling * share))


def classify(status: int, body: object = None, headers: Mapping[str, str] | None = None) -> Verdict:
    """The verdict on one failed call: its HTTP status, its body (parsed JSON,
    or the raw text/bytes) and its response headers."""
    error = _error_of(body)
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    raw_message = error.get("message")
    meta_message = raw_message[:_MAX_META_MESSAGE] if isinstance(raw_message, str) else ""
    raw_trace = error.get("fbtrace_id")
    fbtrace_id = raw_trace if isinstance(raw_trace, str) and raw_trace else None
    transient = error.get("is_transient") is True

    def make(
        outcome: Outcome, message: Text, advice: Text, retry_after: int | None = None
    ) -> Verdict:
        return Verdict(
            outcome=outcome,
            code=code,
            subcode=subcode,
            retry_after_seconds=retry_after,
            message=message,
            advice=advice,
            meta_message=meta_message,
            fbtrace_id=fbtrace_id,
        )

    if code in _RECONNECT_CODES:
        return make(
            Outcome.RECONNECT, Text("Meta godkänner inte sidans token längre."), RECONNECT_ADVICE
        )
    if subcode == OUTSIDE_WINDOW_SUBCODE:
        return make(
            Outcome.FAIL,
            Text("Meddelandet kan inte skickas: det är för länge sedan personen skrev till sidan."),
            Text("Svara i stället i en kommentar, eller vänta tills personen skriver igen."),
        )
    if code == 10 or (code is not None and 200 <= code <= 299):
        return make(
            Outcome.PERMISSION,
            Text("Sidan saknar en behörighet hos Meta för att göra det här."),
            Text(
                "Be en administratör koppla sidan igen och godkänna alla behörigheter: "
                "inbox pages connect <sida>."
            ),
        )
    if code in _THROTTLED_CODES or (code is None and status == 429):
        wait = throttle_seconds(headers)
        return make(
            Outcome.THROTTLED,
            Text("Meta tar emot för många anrop just nu och har bromsat sidan."),
            Text(
                "Inget att göra: svaret skickas igen om ungefär %(minutes)s minuter.",
                minutes=max(1, round(wait / 60)),
            ),
            wait,
        )
    if code in _TRANSIENT_CODES or transient or (code is None and status >= 500):
        return make(
            Outcome.RETRY,
            Text("Meta hade ett tillfälligt fel."),
            Text("Inget att göra: svaret skickas igen om en liten stund."),
        )
    if code == 100:
        return make(
            Outcome.FAIL,
            Text("Det som svaret gäller finns inte längre hos Meta, eller går inte att nå."),
            Text(
                "Kontrollera på Facebook eller Instagram om inlägget eller kommentaren är "
                "borttagen."
            ),
        )
    if code == 551:
        return make(
            Outcome.FAIL,
            Text("Personen går inte att nå i Messenger just nu."),
            Text(
                "Personen kan ha stängt av meddelanden från sidan. Svara på annat sätt om det "
                "behövs."
            ),
        )
    if status >= 500:
        return make(
            Outcome.RETRY,
            Text("Meta hade ett tillfälligt fel."),
            Text("Inget att göra: svaret skickas igen om en liten stund."),
        )
    return make(
        Outcome.FAIL,
        Text("Meta tog inte emot svaret."),
        Text(
            "Försök igen senare eller svara direkt på Facebook eller Instagram. "
            "Visa felkoden för en administratör om det upprepas."
        ),
    )
