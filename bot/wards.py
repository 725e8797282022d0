"""Several wards in one deployment: the wards file, and the settings each ward runs with.

Without WARDS_FILE a deployment serves the one ward of the WARD setting. With it, each ward
listed gets its own host name (web chat, staff console, webhooks), its own bot accounts and
its own data: a PostgreSQL schema of the shared database, or its own SQLite file. A message
therefore belongs to the ward whose bot account received it, and no query of one ward can
see another ward's residents.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
)
from sqlalchemy.engine import make_url

from bot.settings import Settings, channel_keys
from content.loader import ContentError, ward_path
from content.yaml_text import YAMLError, read_yaml

WARD_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,40}$"
# Idle outbox lanes of many wards look every 15 s at most (bench/multiward.py: 50 wards
# idle at 56 statements/s instead of 226 with the one-ward 2 s).
MANY_WARDS_IDLE_MAX = 15.0
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class WardsError(Exception):
    """The wards file is invalid; ``problems`` lists every finding."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class WardFields(BaseModel):
    """One ward of the deployment, as the wards file describes it; WardAccount adds the
    channel settings."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(description="Host name its web chat, console and webhooks answer on.")
    ward: str | None = Field(
        default=None, description="Ward file id in content/wards/ or a path (default: the key)."
    )
    public_url: AnyHttpUrl | None = None
    database_url: str | None = None
    database_schema: str | None = None
    webchat_allowed_origins: list[str] = Field(default_factory=list)

    @field_validator("host")
    @classmethod
    def _host_name(cls, value: str) -> str:
        host = value.strip().lower().rstrip(".")
        if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?", host):
            raise ValueError("a host name such as dakbla.example.vn (no scheme, no path)")
        return host


def _channel_fields() -> dict[str, Any]:
    """Every channel setting under its flat name (telegram_bot_token, zalo_oa_rate, ...), as
    the variables spell it: optional, its type checked here and its limits with the rest of
    the ward's settings. A new channel's group adds its keys by itself."""
    groups = Settings.channel_groups()
    fields = {}
    for key, (group, name) in channel_keys().items():
        field = groups[group].model_fields[name]
        fields[key] = (field.annotation | None, Field(default=None, description=field.description))
    return fields


WardAccount = create_model(
    "WardAccount", __base__=WardFields, __module__=__name__, **_channel_fields()
)


class WardsFile(BaseModel):
    """The wards file: ward id → its account."""

    model_config = ConfigDict(extra="forbid")

    wards: dict[str, WardAccount] = Field(min_length=1)

    @field_validator("wards")
    @classmethod
    def _ids(cls, value: dict[str, WardAccount]) -> dict[str, WardAccount]:
        bad = [key for key in value if not re.fullmatch(WARD_ID_PATTERN, key)]
        if bad:
            raise ValueError(f"ward ids are lower-case letters, digits and -: {', '.join(bad)}")
        return value


@dataclass(frozen=True)
class WardSite:
    """One ward as this process serves it."""

    id: str
    host: str | None  # None: the single ward, served on any host name
    settings: Settings


def environment() -> dict[str, str]:
    """What ${NAME} reads: the environment, over the .env file that Settings reads too (the
    commands typed in /opt/ward-assistant find the tokens the service gets from systemd)."""
    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    return {**from_file, **os.environ}


def _expand(value: object, names: dict[str, str], missing: set[str]) -> object:
    """${NAME} in the file reads the environment: tokens stay out of the file."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            if match[1] not in names:
                missing.add(match[1])
            return names.get(match[1], "")

        return _VARIABLE.sub(lookup, value)
    if isinstance(value, dict):
        return {key: _expand(item, names, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_expand(item, names, missing) for item in value]
    return value


def load_wards_file(path: Path) -> WardsFile:
    """Read, expand and validate the wards file; WardsError names every problem."""
    try:
        raw = read_yaml(path)
    except OSError as exc:
        raise WardsError([f"{path}: cannot read: {exc.strerror}"]) from exc
    except YAMLError as exc:
        raise WardsError([f"{path}: not valid YAML: {exc}"]) from exc
    missing: set[str] = set()
    data = _expand(raw, environment(), missing)
    if missing:
        names = ", ".join(sorted(missing))
        raise WardsError([f"{path}: environment variables not set: {names}"])
    try:
        parsed = WardsFile.model_validate(data)
    except ValidationError as exc:
        raise WardsError(
            [f"{path}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc
    problems = list(_clashes(parsed))
    if problems:
        raise WardsError([f"{path}: {problem}" for problem in problems])
    return parsed


def _clashes(parsed: WardsFile) -> list[str]:
    """Two wards on one host name or one bot account could not tell their residents apart."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for ward_id, account in parsed.wards.items():
        shared = [("host", account.host)]
        for group, model in Settings.channel_groups().items():
            shared.append((model.label, getattr(account, f"{group}_{model.key_field}")))
        for what, value in shared:
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            other = seen.setdefault((what, value), ward_id)
            if other != ward_id:
                problems.append(f"wards {other!r} and {ward_id!r} share one {what}")
    return problems


def ward_database(base: Settings, ward_id: str, account: WardAccount) -> tuple[str, str | None]:
    """Where a ward's data lives: its own database URL if given; else, beside the shared
    one: on PostgreSQL the schema ward_<id>, on SQLite the file <name>-<id>.sqlite3."""
    if account.database_url is not None:
        return account.database_url, account.database_schema
    url = make_url(base.database_url)
    if url.get_backend_name() == "sqlite":
        if account.database_schema is not None:
            raise WardsError([f"ward {ward_id!r}: database_schema needs PostgreSQL"])
        path = Path(url.database or "ward-assistant.sqlite3")
        own = path.with_name(f"{path.stem}-{ward_id}{path.suffix or '.sqlite3'}")
        return url.set(database=str(own)).render_as_string(hide_password=False), None
    return base.database_url, account.database_schema or "ward_" + ward_id.replace("-", "_")


def ward_settings(base: Settings, ward_id: str, account: WardAccount) -> Settings:
    """The settings one ward runs with: the deployment's, with the ward's own accounts,
    data and ward file."""
    values: dict[str, Any] = {name: getattr(base, name) for name in Settings.model_fields}
    values["public_url"] = None
    values["webchat_allowed_origins"] = []
    # Each channel as the deployment sets it (API root, rate) but without its account, so
    # that a ward without a Telegram bot does not borrow another's. Every field is given:
    # none is left for the environment to fill.
    for group, model in Settings.channel_groups().items():
        deployment = getattr(base, group)
        values[group] = {
            name: None if name in model.account_fields() else getattr(deployment, name)
            for name in model.model_fields
        }
    keys = channel_keys()
    given = account.model_dump(exclude_unset=True, exclude={"host", "ward"})
    for key, value in given.items():
        if value is None:
            continue
        if key in keys:  # telegram_bot_token: telegram.bot_token
            group, name = keys[key]
            values[group][name] = value
        else:
            values[key] = value
    if account.public_url is None and base.public_url is not None:
        values["public_url"] = f"https://{account.host}"  # webhook mode: the ward's own host
    values["ward"] = account.ward or ward_id
    values["wards_file"] = None
    if base.outbox_idle_max is None:
        values["outbox_idle_max"] = MANY_WARDS_IDLE_MAX
    try:
        ward_path(values["ward"])
    except ContentError as exc:
        raise WardsError([f"ward {ward_id!r}: {problem}" for problem in exc.problems]) from exc
    values["database_url"], values["database_schema"] = ward_database(base, ward_id, account)
    try:
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise WardsError(
            [f"ward {ward_id!r}: {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        ) from exc


def ward_sites(base: Settings) -> list[WardSite]:
    """Every ward this deployment serves, with its settings (one without WARDS_FILE)."""
    if base.wards_file is None:
        return [WardSite(id=base.ward, host=None, settings=base)]
    parsed = load_wards_file(base.wards_file)
    sites = [
        WardSite(id=ward_id, host=account.host, settings=ward_settings(base, ward_id, account))
        for ward_id, account in parsed.wards.items()
    ]
    homes: dict[tuple[str, str | None], str] = {}
    for site in sites:
        home = (site.settings.database_url, site.settings.database_schema)
        other = homes.setdefault(home, site.id)
        if other != site.id:  # their residents, staff and feedback would mix
            raise WardsError(
                [f"{base.wards_file}: wards {other!r} and {site.id!r} share one database"]
            )
    return sites


def choose_site(base: Settings, ward_id: str | None) -> WardSite:
    """The one ward a command works on: the only one, or the one named with --ward."""
    sites = ward_sites(base)
    if ward_id is None:
        if len(sites) == 1:
            return sites[0]
        known = ", ".join(site.id for site in sites)
        raise WardsError(
            [f"this deployment serves several wards: choose one with --ward ({known})"]
        )
    for site in sites:
        if site.id == ward_id:
            return site
    if base.wards_file is None:
        # One ward: --ward names the ward file to use, as WARD would.
        try:
            ward_path(ward_id)
        except ContentError as exc:
            raise WardsError(exc.problems) from exc
        return WardSite(id=ward_id, host=None, settings=base.model_copy(update={"ward": ward_id}))
    known = ", ".join(site.id for site in sites)
    raise WardsError([f"no ward {ward_id!r} in {base.wards_file} (known: {known})"])
