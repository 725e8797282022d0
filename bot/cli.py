"""The `python -m bot` command line."""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError

from bot.backup import backup, restore
from bot.broadcast_cli import broadcast
from bot.channels import console
from bot.report.cli import report
from bot.retention import retention
from bot.settings import Settings
from bot.wards import WardsError, WardSite, choose_site, ward_sites
from bot.wiring import core, database
from content import check as content_check
from content.loader import ContentError


def deployment_settings() -> Settings:
    """Settings from the environment; a bad variable stops the program with its name."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(map(str, e['loc'])).upper() or 'SETTINGS'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise click.ClickException("invalid settings:\n" + "\n".join(lines)) from exc


def chosen_ward() -> str | None:
    """The ward named with `python -m bot --ward ID ...`, if any."""
    context = click.get_current_context(silent=True)
    return (context.find_root().obj or {}).get("ward") if context is not None else None


def load_settings() -> Settings:
    """The settings of the ward a command works on: the deployment's only ward, or the one
    chosen with --ward when WARDS_FILE lists several."""
    return chosen_site().settings


def chosen_site() -> WardSite:
    """The ward a command works on (see load_settings)."""
    base = deployment_settings()
    with wards_errors():
        return choose_site(base, chosen_ward())


def all_wards() -> list[WardSite]:
    """Every ward of the deployment (the one chosen with --ward only)."""
    if chosen_ward() is not None:
        return [chosen_site()]
    with wards_errors():
        return ward_sites(deployment_settings())


@contextmanager
def wards_errors() -> Iterator[None]:
    """A bad wards file or ward file stops the command with what is wrong."""
    try:
        yield
    except (WardsError, ContentError) as exc:
        raise click.ClickException("\n".join(exc.problems)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--ward",
    default=None,
    metavar="ID",
    help="The ward to work on, when WARDS_FILE lists several (its id in that file).",
)
@click.pass_context
def main(context: click.Context, ward: str | None) -> None:
    """Ward outreach assistant: procedures, hotlines, VNeID help and feedback for residents."""
    # The process's choice of library behaviour, made once where it starts: PTB's retry_after
    # as a timedelta (its int form is deprecated; the Telegram adapter reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    context.obj = {"ward": ward}


@main.command()
@click.option("--host", default=None, help="Listen address (default: HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: PORT or 8080).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["web", "sender", "scheduler"]),
    help="Run only this part (repeatable; default: ROLES or all three).",
)
def serve(host: str | None, port: int | None, roles: tuple[str, ...]) -> None:
    """Run the assistant: website chat, channel webhooks or polling, health checks."""
    from aiohttp import web

    from bot.app import create_app, describe
    from bot.logs import setup_logging

    # With --ward, that ward alone on every host name; otherwise the whole deployment.
    settings = load_settings() if chosen_ward() else deployment_settings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if roles:
        overrides["roles"] = list(dict.fromkeys(roles))
    settings = settings.model_copy(update=overrides)
    setup_logging(settings.log_level, settings.secrets(), settings.log_format)
    log = logging.getLogger("bot")
    for line in describe(settings):
        log.info(line)
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )


@main.command()
@click.option("--user", default=None, help="Resident id for this session (default: your login).")
def chat(user: str | None) -> None:
    """Chat with the assistant in the terminal (type /exit to leave)."""
    settings = load_settings()
    user_ref = user or f"terminal-{getpass.getuser()}"

    async def run() -> None:
        async with core(settings) as deps:
            await console.chat(deps, lambda: input(console.PROMPT), sys.stdout, user_ref)

    asyncio.run(run())


@main.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of the text.")
def ask(text: str | None, as_json: bool) -> None:
    """Answer TEXT, or every line of standard input, each as a new resident's first message."""
    settings = load_settings()

    async def run() -> None:
        async with core(settings) as deps:
            if text is None:
                if as_json:
                    await console.ask_lines(deps, sys.stdin, sys.stdout)
                    return
                for line in sys.stdin:
                    response = await console.ask(deps, line.rstrip("\n"))
                    click.echo(console.render(response) + "\n")
                return
            response = await console.ask(deps, text)
            click.echo(console.as_json(text, response) if as_json else console.render(response))

    asyncio.run(run())


@main.command("eval")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--transcript", is_flag=True, help="Also print every conversation turn.")
@click.option("--min", "minimum", type=float, default=None, help="Fail under this strict share.")
@click.option("--acts", "acts_only", is_flag=True, help="Score the act classifier instead.")
def eval_command(
    files: tuple[str, ...], transcript: bool, minimum: float | None, acts_only: bool
) -> None:
    """Score labelled questions or conversations (JSON lines, the dev-set format): strict and
    lenient scores, per topic, and the misses. With --acts: the act classifier's held-out
    scores (cross-validated, and on the files)."""
    from pathlib import Path

    from bot import evaluation_cli

    if acts_only:
        evaluation_cli.acts_report([Path(f) for f in files])
        return
    settings = load_settings()
    reports = asyncio.run(evaluation_cli.run(settings, [Path(f) for f in files], transcript))
    if minimum is not None and any(r.share() < minimum for r in reports):
        sys.exit(1)


@main.group()
def content() -> None:
    """The knowledge catalogue."""


@content.command("check")
@click.option(
    "--ward-file",
    "ward_file",
    default=None,
    help="Ward file to check with (default: every ward of the deployment).",
)
def content_check_command(ward_file: str | None) -> None:
    """Validate the catalogue: schema, duplicate ids, dangling references, links; with each
    ward's file and own entries."""
    wards = (
        {ward_file: ward_file}
        if ward_file
        else {site.settings.ward: site.id for site in all_wards()}
    )
    failed = 0
    for ref, name in wards.items():
        if len(wards) > 1:
            click.echo(f"== {name}")
        failed += content_check.run(ward_id=ref, out=sys.stdout)
    if not ward_file:
        for site in all_wards():
            failed += learned_check(site.settings)
    sys.exit(1 if failed else 0)


def _learned(settings: Settings):
    """The catalogue with what staff taught in the console, and every taught wording (None
    when the database is not there yet: nothing was taught)."""
    from content.loader import load_ward_catalogue
    from db import teaching_queries
    from handlers.learned import with_taught

    catalogue = load_ward_catalogue(settings.ward)

    async def read():
        async with database(settings, migrate=False) as sessions, sessions() as session:
            return await teaching_queries.current(session, catalogue.ward.id)

    try:
        found = asyncio.run(read())
    except Exception as exc:  # no database or no tables yet: nothing taught to check
        logging.getLogger(__name__).debug("no taught content: %s", exc)
        return None
    return catalogue, found, with_taught(catalogue, found)


def learned_check(settings: Settings) -> int:
    """List what staff taught (entries and aliases in the database); 1 when an alias names an
    entry that no longer exists."""
    learned = _learned(settings)
    if learned is None:
        click.echo("Learned from staff: none (no database yet).")
        return 0
    _, found, (merged, _) = learned
    click.echo(
        f"Learned from staff (console): {len(found.entries)} entries, "
        f"{len(found.aliases)} aliases."
    )
    for entry in found.entries:
        click.echo(f"  entry hoi-dap-{entry.id}: {entry.title} (by {entry.created_by})")
    dangling = [a for a in found.aliases if merged.get(a.entry_id) is None]
    for alias in dangling:
        click.echo(f"  PROBLEM: alias {alias.id} names unknown entry {alias.entry_id!r}")
    return 1 if dangling else 0


@content.command("export-learned")
@click.option("--out", "out", type=click.Path(dir_okay=False), default=None)
def export_learned(out: str | None) -> None:
    """Write what staff taught as a catalogue file (YAML, `entries:`) to ship with the content;
    aliases taught for existing entries are listed as comments to add to those entries."""
    import yaml

    from handlers.learned import as_entry

    learned = _learned(load_settings())
    if learned is None:
        raise click.ClickException("no database: nothing was taught")
    catalogue, found, _ = learned
    ward = catalogue.ward
    for_entry: dict[str, list[str]] = {}
    for alias in found.aliases:
        for_entry.setdefault(alias.entry_id, []).append(alias.text)
    entries = [
        as_entry(row, ward.name, for_entry.pop(f"hoi-dap-{row.id}", [])).model_dump(
            mode="json", exclude_defaults=True
        )
        for row in found.entries
    ]
    lines = [f"# Learned from the staff of {ward.name} (python -m bot content export-learned)"]
    if for_entry:
        lines.append("# Aliases taught for existing entries (add them to those entries):")
        for entry_id, texts in for_entry.items():
            lines += [f"#   {entry_id}: {text}" for text in texts]
    body = (
        yaml.safe_dump({"entries": entries}, allow_unicode=True, sort_keys=False, width=100)
        if entries
        else "entries: []\n"
    )
    text = "\n".join(lines) + "\n" + body
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"{len(entries)} entries written to {out}.")
    else:
        click.echo(text, nl=False)


@content.command("search")
@click.argument("text")
@click.option("--limit", default=5, show_default=True)
def content_search_command(text: str, limit: int) -> None:
    """Show how the search reads TEXT and ranks entries (for writing aliases)."""
    from content.indexing import build_index
    from content.loader import load_catalogue, load_ward
    from content.normalize import load_lexicon

    settings = load_settings()
    index = build_index(load_catalogue(ward=load_ward(settings.ward)), load_lexicon())
    result = index.search(text, limit=limit)
    query = result.query
    click.echo(f"words: {' '.join(query.tokens)}")
    click.echo(f"known: {', '.join(query.features) or '-'}")
    click.echo(
        f"unknown: {', '.join(query.unknown) or '-'}   places: {', '.join(query.places) or '-'}"
    )
    for match in result.matches:
        phrase = f"  [alias: {match.phrase}]" if match.phrase else ""
        click.echo(f"{match.score:7.3f}  {match.doc.id} ({match.doc.kind}){phrase}")


@main.group()
def staff() -> None:
    """Staff console accounts."""


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown in the console.")
@click.option(
    "--role",
    type=click.Choice(["admin", "staff", "tech_team"]),
    default="staff",
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_add(username: str, display_name: str, role: str, password_stdin: bool) -> None:
    """Create a console account (asks for the password unless --password-stdin)."""
    from bot.staff.auth import add_staff

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    )
    settings = load_settings()

    async def run() -> None:
        async with database(settings) as sessions, sessions() as session, session.begin():
            await add_staff(session, username, display_name, password, role)

    try:
        asyncio.run(run())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        if "UNIQUE" in str(exc).upper() or "unique" in str(exc):
            raise click.ClickException(f"account {username!r} exists already") from exc
        raise
    click.echo(f"Account {username.lower()!r} ({role}) created.")


main.add_command(broadcast)
main.add_command(report)
main.add_command(retention)
main.add_command(backup)
main.add_command(restore)


@main.group()
def ward() -> None:
    """The ward's own data (contacts and facts)."""


@ward.command("export")
def ward_export() -> None:
    """Print the ward file with the values saved in the console (/staff/ward), as YAML to
    commit in content/wards/ (the file's comments are not kept)."""
    import yaml

    from content.loader import ward_path
    from content.ward_fields import overlay
    from db import ward_value_queries

    settings = load_settings()
    with wards_errors():
        path = ward_path(settings.ward)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    async def saved() -> dict[str, str | None]:
        async with database(settings) as sessions, sessions() as session:
            return await ward_value_queries.current(session, data["id"])

    overlay(data, asyncio.run(saved()))
    click.echo(f"# {path.name}: giá trị hiện hành, gồm các thay đổi trên trang /staff/ward")
    click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), nl=False)


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (Alembic) up to the latest, for every ward."""
    sites = all_wards()

    async def run() -> None:
        for site in sites:
            async with database(site.settings):
                pass

    asyncio.run(run())
    if len(sites) == 1:
        click.echo("Database is up to date.")
    else:
        click.echo(f"Databases of {len(sites)} wards are up to date.")
