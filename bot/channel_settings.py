"""Each channel's settings, one group apiece: `Settings.telegram`, `.zalo_bot`, `.zalo_oa`,
`.messenger`.

The variables keep their flat names: TELEGRAM_BOT_TOKEN sets `telegram.bot_token` (see
`Settings.model_config`), and a wards file writes `telegram_bot_token` as before. Adding a
channel is one group here and one field of Settings; the wards file follows by itself.

No channel library is imported here: the settings load without python-telegram-bot.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Annotated, ClassVar

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)

SECRET_TOKEN_PATTERN = r"^[A-Za-z0-9_-]{1,256}$"  # Telegram's rule for webhook secret tokens


class _AccountMarker:
    """Marks a field as part of a ward's own bot account (`ChannelSettings.account_fields`)."""

    def __repr__(self) -> str:
        return "ACCOUNT"


ACCOUNT = _AccountMarker()


def empty_is_none(value: object) -> object:
    """`NAME=` with nothing after it (as a .env template leaves it) means not set."""
    return None if value in ("", None) else value


def _secret_chars(value: SecretStr | None) -> SecretStr | None:
    if value is not None and not re.fullmatch(SECRET_TOKEN_PATTERN, value.get_secret_value()):
        raise ValueError("1-256 characters among A-Z, a-z, 0-9, _ and -")
    if value is not None and len(value.get_secret_value()) < 8:
        raise ValueError("at least 8 characters (Zalo's minimum; safer for Telegram too)")
    return value


# What identifies a bot account and lets us act as it. Each ward of a deployment has its own:
# a multi-ward deployment never hands one ward the account set in the environment.
AccountId = Annotated[str | None, BeforeValidator(empty_is_none), ACCOUNT]
Credential = Annotated[SecretStr | None, BeforeValidator(empty_is_none), ACCOUNT]
# Sent back by the platform with each webhook call; both platforms restrict its characters.
WebhookSecret = Annotated[Credential, AfterValidator(_secret_chars)]


def _webhook_secret(configured: SecretStr | None, token: SecretStr | None, label: bytes) -> str:
    """The configured secret, or one derived from the token, so that every process of a
    deployment agrees without extra configuration (hex: 64 characters, valid on both)."""
    if configured is not None:
        return configured.get_secret_value()
    assert token is not None
    return hmac.new(token.get_secret_value().encode(), label, hashlib.sha256).hexdigest()


class ChannelSettings(BaseModel):
    """What every channel's group has: whether the channel is on, and its account fields."""

    # A misspelled TELEGRAM_... variable is ignored, like any other unknown variable. Frozen:
    # copies of the settings (one per ward, `model_copy`) share their groups.
    model_config = ConfigDict(extra="ignore", frozen=True)

    # The field that turns the channel on and names its bot account: two wards giving the
    # same value would share one account.
    key_field: ClassVar[str]
    label: ClassVar[str]  # the account in messages: "Telegram bot"

    @property
    def enabled(self) -> bool:
        """The adapter runs when its account is configured."""
        return getattr(self, self.key_field) is not None

    @classmethod
    def account_fields(cls) -> tuple[str, ...]:
        """The fields of a ward's own bot account (typed AccountId, Credential, WebhookSecret)."""
        return tuple(name for name, f in cls.model_fields.items() if ACCOUNT in f.metadata)

    def secrets(self) -> list[str]:
        """Every secret value of the group, for the log filter."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]


class TelegramSettings(ChannelSettings):
    """TELEGRAM_*: the ward's Telegram bot."""

    key_field: ClassVar[str] = "bot_token"
    label: ClassVar[str] = "Telegram bot"

    bot_token: Credential = None
    api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://api.telegram.org"))
    webhook_secret: WebhookSecret = None
    staff_chat_id: AccountId = Field(
        default=None, description="Telegram group of ward staff that gets each new feedback."
    )
    rate: int = Field(
        default=30,
        ge=1,
        le=1000,
        description="Telegram messages per second, replies and announcements together "
        "(Telegram's limit is about 30; paid broadcasts allow up to 1000).",
    )
    per_chat_interval: float = Field(
        default=1.0, ge=0, le=60, description="Seconds between two messages to one chat."
    )

    def secret(self) -> str:
        """The webhook secret Telegram sends back (configured, or derived from the token)."""
        return _webhook_secret(self.webhook_secret, self.bot_token, b"telegram-webhook")


class ZaloBotSettings(ChannelSettings):
    """ZALO_BOT_*: the ward's Zalo Bot."""

    key_field: ClassVar[str] = "token"
    label: ClassVar[str] = "Zalo Bot"

    token: Credential = None
    api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://bot-api.zaloplatforms.com"))
    webhook_secret: WebhookSecret = None
    rate: int = Field(
        default=10, ge=1, le=1000, description="Zalo Bot messages per second (undocumented)."
    )

    def secret(self) -> str:
        """The webhook secret Zalo sends back (configured, or derived from the token)."""
        return _webhook_secret(self.webhook_secret, self.token, b"zalo-bot-webhook")


class ZaloOASettings(ChannelSettings):
    """ZALO_OA_*: the ward's Zalo Official Account (its app's four settings, or none)."""

    key_field: ClassVar[str] = "app_id"
    label: ClassVar[str] = "Zalo OA"

    app_id: AccountId = None
    secret_key: Credential = None
    app_secret: Credential = Field(
        default=None, description="App Secret for OAuth token refresh (default: the OA key)."
    )
    access_token: Credential = None
    refresh_token: Credential = None
    api_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://openapi.zalo.me"))
    oauth_url: AnyHttpUrl = Field(default=AnyHttpUrl("https://oauth.zaloapp.com"))
    webhook_max_age: int = Field(
        default=600, ge=30, description="Seconds an OA event may be old before it is refused."
    )
    max_buttons: int = Field(
        default=5, ge=0, le=10, description="Buttons per OA message; the rest stay numbered."
    )
    rate: int = Field(
        default=10, ge=1, le=1000, description="Zalo OA messages per second (undocumented)."
    )

    @model_validator(mode="after")
    def _complete(self) -> ZaloOASettings:
        needed = {
            "ZALO_OA_APP_ID": self.app_id,
            "ZALO_OA_SECRET_KEY": self.secret_key,
            "ZALO_OA_ACCESS_TOKEN": self.access_token,
            "ZALO_OA_REFRESH_TOKEN": self.refresh_token,
        }
        given = [name for name, value in needed.items() if value is not None]
        if given and len(given) < len(needed):
            missing = ", ".join(name for name in needed if name not in given)
            raise ValueError(f"Zalo OA needs all four settings; missing {missing}")
        return self


class MessengerSettings(ChannelSettings):
    """MESSENGER_*: the ward's Facebook Page in Messenger (docs: platforms.md, section 8)."""

    key_field: ClassVar[str] = "page_access_token"
    label: ClassVar[str] = "Facebook Page"

    page_access_token: Credential = None
    app_secret: Credential = Field(
        default=None, description="The Meta app's App Secret, which signs every webhook POST."
    )
    verify_token: Credential = Field(
        default=None,
        description="Typed into the App Dashboard with the callback URL (default: derived "
        "from the Page token).",
    )
    api_url: AnyHttpUrl = Field(
        default=AnyHttpUrl("https://graph.facebook.com/v25.0"),
        description="Graph API root with its version; each version lives about two years.",
    )
    rate: int = Field(
        default=50,
        ge=1,
        le=300,
        description="Messages per second through the Page (Meta allows 300 a second).",
    )
    human_agent: bool = Field(
        default=False,
        description="Meta approved the Human Agent permission: staff answers may reach a "
        "resident up to 7 days after their last message (bot messages never).",
    )

    @model_validator(mode="after")
    def _signed(self) -> MessengerSettings:
        if self.page_access_token is not None and self.app_secret is None:
            raise ValueError(
                "Messenger needs MESSENGER_APP_SECRET: webhook events are checked with it"
            )
        return self

    def verify(self) -> str:
        """The verify token Meta sends with the webhook handshake (configured, or derived
        from the Page token)."""
        return _webhook_secret(self.verify_token, self.page_access_token, b"messenger-verify")
