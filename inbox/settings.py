"""One typed settings object, read from the environment (prefix ``INBOX_``)."""

from __future__ import annotations

import ipaddress
import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from inbox.core.token_box import TokenBox, check_key, development_key
from inbox.store.quick import DEFAULT_DATABASE_URL

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# What the package ships: templates, static files and the example organisation's
# rules live inside it, so an installed wheel finds them (settings may point elsewhere).
PACKAGE = Path(str(files("inbox")))
DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development
# 32 random bytes: 43 characters of URL-safe base64, or 64 hexadecimal digits.
SECRET_MIN_CHARS = 43
SECRET_MIN_HEX_DIGITS = 64
# A random key of that length has far more distinct characters than this.
SECRET_MIN_DISTINCT = 12
HOW_TO_GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign session cookies in production, or None."""
    if key == DEV_SECRET:
        return "INBOX_SECRET_KEY must be set outside development"
    hexadecimal = bool(key) and set(key) <= HEX_DIGITS
    needed = SECRET_MIN_HEX_DIGITS if hexadecimal else SECRET_MIN_CHARS
    if len(key) < needed:
        kind = "hexadecimal digits" if hexadecimal else "characters"
        return (
            f"INBOX_SECRET_KEY is too short ({len(key)} {kind}): outside development it must hold "
            f"at least 32 random bytes ({SECRET_MIN_CHARS} characters of URL-safe base64 "
            f"or {SECRET_MIN_HEX_DIGITS} hexadecimal digits)"
        )
    if len(set(key)) < SECRET_MIN_DISTINCT:
        return (
            f"INBOX_SECRET_KEY uses only {len(set(key))} different characters: "
            "it does not look random"
        )
    return None


class MailboxSettings(BaseModel):
    """How to reach one mailbox page's IMAP folder, and which addresses are our own."""

    host: str
    port: int = Field(default=993, ge=1, le=65535)
    user: str
    password: SecretStr
    ssl: bool = True
    folder: str = "INBOX"
    # The mailbox's own address; mail from it (or from own_addresses) in a thread is
    # our reply. Defaults to the login name when that is an address.
    address: str | None = None
    own_addresses: list[str] = Field(default_factory=list)
    timeout: float = Field(default=30.0, gt=0)

    def own(self) -> frozenset[str]:
        found = [*self.own_addresses, self.address or (self.user if "@" in self.user else "")]
        return frozenset(a.strip().lower() for a in found if a.strip())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INBOX_", extra="ignore")

    environment: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    rules_dir: Path = PACKAGE / "default_rules"
    templates_dir: Path = PACKAGE / "web" / "templates"
    static_dir: Path = PACKAGE / "web" / "static"
    secret_key: str = DEV_SECRET
    base_url: str = "http://127.0.0.1:8000"
    # Mailbox pages by page key, as JSON: {"kontakt": {"host": ..., "user": ..., ...}}.
    mailboxes: dict[str, MailboxSettings] = Field(default_factory=dict)
    # Outgoing mail (notifications).
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_from: str = "inbox@localhost"
    smtp_timeout: float = 10.0
    webhook_timeout: float = 10.0
    # Notifications: attempts before giving up, and the first retry delay (doubling).
    outbox_max_attempts: int = Field(default=10, ge=1, le=100)
    outbox_backoff_seconds: float = Field(default=30.0, gt=0)
    # The scheduler: "on" runs it inside `inbox serve`, "off" leaves it to
    # `inbox scheduler` (or to nobody).
    scheduler: Literal["on", "off"] = "on"
    scheduler_sweep_seconds: float = Field(default=60.0, gt=0)
    scheduler_outbox_seconds: float = Field(default=15.0, gt=0)
    scheduler_poll_seconds: float = Field(default=300.0, gt=0)
    # Retention (rules/retention.toml) and the person index catching up.
    scheduler_retention_seconds: float = Field(default=3600.0, gt=0)
    # The lease that lets one scheduler run at a time: renewed every renew
    # seconds, taken over by another process once it is lease seconds old.
    scheduler_lease_seconds: float = Field(default=45.0, gt=0)
    scheduler_renew_seconds: float = Field(default=15.0, gt=0)
    # Meta webhooks: the app secret signs deliveries, the verify token answers the
    # subscription handshake. Empty means not configured: every request is refused.
    meta_app_secret: str = ""
    meta_verify_token: str = ""
    # The Graph API that replies and moderation go to: the bare base URL, and the
    # pinned version in Meta's notation (tests and staging point elsewhere).
    meta_graph_url: str = "https://graph.facebook.com"
    meta_graph_version: str = Field(default="v26.0", pattern=r"^v\d+\.\d+$")
    # Page access tokens are stored sealed with this Fernet key (as
    # Fernet.generate_key() prints it). Required outside development.
    token_key: SecretStr | None = None
    # How often the scheduler sends queued replies and moderation.
    scheduler_outbound_seconds: float = Field(default=2.0, gt=0)
    # Turn stored deliveries into items inside the web process (off: only the CLI does).
    process_deliveries: bool = True
    # Sign-in attempts per minute for the whole process, over every account and
    # address (the per-account lockout comes on top).
    login_global_per_minute: int = Field(default=30, ge=1, le=100_000)
    # Reverse proxies whose X-Forwarded-For is believed, as addresses or networks
    # separated by commas ("10.0.0.5, 192.168.0.0/24"). Empty: the peer is the client.
    trusted_proxies: Annotated[list[Network], NoDecode] = Field(default_factory=list)

    # The organisation's management: each receives the weekly figures (the
    # dashboard's lead: response rate, median response time, share within the target
    # and breaches, against the week before), addresses separated by commas.
    management_emails: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("management_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            for part in value:
                if not re.fullmatch(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+", str(part)):
                    raise ValueError(
                        f"INBOX_MANAGEMENT_EMAILS: {str(part)!r} is not an e-mail address"
                    )
            return [str(part).lower() for part in value]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            networks: list[Network] = []
            for part in value:
                try:
                    networks.append(ipaddress.ip_network(str(part).strip(), strict=False))
                except ValueError:
                    raise ValueError(
                        f"INBOX_TRUSTED_PROXIES: {str(part)!r} is not an IP address or network"
                    ) from None
            return networks
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # A development or guessable secret in production would let anyone forge
        # session cookies.
        if self.environment != "development":
            problem = secret_key_problem(self.secret_key)
            if problem:
                raise ValueError(f"{problem}; generate one with: {HOW_TO_GENERATE}")
            if self.token_key is None:
                raise ValueError(
                    "INBOX_TOKEN_KEY is required outside development (page tokens are "
                    'stored sealed with it); generate one with: python -c "from '
                    'cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
                )
        if self.token_key is not None:
            check_key(self.token_key.get_secret_value())
        return self

    def token_box(self) -> TokenBox:
        """Seals and opens page tokens (a key derived from the secret in development)."""
        if self.token_key is not None:
            return TokenBox(self.token_key.get_secret_value())
        return TokenBox(development_key(self.secret_key))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
