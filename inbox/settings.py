"""One typed settings object, read from the environment (prefix ``INBOX_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "development-only-secret-change-me"  # noqa: S105 - refused outside development


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
