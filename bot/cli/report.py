"""`python -m bot report`: the report files for a month, a quarter or a date range."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path

import click

from bot.cli.context import load_settings
from bot.report import figures, period
from bot.report.model import Period
from handlers.domain.calendar import VIETNAM


def choose_period(
    month: str | None, quarter: str | None, first: str | None, last: str | None
) -> Period:
    """The one period the options name (default: last month, the usual report)."""
    given = [x for x in (month, quarter, first or last) if x]
    if len(given) > 1:
        raise click.UsageError("chọn một trong --month, --quarter, hoặc --from/--to")
    try:
        if month:
            return period.month(month)
        if quarter:
            return period.quarter(quarter)
        if first or last:
            if not (first and last):
                raise click.UsageError("--from và --to đi cùng nhau")
            return period.between(first, last)
        today = datetime.now(VIETNAM).date()
        previous = today.replace(day=1) - timedelta(days=1)
        return period.month(f"{previous.year}-{previous.month:02d}")
    except period.PeriodError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.command("report")
@click.option("--month", default=None, help="e.g. 2026-10 (default: last month).")
@click.option("--quarter", default=None, help="e.g. 2026-Q4.")
@click.option("--from", "first", default=None, help="First day, e.g. 2026-10-01.")
@click.option("--to", "last", default=None, help="Last day, included.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Folder for the workbook, the Word report and the charts.",
)
def report(
    month: str | None, quarter: str | None, first: str | None, last: str | None, out: Path
) -> None:
    """Write the outreach report: Excel workbook, Word report, PNG charts."""
    from bot.report import build  # matplotlib and the document libraries: only when used
    from bot.wiring import core

    chosen = choose_period(month, quarter, first, last)
    settings = load_settings()

    async def run() -> build.ReportFiles:
        async with core(settings) as deps:
            async with deps.sessions() as session:
                figures_ = await figures.compute(session, deps.catalogue, chosen)
            return await asyncio.to_thread(build.write, figures_, out)

    files = asyncio.run(run())
    click.echo(f"Báo cáo {chosen.label}:")
    for path in (files.workbook, files.document, *files.charts.values()):
        click.echo(f"  {path}")
