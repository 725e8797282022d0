"""`python -m bot eval FILE...`: score the assistant on labelled files the way the tests do."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from bot.evaluation import Report, evaluate, read_file, summary
from bot.settings import Settings
from bot.wiring import core
from handlers.engine import handle
from handlers.render import numbered_choices
from handlers.types import IncomingMessage, Response


async def run(settings: Settings, paths: list[Path], transcript: bool) -> list[Report]:
    """Score every file on a throw-away database (nothing is written to the ward's own)."""
    reports = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = settings.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{folder}/eval.sqlite3",
                "database_schema": None,
            }
        )
        async with core(scratch) as deps:

            async def ask(resident: str, text: str) -> Response:
                return await handle(IncomingMessage("cli", resident, text=text), deps)

            for path in paths:
                cases, dialogues = read_file(path)
                report = await evaluate(cases, dialogues, ask)
                reports.append(report)
                for line in summary(report, path.name):
                    click.echo(line)
                if transcript:
                    _print_transcript(report)
    return reports


def _print_transcript(report: Report) -> None:
    for where, said, expect, response in report.transcripts:
        click.echo(f"\n--- {where} Bạn: {said}")
        if expect:
            click.echo(f"    (expected: {expect})")
        reply = "\n\n".join(numbered_choices(r) for r in response.replies)
        click.echo("    " + reply.replace("\n", "\n    "))
