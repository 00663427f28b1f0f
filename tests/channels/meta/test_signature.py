"""X-Hub-Signature-256: HMAC-SHA256 over the raw body, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from inbox.channels.meta.signature import expected_signature, verify_signature
from tests.paths import SHARED_FIXTURES

SECRET = "0123456789abcdef0123456789abcdef"
# Non-ASCII escaped the way Meta sends it: the signature covers these exact bytes.
BODY = (
    b'{"object":"page","entry":[{"id":"111","time":1700000000000,"messaging":[{"sender":'
    b'{"id":"222"},"recipient":{"id":"111"},"timestamp":1700000000000,"message":{"mid":'
    b'"m.1","text":"Hej! Var \\u00e4r parkeringen vid sjukhuset? \\u00c5\\u00e4\\u00f6"}}]}]}'
)
GOOD = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()

SHARED = SHARED_FIXTURES / "meta"
VECTOR = SHARED / "messenger-signed-escaped-unicode.body.json"
VECTOR_SECRET = "e6af24be1d683c8c911949f897eea1f6"
VECTOR_SIGNATURE = "sha256=7f202c12ba7dbbd1cb23d8a1b4af648fe22ea04456c0a926fcf8cb4e6da31ab4"


def test_expected_signature_is_hmac_sha256_hex() -> None:
    assert expected_signature(BODY, SECRET) == GOOD


@pytest.mark.parametrize(
    ("body", "header", "secret", "ok"),
    [
        (BODY, GOOD, SECRET, True),
        (BODY, GOOD.upper().replace("SHA256=", "sha256="), SECRET, True),
        (BODY, "SHA256=" + GOOD[7:], SECRET, True),
        (BODY, f"  {GOOD}  ", SECRET, True),
        (BODY, None, SECRET, False),
        (BODY, "", SECRET, False),
        (BODY, "sha256=", SECRET, False),
        (BODY, GOOD[7:], SECRET, False),
        (BODY, "sha1=" + GOOD[7:47], SECRET, False),
        (BODY, GOOD[:-1], SECRET, False),
        (BODY, GOOD + "0", SECRET, False),
        (BODY, GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), SECRET, False),
        (BODY, "sha256=" + "z" * 64, SECRET, False),
        (BODY, "sha256=" + "é" * 64, SECRET, False),
        (BODY, GOOD, SECRET + "x", False),
        (BODY, GOOD, "", False),
        (BODY + b"\n", GOOD, SECRET, False),
        (BODY.replace(b"\\u00e4", "ä".encode()), GOOD, SECRET, False),
        (b"", expected_signature(b"", SECRET), SECRET, True),
    ],
)
def test_verify_signature(body: bytes, header: str | None, secret: str, ok: bool) -> None:
    assert verify_signature(body, header, secret) is ok


def test_reserialised_body_no_longer_verifies() -> None:
    again = json.dumps(json.loads(BODY), separators=(",", ":"), ensure_ascii=False).encode()
    assert json.loads(again) == json.loads(BODY)
    assert not verify_signature(again, GOOD, SECRET)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared fixtures not present")
def test_shared_vector_verifies_with_documented_signature() -> None:
    raw = VECTOR.read_bytes()
    assert verify_signature(raw, VECTOR_SIGNATURE, VECTOR_SECRET)
    # The upstream SHA-1 header matches too, so the bytes are the upstream bytes.
    sha1 = hmac.new(VECTOR_SECRET.encode(), raw, hashlib.sha1).hexdigest()
    assert sha1 == "f1a4569dcf02a9829a15696d949b386b7d6d0272"
    again = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
    assert again != raw
    assert not verify_signature(again, VECTOR_SIGNATURE, VECTOR_SECRET)
