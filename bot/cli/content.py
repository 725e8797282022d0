"""`python -m bot content ...`: checking the knowledge catalogue and what staff taught."""

from __future__ import annotations

import asyncio
import logging
import sys

import click

from bot.cli.context import all_wards, load_settings
from bot.settings import Settings
from bot.wiring import database
from content import check as content_check


@click.group()
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
