"""Settings: the channel groups read the variables deployments already set, by their names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from bot.channel_settings import TelegramSettings, ZaloBotSettings, ZaloOASettings
from bot.cli import main
from bot.settings import Settings
from tests.fresh_python import printed_by

OA = {
    "ZALO_OA_APP_ID": "4242",
    "ZALO_OA_SECRET_KEY": "oa-secret-key",
    "ZALO_OA_ACCESS_TOKEN": "oa-access",
    "ZALO_OA_REFRESH_TOKEN": "oa-refresh",
}


@pytest.fixture(autouse=True)
def clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No .env and no channel variable but the test's own."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM", "ZALO", "DATABASE_", "METRICS_TOKEN", "WARD")):
            monkeypatch.delenv(name)


def test_the_groups_read_the_flat_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    variables = {
        "TELEGRAM_BOT_TOKEN": "123:tg-token",
        "TELEGRAM_API_URL": "http://tg.example",
        "TELEGRAM_WEBHOOK_SECRET": "tg-webhook-secret",
        "TELEGRAM_STAFF_CHAT_ID": "-100123",
        "TELEGRAM_RATE": "25",
        "TELEGRAM_PER_CHAT_INTERVAL": "0.5",
        "ZALO_BOT_TOKEN": "zalo-bot-token",
        "ZALO_BOT_API_URL": "http://bot.example",
        "ZALO_BOT_WEBHOOK_SECRET": "zalo-webhook-secret",
        "ZALO_BOT_RATE": "7",
        **OA,
        "ZALO_OA_APP_SECRET": "oa-app-secret",
        "ZALO_OA_API_URL": "http://oa.example",
        "ZALO_OA_OAUTH_URL": "http://oauth.example",
        "ZALO_OA_WEBHOOK_MAX_AGE": "120",
        "ZALO_OA_MAX_BUTTONS": "3",
        "ZALO_OA_RATE": "8",
        "DATABASE_URL": "postgresql://u@db.example/ward",
        "DATABASE_SCHEMA": "ward_x",
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    tg, bot, oa = settings.telegram, settings.zalo_bot, settings.zalo_oa
    assert tg.bot_token is not None and tg.bot_token.get_secret_value() == "123:tg-token"
    assert str(tg.api_url) == "http://tg.example/"
    assert tg.secret() == "tg-webhook-secret"
    assert (tg.staff_chat_id, tg.rate, tg.per_chat_interval) == ("-100123", 25, 0.5)
    assert bot.token is not None and bot.token.get_secret_value() == "zalo-bot-token"
    assert (str(bot.api_url), bot.secret(), bot.rate) == (
        "http://bot.example/",
        "zalo-webhook-secret",
        7,
    )
    assert oa.enabled and oa.app_id == "4242"
    assert [v.get_secret_value() for v in (oa.secret_key, oa.access_token, oa.refresh_token)] == [
        "oa-secret-key",
        "oa-access",
        "oa-refresh",
    ]
    assert oa.app_secret is not None and oa.app_secret.get_secret_value() == "oa-app-secret"
    assert (str(oa.api_url), str(oa.oauth_url)) == ("http://oa.example/", "http://oauth.example/")
    assert (oa.webhook_max_age, oa.max_buttons, oa.rate) == (120, 3, 8)
    # Settings outside the groups are read as before.
    assert settings.database_url == "postgresql+asyncpg://u@db.example/ward"
    assert settings.database_schema == "ward_x"


def test_zalo_bot_and_zalo_oa_take_only_their_own_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZALO_BOT_TOKEN", "zalo-bot-token")
    alone = Settings()
    assert alone.zalo_bot.enabled and not alone.zalo_oa.enabled and not alone.telegram.enabled
    monkeypatch.delenv("ZALO_BOT_TOKEN")
    for name, value in OA.items():
        monkeypatch.setenv(name, value)
    oa_only = Settings()
    assert oa_only.zalo_oa.enabled and not oa_only.zalo_bot.enabled


def test_the_env_file_is_read_the_same_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        "TELEGRAM_BOT_TOKEN=555:from-file\nTELEGRAM_RATE=12\nZALO_BOT_TOKEN=\n"
        "ZALO_OA_RATE=4\nDATABASE_URL=sqlite:///from-file.sqlite3\n"
        "DAKBLA_TELEGRAM_BOT_TOKEN=for-the-wards-file\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TELEGRAM_RATE", "13")  # the environment over the file, as before
    settings = Settings()
    assert settings.telegram.bot_token is not None
    assert settings.telegram.bot_token.get_secret_value() == "555:from-file"
    assert (settings.telegram.rate, settings.zalo_oa.rate) == (13, 4)
    assert settings.zalo_bot.token is None  # empty: not set
    assert settings.database_url == "sqlite+aiosqlite:///from-file.sqlite3"


def test_a_misspelled_or_unknown_variable_is_ignored_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKN", "123:typo")
    monkeypatch.setenv("ZALO_OA_APPID", "4242")
    monkeypatch.setenv("ZALO_BOTTOKEN", "typo")
    (tmp_path / ".env").write_text("ZALO_BOT_TOKN=typo\nTELEGRAM_RATES=5\n", encoding="utf-8")
    settings = Settings()
    assert settings.telegram == TelegramSettings()
    assert settings.zalo_bot == ZaloBotSettings()
    assert settings.zalo_oa == ZaloOASettings()


def test_defaults_are_unchanged() -> None:
    settings = Settings()
    tg, bot, oa = settings.telegram, settings.zalo_bot, settings.zalo_oa
    assert not (tg.enabled or bot.enabled or oa.enabled)
    assert (str(tg.api_url), tg.rate, tg.per_chat_interval) == ("https://api.telegram.org/", 30, 1)
    assert (str(bot.api_url), bot.rate) == ("https://bot-api.zaloplatforms.com/", 10)
    assert (str(oa.api_url), str(oa.oauth_url)) == (
        "https://openapi.zalo.me/",
        "https://oauth.zaloapp.com/",
    )
    assert (oa.webhook_max_age, oa.max_buttons, oa.rate) == (600, 5, 10)
    assert settings.secrets() == []


def test_a_bad_value_is_named_as_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_RATE", "many")
    monkeypatch.setenv("ZALO_BOT_WEBHOOK_SECRET", "short")
    monkeypatch.setenv("ZALO_OA_MAX_BUTTONS", "11")
    with pytest.raises(ValidationError) as caught:
        Settings()
    named = {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}
    assert set(named) == {"telegram_rate", "zalo_bot_webhook_secret", "zalo_oa_max_buttons"}
    assert "at least 8 characters" in named["zalo_bot_webhook_secret"]
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code != 0
    assert "TELEGRAM_RATE: Input should be a valid integer" in result.output


def test_zalo_oa_needs_its_four_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZALO_OA_APP_ID", "4242")
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", "oa-secret-key")
    with pytest.raises(ValidationError, match="missing ZALO_OA_ACCESS_TOKEN, ZALO_OA_REFRESH"):
        Settings()


def test_a_flat_keyword_is_refused_not_ignored() -> None:
    with pytest.raises(ValidationError, match=r"telegram_bot_token is now telegram=\{'bot_token'"):
        Settings(telegram_bot_token="123:x")  # type: ignore[call-arg]


def test_every_secret_reaches_the_log_filter_and_none_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:tg-token")
    monkeypatch.setenv("ZALO_BOT_WEBHOOK_SECRET", "zalo-webhook-secret")
    monkeypatch.setenv("ZALO_OA_APP_SECRET", "oa-app-secret")
    for name, value in OA.items():
        monkeypatch.setenv(name, value)
    settings = Settings(metrics_token="metrics-token")
    secrets = {
        "123:tg-token",
        "zalo-webhook-secret",
        "oa-app-secret",
        "oa-secret-key",
        "oa-access",
        "oa-refresh",
        "metrics-token",
    }
    assert set(settings.secrets()) == secrets
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    assert not [secret for secret in secrets if secret in shown]


def test_settings_load_without_the_channel_libraries() -> None:
    code = "import sys, bot.settings, bot.wards\nprint('telegram' in sys.modules)"
    loaded = printed_by(code).strip()
    assert loaded == "False"
