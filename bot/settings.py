"""Settings: environment variables (and an optional .env file), validated once at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.channel_settings import (
    ChannelSettings,
    MessengerSettings,
    TelegramSettings,
    ZaloBotSettings,
    ZaloOASettings,
    empty_is_none,
)

DEFAULT_DB = Path("var") / "ward-assistant.sqlite3"
ROLES = ("web", "sender", "scheduler")
SCHEMA_PATTERN = r"^[a-z_][a-z0-9_]{0,62}$"  # safe to quote into SET search_path


class Settings(BaseSettings):
    """Everything configurable about a running assistant."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # The channel groups keep the flat variable names: the group `zalo_oa` takes the
        # variables named ZALO_OA_..., and the rest of the name, not split again, is the
        # field (ZALO_OA_APP_ID: zalo_oa.app_id). Other settings are not groups: unaffected.
        env_nested_delimiter="_",
        env_nested_max_split=1,
    )

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
    # TELEGRAM_BOT_TOKEN, TELEGRAM_RATE, ...: see model_config.
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    zalo_bot: ZaloBotSettings = Field(default_factory=ZaloBotSettings)
    zalo_oa: ZaloOASettings = Field(default_factory=ZaloOASettings)
    messenger: MessengerSettings = Field(default_factory=MessengerSettings)
    behind_proxy: bool = Field(
        default=False,
        description="Trust X-Forwarded-For/-Proto from the reverse proxy (rate limits by the "
        "visitor's address, not the proxy's).",
    )
    inbox_workers: int = Field(
        default=4, ge=1, le=64, description="Updates handled at the same time per process."
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

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            # A channel setting's error names it as its variable does: the command line
            # reports TELEGRAM_RATE (not TELEGRAM.RATE), the wards file telegram_rate.
            raise _flat_names(exc) from None

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

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return empty_is_none(value)

    @model_validator(mode="before")
    @classmethod
    def _grouped(cls, data: object) -> object:
        """Settings(telegram_bot_token=...) would be ignored like any unknown name: the
        channel settings are grouped, Settings(telegram={"bot_token": ...})."""
        if isinstance(data, dict):
            flat = sorted(set(data) & set(channel_keys()))
            if flat:
                group, name = channel_keys()[flat[0]]
                raise ValueError(f"{flat[0]} is now {group}={{{name!r}: ...}}")
        return data

    @classmethod
    def channel_groups(cls) -> dict[str, type[ChannelSettings]]:
        """Each channel's settings group by field name: {"telegram": TelegramSettings, ...}."""
        return {
            name: field.annotation
            for name, field in cls.model_fields.items()
            if isinstance(field.annotation, type) and issubclass(field.annotation, ChannelSettings)
        }

    def secrets(self) -> list[str]:
        """Every secret value, for the log filter."""
        values = [v for group in self.channel_groups() for v in getattr(self, group).secrets()]
        if self.metrics_token is not None:
            values.append(self.metrics_token.get_secret_value())
        return values

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

    def public_root(self) -> str:
        """The public URL without a trailing slash."""
        assert self.public_url is not None
        return str(self.public_url).rstrip("/")


def channel_keys() -> dict[str, tuple[str, str]]:
    """Each channel setting by its flat name, the way its variable and the wards file spell
    it: {"telegram_bot_token": ("telegram", "bot_token"), ...}."""
    return {
        f"{group}_{name}": (group, name)
        for group, model in Settings.channel_groups().items()
        for name in model.model_fields
    }


def _flat_names(exc: ValidationError) -> ValidationError:
    groups = Settings.channel_groups()
    errors = [
        {**error, "loc": (f"{loc[0]}_{loc[1]}", *loc[2:])}
        if len(loc := error["loc"]) > 1 and loc[0] in groups
        else error
        for error in exc.errors()
    ]
    return ValidationError.from_exception_data(exc.title, errors)  # type: ignore[arg-type]


def settings_problems(error: ValidationError) -> str:
    """A bad variable, named as it is set: "TELEGRAM_RATE: ..."."""
    return "\n".join(
        f"  {'.'.join(map(str, e['loc'])).upper() or 'SETTINGS'}: {e['msg']}"
        for e in error.errors()
    )
