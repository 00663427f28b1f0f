"""Settings that protect the installation: the secret key, the trusted proxies."""

from __future__ import annotations

import ipaddress
import re
import secrets

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from inbox.cli.main import main
from inbox.core.token_box import TokenKeyError
from inbox.settings import DEV_SECRET, Settings
from tests.paths import REPO

WEAK_KEYS = [
    "",
    "x",
    DEV_SECRET,
    "correct horse battery staple",  # 28 characters
    secrets.token_urlsafe(24)[:42],  # one character short of 32 bytes of base64
    secrets.token_hex(31),  # 62 hex digits: 31 bytes
    "a" * 64,
    "ab" * 40,
    "0123456789" * 5,  # 50 characters, ten different ones
]


@pytest.mark.parametrize("key", WEAK_KEYS)
def test_production_refuses_a_weak_secret_key(key: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(environment="production", secret_key=key)
    message = str(raised.value)
    assert "INBOX_SECRET_KEY" in message
    assert "secrets.token_urlsafe(32)" in message


@pytest.mark.parametrize("key", [secrets.token_urlsafe(32), secrets.token_hex(32)])
def test_production_accepts_32_random_bytes(key: str) -> None:
    settings = Settings(environment="production", secret_key=key, token_key=TOKEN_KEY)
    assert settings.secret_key == key


TOKEN_KEY = Fernet.generate_key().decode()


def test_production_refuses_to_start_without_a_token_key() -> None:
    with pytest.raises(ValidationError, match="INBOX_TOKEN_KEY is required"):
        Settings(environment="production", secret_key=secrets.token_urlsafe(32))


@pytest.mark.parametrize("bad", ["", "x" * 44, "not a key", secrets.token_hex(32)])
def test_a_token_key_that_is_not_a_fernet_key_is_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="not a Fernet key"):
        Settings(token_key=bad)


def test_tokens_sealed_under_one_key_do_not_open_under_another() -> None:
    sealed = Settings(token_key=TOKEN_KEY).token_box().seal("EAAB-page-token")
    assert "EAAB" not in sealed
    assert Settings(token_key=TOKEN_KEY).token_box().open(sealed) == "EAAB-page-token"
    with pytest.raises(TokenKeyError):
        Settings(token_key=Fernet.generate_key().decode()).token_box().open(sealed)
    assert Settings().token_box().open(Settings().token_box().seal("t")) == "t"  # development


def test_development_keeps_its_default_secret() -> None:
    assert Settings().secret_key == DEV_SECRET


def test_the_command_line_says_how_to_make_a_key_and_does_not_echo_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INBOX_ENVIRONMENT", "production")
    monkeypatch.setenv("INBOX_SECRET_KEY", "hunter2-hunter2")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert "INBOX_SECRET_KEY is too short (15 characters)" in err
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in err
    assert "hunter2" not in err
    assert "Traceback" not in err


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().trusted_proxies == []
    monkeypatch.setenv("INBOX_TRUSTED_PROXIES", "10.0.0.5, 192.168.0.0/24,::1")
    assert Settings().trusted_proxies == [
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("192.168.0.0/24"),
        ipaddress.ip_network("::1/128"),
    ]
    monkeypatch.setenv("INBOX_TRUSTED_PROXIES", "10.0.0.5, proxy.local")
    with pytest.raises(ValidationError, match=r"'proxy\.local' is not an IP address or network"):
        Settings()


def test_every_setting_is_documented_and_every_documented_one_exists() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`(INBOX_[A-Z0-9_]+)`", readme))
    # Names of the test suite's own variables, documented with the tests.
    documented -= {"INBOX_TEST_DATABASE_URL"}
    settings = {f"INBOX_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set(), "settings missing from the README"
    assert documented - settings == set(), "the README documents settings that do not exist"


def test_every_setting_is_read_somewhere() -> None:
    # ``settings.x`` or ``self.x`` (a validator): the field definitions do not match.
    code = "\n".join(path.read_text(encoding="utf-8") for path in (REPO / "inbox").rglob("*.py"))
    unused = {name for name in Settings.model_fields if not re.search(rf"\.{name}\b", code)}
    assert unused == set()
