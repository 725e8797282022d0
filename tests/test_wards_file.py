"""The wards file: validation, each ward's own settings and data, and the commands' --ward."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.settings import Settings
from bot.wards import WardsError, choose_site, load_wards_file, ward_sites
from content.loader import load_ward_catalogue

WARD_B_FILE = Path(__file__).parent / "data" / "wards" / "thu-nghiem.yaml"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "wards.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def two_wards(tmp_path: Path, extra_b: str = "") -> Path:
    return write(
        tmp_path,
        f"""
wards:
  dak-bla:
    host: DakBla.Example.vn
    telegram_bot_token: ${{WARD_A_TOKEN}}
  thu-nghiem:
    ward: {WARD_B_FILE}
    host: thunghiem.example.vn{extra_b}
""",
    )


def base(tmp_path: Path, wards_file: Path, **values: object) -> Settings:
    values.setdefault("database_url", f"sqlite:///{tmp_path}/assistant.sqlite3")
    return Settings(_env_file=None, wards_file=wards_file, **values)  # type: ignore[call-arg]


def test_each_ward_gets_its_host_accounts_and_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    # A token in the environment belongs to no ward of a multi-ward deployment.
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999:not-for-any-ward")
    sites = ward_sites(base(tmp_path, two_wards(tmp_path), public_url="https://x.example.vn"))
    a, b = sites
    assert (a.id, a.host, b.id, b.host) == (
        "dak-bla",
        "dakbla.example.vn",
        "thu-nghiem",
        "thunghiem.example.vn",
    )
    assert a.settings.telegram.bot_token is not None
    assert a.settings.telegram.bot_token.get_secret_value() == "111:aaa"
    assert b.settings.telegram.bot_token is None
    assert a.settings.database_url.endswith("/assistant-dak-bla.sqlite3")
    assert b.settings.database_url.endswith("/assistant-thu-nghiem.sqlite3")
    assert a.settings.database_schema is None
    assert str(a.settings.public_url) == "https://dakbla.example.vn/"  # webhooks on its host
    assert b.settings.ward == str(WARD_B_FILE)


def test_the_flat_keys_set_each_wards_channel_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    # The deployment's API roots and rates reach every ward; its accounts reach none.
    monkeypatch.setenv("TELEGRAM_RATE", "12")
    monkeypatch.setenv("TELEGRAM_STAFF_CHAT_ID", "-100999")
    monkeypatch.setenv("ZALO_BOT_TOKEN", "not-for-any-ward")
    monkeypatch.setenv("ZALO_BOT_API_URL", "http://zalo-bot.example")
    extra_b = (
        "\n    telegram_rate: 5\n    telegram_staff_chat_id: '-100777'"
        "\n    zalo_oa_app_id: '4242'\n    zalo_oa_secret_key: oa-key"
        "\n    zalo_oa_access_token: oa-access\n    zalo_oa_refresh_token: oa-refresh"
        "\n    zalo_oa_api_url: http://oa.example"
    )
    a, b = ward_sites(base(tmp_path, two_wards(tmp_path, extra_b=extra_b)))
    assert (a.settings.telegram.rate, b.settings.telegram.rate) == (12, 5)
    assert (a.settings.telegram.staff_chat_id, b.settings.telegram.staff_chat_id) == (
        None,
        "-100777",
    )
    assert not a.settings.zalo_bot.enabled and not b.settings.zalo_bot.enabled
    assert str(a.settings.zalo_bot.api_url) == "http://zalo-bot.example/"
    assert not a.settings.zalo_oa.enabled and b.settings.zalo_oa.enabled
    assert b.settings.zalo_oa.app_id == "4242" and str(b.settings.zalo_oa.api_url).startswith(
        "http://oa.example"
    )
    assert b.settings.secrets() == ["oa-key", "oa-access", "oa-refresh"]


def test_a_wards_channel_settings_are_checked_with_the_rest(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "wards:\n  dak-bla:\n    host: a.vn\n    telegram_rate: 0\n    zalo_oa_app_id: '4242'\n",
    )
    with pytest.raises(WardsError) as caught:
        ward_sites(base(tmp_path, path))
    assert "ward 'dak-bla': telegram_rate: Input should be greater than or equal to 1" in str(
        caught.value
    )
    assert "missing ZALO_OA_SECRET_KEY" in str(caught.value)


def test_postgresql_wards_share_the_database_in_their_own_schemas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    path = two_wards(tmp_path, extra_b="\n    database_schema: tn_custom")
    a, b = ward_sites(base(tmp_path, path, database_url="postgresql://u@db.example/wards"))
    assert a.settings.database_url == b.settings.database_url
    assert (a.settings.database_schema, b.settings.database_schema) == (
        "ward_dak_bla",
        "tn_custom",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("wards:\n  a:\n    host: a.vn\n    telegram_bot_token: ${NOT_SET_ANYWHERE}\n", "NOT_SET"),
        ("wards:\n  a:\n    host: x.vn\n  b:\n    ward: dak-bla\n    host: X.vn\n", "one host"),
        (
            "wards:\n  a:\n    host: a.vn\n    ward: dak-bla\n    zalo_bot_token: t\n"
            "  b:\n    host: b.vn\n    ward: dak-bla\n    zalo_bot_token: t\n",
            "share one Zalo Bot",
        ),
        ("wards:\n  Dak_Bla:\n    host: a.vn\n", "lower-case"),
        ("wards:\n  dak-bla:\n    host: https://a.vn/\n", "host name"),
        ("wards:\n  dak-bla:\n    host: a.vn\n    telegram: x\n", "telegram"),
        ("wards:\n  dak-bla:\n    host: a.vn\n    telegram_bot_tokn: x\n", "telegram_bot_tokn"),
        ("wards:\n  dak-bla:\n    host: a.vn\n    zalo_oa_rate: many\n", "zalo_oa_rate"),
        ("wards: {}\n", "wards"),
        ("wards: [\n", "not valid YAML"),
    ],
)
def test_a_bad_wards_file_is_named(tmp_path: Path, body: str, expected: str) -> None:
    with pytest.raises(WardsError) as caught:
        load_wards_file(write(tmp_path, body))
    assert expected in str(caught.value)


def test_an_unknown_ward_file_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "wards:\n  khong-co:\n    host: a.vn\n")
    with pytest.raises(WardsError, match="khong-co"):
        ward_sites(base(tmp_path, path))


def test_two_wards_in_one_database_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "wards:\n  dak-bla:\n    host: a.vn\n    database_schema: public\n"
        f"  thu-nghiem:\n    ward: {WARD_B_FILE}\n    host: b.vn\n    database_schema: public\n",
    )
    with pytest.raises(WardsError, match="share one database"):
        ward_sites(base(tmp_path, path, database_url="postgresql://u@db.example/wards"))


def test_a_database_schema_needs_postgresql(tmp_path: Path) -> None:
    path = write(tmp_path, "wards:\n  dak-bla:\n    host: a.vn\n    database_schema: x\n")
    with pytest.raises(WardsError, match="PostgreSQL"):
        ward_sites(base(tmp_path, path))


def test_commands_need_a_ward_when_there_are_several(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    settings = base(tmp_path, two_wards(tmp_path))
    with pytest.raises(WardsError, match="--ward"):
        choose_site(settings, None)
    assert choose_site(settings, "thu-nghiem").settings.ward == str(WARD_B_FILE)
    with pytest.raises(WardsError, match="known: dak-bla, thu-nghiem"):
        choose_site(settings, "nowhere")


def test_cli_upgrades_every_ward_and_adds_staff_to_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    monkeypatch.setenv("WARDS_FILE", str(two_wards(tmp_path)))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/assistant.sqlite3")
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "2 wards" in upgraded.output
    assert (tmp_path / "assistant-dak-bla.sqlite3").is_file()
    assert (tmp_path / "assistant-thu-nghiem.sqlite3").is_file()
    refused = runner.invoke(main, ["staff", "add", "an", "--name", "An", "--password-stdin"])
    assert refused.exit_code != 0 and "--ward" in refused.output
    added = runner.invoke(
        main,
        ["--ward", "thu-nghiem", "staff", "add", "an", "--name", "An", "--password-stdin"],
        input="mat-khau-du-dai-123\n",
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        main,
        ["--ward", "dak-bla", "staff", "add", "an", "--name", "An", "--password-stdin"],
        input="mat-khau-du-dai-123\n",
    )
    assert again.exit_code == 0, again.output  # another ward: another set of accounts


def test_content_check_covers_every_ward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    monkeypatch.setenv("WARDS_FILE", str(two_wards(tmp_path)))
    result = CliRunner().invoke(main, ["content", "check"])
    assert result.exit_code == 0, result.output
    assert "== dak-bla" in result.output and "== thu-nghiem" in result.output
    assert "Ward 'dak-bla'" in result.output and "Ward 'thu-nghiem'" in result.output
    assert "24 howto" in result.output  # the test ward's own entry is checked too


def test_variables_are_also_read_from_the_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WARD_A_TOKEN", raising=False)
    (tmp_path / ".env").write_text("WARD_A_TOKEN=555:from-dotenv\n", encoding="utf-8")
    a, _ = ward_sites(base(tmp_path, two_wards(tmp_path)))
    assert a.settings.telegram.bot_token is not None
    assert a.settings.telegram.bot_token.get_secret_value() == "555:from-dotenv"


def test_the_shipped_example_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAKBLA_TELEGRAM_BOT_TOKEN", "123:example")
    example = Path(__file__).parents[1] / "deploy" / "wards.example.yaml"
    parsed = load_wards_file(example)
    assert list(parsed.wards) == ["dak-bla"]


def test_backup_without_ward_copies_every_ward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    monkeypatch.setenv("WARDS_FILE", str(two_wards(tmp_path)))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/assistant.sqlite3")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(main, ["backup"])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "backups").glob("*.sqlite3"))
    assert len(written) == 2
    assert "-dak-bla-" in written[0] and "-thu-nghiem-" in written[1]
    refused = runner.invoke(main, ["backup", "--out", str(tmp_path / "one.sqlite3")])
    assert refused.exit_code != 0 and "--ward" in refused.output


def test_a_ward_folder_adds_entries_replaces_others_and_may_bring_its_menu() -> None:
    own = load_ward_catalogue(str(WARD_B_FILE))
    shared = load_ward_catalogue("dak-bla")
    assert "tu-sach-phuong" in own.entries and "tu-sach-phuong" not in shared.entries
    replaced, original = own.entries["bhyt-bang-can-cuoc"], shared.entries["bhyt-bang-can-cuoc"]
    assert replaced.summary != original.summary
    assert own.entries["dang-ky-khai-sinh"] is shared.entries["dang-ky-khai-sinh"]  # shared
    menu_entries = {ref for section in own.menu.sections for ref in section.entries}
    assert "tu-sach-phuong" in menu_entries
    assert all("tu-sach-phuong" not in s.entries for s in shared.menu.sections)
