"""One typed settings object, read from the environment (prefix ``INBOX_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development


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
    database_url: str = "sqlite:///inbox.db"
    rules_dir: Path = PROJECT_ROOT / "rules"
    templates_dir: Path = PROJECT_ROOT / "templates"
    static_dir: Path = PROJECT_ROOT / "static"
    secret_key: str = DEV_SECRET
    base_url: str = "http://127.0.0.1:8000"
    # Display defaults; storage is always UTC.
    timezone: str = "Europe/Stockholm"
    language: str = "sv"
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
    # The lease that lets one scheduler run at a time: renewed every renew
    # seconds, taken over by another process once it is lease seconds old.
    scheduler_lease_seconds: float = Field(default=45.0, gt=0)
    scheduler_renew_seconds: float = Field(default=15.0, gt=0)
    # Meta webhooks: the app secret signs deliveries, the verify token answers the
    # subscription handshake. Empty means not configured: every request is refused.
    meta_app_secret: str = ""
    meta_verify_token: str = ""
    # Turn stored deliveries into items inside the web process (off: only the CLI does).
    process_deliveries: bool = True

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # A development secret in production would let anyone forge session cookies.
        if self.environment != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("INBOX_SECRET_KEY must be set outside development")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
