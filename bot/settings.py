"""Settings: environment variables (and an optional .env file), validated once at start."""

from __future__ import annotations

import hashlib
import hmac
import re
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DB = Path("var") / "ward-assistant.sqlite3"
ROLES = ("web", "sender", "scheduler")
SECRET_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,256}$"  # Telegram's rule for webhook secret tokens
SCHEMA_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"  # safe to quote into SET search_path
# What identifies a bot account and lets us act as it (each ward of a deployment has its own).
ACCOUNT_CREDENTIALS = (
    "telegram_bot_token",
    "telegram_webhook_secret",
    "zalo_bot_token",
    "zalo_bot_webhook_secret",
    "zalo_oa_app_id",
    "zalo_oa_secret_key",
    "zalo_oa_app_secret",
    "zalo_oa_access_token",
    "zalo_oa_refresh_token",
)


class Settings(BaseSettings):
    """Everything configurable about a running assistant."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_DB}",
        description="SQLite file by default; postgresql://... for PostgreSQL.",
    )
    database_schema: str | None = Field(
        default=None,
        description="PostgreSQL schema holding this ward's tables (default: the search_path).",
    )
    ward: str = Field(default="dak-bla", description="Ward file in content/wards/ to use.")
    wards_file: Path | None = Field(
        default=None,
        description="YAML file listing the wards this deployment serves, each with its host "
        "name and bot accounts (see deploy/wards.example.yaml); WARD and the channel "
        "settings then come from it.",
    )
    log_level: str = Field(default="INFO")
    log_format: str = Field(default="text", description="text, or json: one JSON object a line.")
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for GET /metrics; without it only loopback clients are served.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server listens on.")
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: AnyHttpUrl | None = Field(
        default=None, description="Public https root of this server; enables webhook mode."
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://api.telegram.org"))
    telegram_webhook_secret: SecretStr | None = None
    telegram_staff_chat_id: str | None = Field(
        default=None, description="Telegram group of ward staff that gets each new feedback."
    )
    zalo_bot_token: SecretStr | None = None
    zalo_bot_api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://bot-api.zaloplatforms.com"))
    zalo_bot_webhook_secret: SecretStr | None = None
    zalo_oa_app_id: str | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_oa_app_secret: SecretStr | None = Field(
        default=None, description="App Secret for OAuth token refresh (default: the OA key)."
    )
    zalo_oa_access_token: SecretStr | None = None
    zalo_oa_refresh_token: SecretStr | None = None
    zalo_oa_api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://openapi.zalo.me"))
    zalo_oa_oauth_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://oauth.zaloapp.com"))
    zalo_oa_webhook_max_age: int = Field(
        default=600, ge=30, description="Seconds an OA event may be old before it is refused."
    )
    zalo_oa_max_buttons: int = Field(
        default=5, ge=0, le=10, description="Buttons per OA message; the rest stay numbered."
    )
    behind_proxy: bool = Field(
        default=False,
        description="Trust X-Forwarded-For/-Proto from the reverse proxy (rate limits by the "
        "visitor's address, not the proxy's).",
    )
    inbox_workers: int = Field(
        default=4, ge=1, le=64, description="Updates handled at the same time per process."
    )
    telegram_rate: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="Telegram messages per second, replies and announcements together "
        "(Telegram's limit is about 30; paid broadcasts allow up to 1000).",
    )
    telegram_per_chat_interval: float = Field(
        default=1.0, ge=0, le=60, description="Seconds between two messages to one chat."
    )
    zalo_bot_rate: int = Field(
        default=10, ge=1, le=1000, description="Zalo Bot messages per second (undocumented)."
    )
    zalo_oa_rate: int = Field(
        default=10, ge=1, le=1000, description="Zalo OA messages per second (undocumented)."
    )
    outbox_concurrency: int = Field(
        default=32, ge=1, le=256, description="Messages in flight at once per channel."
    )
    outbox_dead_after: float = Field(
        default=60.0,
        ge=1,
        le=3600,
        description="Seconds without a heartbeat after which a sender's claimed messages "
        "are taken over by another (after a crash).",
    )
    outbox_idle_max: float | None = Field(
        default=None,
        ge=0.1,
        le=300,
        description="Longest pause between looks at an idle outbox (seconds; it starts at 2 "
        "and doubles while idle). Default: 2 for one ward, 15 with WARDS_FILE (many wards "
        "in one process would otherwise keep the database busy).",
    )
    outbox_retry_base: float = Field(
        default=30.0, ge=0.1, le=3600, description="First retry after a transient failure."
    )
    roles: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(ROLES),
        description="What this process does: web (HTTP, webhooks, handling messages), sender "
        "(the outbox), scheduler (announcements, reminders); comma-separated, all by default.",
    )
    retention_days: int = Field(
        default=365,
        ge=0,
        le=36500,
        description="Days residents' messages and unanswered questions are kept, and after "
        "which resolved feedback is anonymised; 0 keeps them until the resident erases them.",
    )
    webchat_allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins of ward websites allowed to embed the chat.",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("use a postgresql:// or sqlite:/// URL")
        return value

    @field_validator("database_schema")
    @classmethod
    def _schema_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(SCHEMA_PATTERN, value):
            raise ValueError("lower-case letters, digits and _, starting with a letter or _")
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR")
        return level

    @field_validator("log_format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value.lower() not in {"text", "json"}:
            raise ValueError("text or json")
        return value.lower()

    @field_validator(*ACCOUNT_CREDENTIALS, "metrics_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("telegram_webhook_secret", "zalo_bot_webhook_secret")
    @classmethod
    def _secret_chars(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(SECRET_TOKEN_PATTERN, value.get_secret_value()):
            raise ValueError("1-256 characters among A-Z, a-z, 0-9, _ and -")
        if value is not None and len(value.get_secret_value()) < 8:
            raise ValueError("at least 8 characters (Zalo's minimum; safer for Telegram too)")
        return value

    @model_validator(mode="after")
    def _zalo_oa_complete(self) -> Settings:
        needed = {
            "ZALO_OA_APP_ID": self.zalo_oa_app_id,
            "ZALO_OA_SECRET_KEY": self.zalo_oa_secret_key,
            "ZALO_OA_ACCESS_TOKEN": self.zalo_oa_access_token,
            "ZALO_OA_REFRESH_TOKEN": self.zalo_oa_refresh_token,
        }
        given = [name for name, value in needed.items() if value is not None]
        if given and len(given) < len(needed):
            missing = ", ".join(name for name in needed if name not in given)
            raise ValueError(f"Zalo OA needs all four settings; missing {missing}")
        return self

    @property
    def zalo_oa_enabled(self) -> bool:
        """The Official Account adapter runs when its four settings are given."""
        return self.zalo_oa_app_id is not None

    def zalo_bot_secret(self) -> str:
        """The Zalo Bot webhook secret: configured, or derived from the token (8-256 chars)."""
        if self.zalo_bot_webhook_secret is not None:
            return self.zalo_bot_webhook_secret.get_secret_value()
        assert self.zalo_bot_token is not None
        key = self.zalo_bot_token.get_secret_value().encode()
        return hmac.new(key, b"zalo-bot-webhook", hashlib.sha256).hexdigest()

    def secrets(self) -> list[str]:
        """Every secret value, for the log filter."""
        values = [
            self.telegram_bot_token,
            self.telegram_webhook_secret,
            self.zalo_bot_token,
            self.zalo_bot_webhook_secret,
            self.zalo_oa_secret_key,
            self.zalo_oa_app_secret,
            self.zalo_oa_access_token,
            self.zalo_oa_refresh_token,
            self.metrics_token,
        ]
        return [v.get_secret_value() for v in values if v is not None]

    @field_validator("roles", mode="before")
    @classmethod
    def _split_roles(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip().lower() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            unknown = [r for r in value if r not in ROLES]
            if unknown or not value:
                raise ValueError(f"roles among {', '.join(ROLES)}")
            return list(dict.fromkeys(value))
        return value

    @field_validator("webchat_allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        return value

    @property
    def webhook_mode(self) -> bool:
        """Channels receive webhooks when a public URL is set; otherwise they poll."""
        return self.public_url is not None

    def telegram_secret(self) -> str:
        """The webhook secret: the configured one, or one derived from the token, so that
        every process of a deployment agrees without extra configuration."""
        if self.telegram_webhook_secret is not None:
            return self.telegram_webhook_secret.get_secret_value()
        assert self.telegram_bot_token is not None
        key = self.telegram_bot_token.get_secret_value().encode()
        return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()

    def public_root(self) -> str:
        """The public URL without a trailing slash."""
        assert self.public_url is not None
        return str(self.public_url).rstrip("/")
