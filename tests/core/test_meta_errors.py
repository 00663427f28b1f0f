"""Every Graph API error the sender meets becomes the right verdict, whatever the input's shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inbox.core.meta_errors import (
    DEFAULT_THROTTLE_SECONDS,
    MAX_THROTTLE_SECONDS,
    Outcome,
    Verdict,
    backoff_seconds,
    classify,
    throttle_seconds,
)


def body(code: Any = None, subcode: Any = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"message": "(#x) something", "type": "OAuthException"}
    if code is not None:
        error["code"] = code
    if subcode is not None:
        error["error_subcode"] = subcode
    error.update(extra)
    return {"error": error}


CASES = [
    # (status, body, outcome)
    (400, body(190), Outcome.RECONNECT),
    (400, body(190, 460), Outcome.RECONNECT),
    (401, body(190, 463), Outcome.RECONNECT),
    (400, body(102), Outcome.RECONNECT),
    (403, body(10), Outcome.PERMISSION),
    (403, body(200), Outcome.PERMISSION),
    (403, body(230), Outcome.PERMISSION),
    (403, body(299), Outcome.PERMISSION),
    (400, body(10, 2018278), Outcome.FAIL),
    (400, body(4), Outcome.THROTTLED),
    (400, body(17), Outcome.THROTTLED),
    (400, body(32), Outcome.THROTTLED),
    (400, body(341), Outcome.THROTTLED),
    (400, body(613), Outcome.THROTTLED),
    (400, body(80001), Outcome.THROTTLED),
    (400, body(80002), Outcome.THROTTLED),
    (400, body(80006), Outcome.THROTTLED),
    (429, None, Outcome.THROTTLED),
    (500, body(1), Outcome.RETRY),
    (500, body(2), Outcome.RETRY),
    (400, body(2, 2018344), Outcome.RETRY),
    (400, body(9999, is_transient=True), Outcome.RETRY),
    (400, body(100, 33), Outcome.FAIL),
    (400, body(100), Outcome.FAIL),
    (400, body(551), Outcome.FAIL),
    (400, body(12345), Outcome.FAIL),
    (404, None, Outcome.FAIL),
    (500, None, Outcome.RETRY),
    (502, "<html>Bad Gateway</html>", Outcome.RETRY),
    (503, b"", Outcome.RETRY),
    (500, body(12345), Outcome.RETRY),
]


@pytest.mark.parametrize(("status", "payload", "outcome"), CASES)
def test_each_code_has_its_outcome(status: int, payload: object, outcome: Outcome) -> None:
    verdict = classify(status, payload)
    assert verdict.outcome is outcome
    assert verdict.message_sv
    assert verdict.advice_sv
    assert verdict.may_retry is (outcome in (Outcome.THROTTLED, Outcome.RETRY))
    assert (verdict.retry_after_seconds is not None) is (outcome is Outcome.THROTTLED)


def test_the_verdict_keeps_code_subcode_and_metas_words() -> None:
    verdict = classify(400, body(190, 460, fbtrace_id="EJplcsCHuLu"))
    assert (verdict.code, verdict.subcode, verdict.fbtrace_id) == (190, 460, "EJplcsCHuLu")
    assert verdict.meta_message == "(#x) something"
    assert verdict.message_sv == "Meta godkänner inte sidans token längre."
    assert "inbox pages connect" in verdict.advice_sv
    with pytest.raises(AttributeError):
        verdict.code = 1  # type: ignore[misc]


def test_outside_the_window_is_a_failure_not_a_permission() -> None:
    verdict = classify(400, body(10, 2018278))
    assert verdict.outcome is Outcome.FAIL
    assert "för länge sedan" in verdict.message_sv


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "",
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        42,
        [],
        {"error": "a string"},
        {"error": None},
        {"error": {"code": "abc"}},
        {"error": {"code": True}},
        {"error": {"code": None, "error_subcode": {"x": 1}}},
        {"error": {"code": 1.5}},
        {"error": {"message": 7, "fbtrace_id": 9}},
    ],
)
def test_malformed_bodies_fall_back_on_the_status(payload: object) -> None:
    assert classify(400, payload).outcome is Outcome.FAIL
    assert classify(503, payload).outcome is Outcome.RETRY
    verdict = classify(400, payload)
    assert (verdict.code, verdict.meta_message, verdict.fbtrace_id) == (None, "", None)


def test_bodies_as_text_or_bytes_and_codes_as_strings_are_read() -> None:
    assert classify(400, json.dumps(body(190))).outcome is Outcome.RECONNECT
    assert classify(400, json.dumps(body(551)).encode()).outcome is Outcome.FAIL
    assert classify(400, body("613")).outcome is Outcome.THROTTLED
    assert classify(400, body(10, "2018278")).outcome is Outcome.FAIL


def test_is_transient_must_be_true_itself() -> None:
    assert classify(400, body(9999, is_transient="true")).outcome is Outcome.FAIL
    assert classify(400, body(9999, is_transient=False)).outcome is Outcome.FAIL


def test_meta_message_is_trimmed() -> None:
    long = {"error": {"code": 100, "message": "x" * 5000}}
    assert len(classify(400, long).meta_message) == 500


BUC = "X-Business-Use-Case-Usage"


def buc(**figures: Any) -> str:
    return json.dumps({"112233": [{"type": "pages", **figures}]})


HEADER_CASES = [
    # (headers, seconds)
    (None, DEFAULT_THROTTLE_SECONDS),
    ({}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: buc(call_count=100, estimated_time_to_regain_access=12)}, 12 * 60),
    ({BUC.lower(): buc(estimated_time_to_regain_access=3)}, 3 * 60),
    ({BUC: buc(estimated_time_to_regain_access=0.2)}, 60),
    ({BUC: buc(estimated_time_to_regain_access=600)}, MAX_THROTTLE_SECONDS),
    (
        {
            BUC: json.dumps(
                {
                    "1": [{"estimated_time_to_regain_access": 2}],
                    "2": [{"estimated_time_to_regain_access": 9}],
                }
            )
        },
        9 * 60,
    ),
    ({BUC: buc(call_count=100, estimated_time_to_regain_access=0)}, 900),
    ({"X-App-Usage": json.dumps({"call_count": 100, "total_time": 20})}, 900),
    ({"X-App-Usage": json.dumps({"call_count": 150})}, 2700),
    ({"X-App-Usage": json.dumps({"call_count": 400})}, MAX_THROTTLE_SECONDS),
    ({"X-App-Usage": json.dumps({"call_count": 30})}, DEFAULT_THROTTLE_SECONDS),
    ({"X-App-Usage": json.dumps({"total_cputime": "120"})}, 1620),
    ({"Retry-After": "90"}, 90),
    ({"X-App-Usage": "{not json"}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: "[]"}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: json.dumps({"1": "x"})}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: json.dumps({"1": ["x", {"call_count": "lots"}]})}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: buc(estimated_time_to_regain_access=-5)}, DEFAULT_THROTTLE_SECONDS),
    ({BUC: buc(estimated_time_to_regain_access="NaN")}, DEFAULT_THROTTLE_SECONDS),
    ({"X-App-Usage": json.dumps({"call_count": True})}, DEFAULT_THROTTLE_SECONDS),
    ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, DEFAULT_THROTTLE_SECONDS),
]


@pytest.mark.parametrize(("headers", "seconds"), HEADER_CASES)
def test_the_wait_comes_from_the_usage_headers(
    headers: dict[str, str] | None, seconds: int
) -> None:
    assert throttle_seconds(headers) == seconds
    verdict = classify(400, body(80001), headers)
    assert verdict.outcome is Outcome.THROTTLED
    assert verdict.retry_after_seconds == seconds


def test_the_throttle_advice_names_the_wait() -> None:
    verdict: Verdict = classify(400, body(4), {BUC: buc(estimated_time_to_regain_access=12)})
    assert "12 minuter" in verdict.advice_sv


def test_usage_headers_do_not_matter_to_other_outcomes() -> None:
    headers = {BUC: buc(estimated_time_to_regain_access=12)}
    assert classify(400, body(190), headers).retry_after_seconds is None
    assert classify(500, None, headers).retry_after_seconds is None


@pytest.mark.parametrize(
    ("attempt", "jitter", "seconds"),
    [
        (1, 0.5, 15),
        (1, 0.0, 1),
        (2, 0.999, 60),
        (3, 0.5, 60),
        (20, 0.5, 900),
        (10_000, 1.0, 1800),
        (0, 0.5, 15),
        (1, 7.0, 30),
        (1, -3.0, 1),
    ],
)
def test_backoff_is_exponential_with_the_callers_jitter(
    attempt: int, jitter: float, seconds: int
) -> None:
    assert backoff_seconds(attempt, jitter) == seconds
