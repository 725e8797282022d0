"""`python -m bot eval FILE...`: score the assistant on labelled files the way the tests do."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import click

from bot.cli.context import load_settings
from bot.evaluation import Report, act_of, evaluate, read_file, summary
from bot.settings import Settings
from bot.wiring import core
from content.examples import shipped_examples
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle
from handlers.render import numbered_choices


@click.command("eval")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--transcript", is_flag=True, help="Also print every conversation turn.")
@click.option("--min", "minimum", type=float, default=None, help="Fail under this strict share.")
@click.option("--acts", "acts_only", is_flag=True, help="Score the act classifier instead.")
@click.option(
    "--held-out",
    is_flag=True,
    help="Train the entry model without these files (when they are among content/examples).",
)
def eval_command(
    files: tuple[str, ...],
    transcript: bool,
    minimum: float | None,
    acts_only: bool,
    held_out: bool,
) -> None:
    """Score labelled questions or conversations (JSON lines, the dev-set format): strict and
    lenient scores, per topic, and the misses. With --acts: the act classifier's held-out
    scores (cross-validated, and on the files). With --held-out: the entry model learns from
    the shipped examples except these files, so their score is a held-out one."""
    if acts_only:
        acts_report([Path(f) for f in files])
        return
    settings = load_settings()
    paths = [Path(f) for f in files]
    reports = asyncio.run(run(settings, paths, transcript, held_out))
    if minimum is not None and any(r.share() < minimum for r in reports):
        sys.exit(1)


async def run(
    settings: Settings, paths: list[Path], transcript: bool, held_out: bool = False
) -> list[Report]:
    """Score every file on a throw-away database (nothing is written to the ward's own)."""
    examples = shipped_examples(without=tuple(paths)) if held_out else None
    reports = []
    with tempfile.TemporaryDirectory() as folder:
        scratch = settings.model_copy(
            update={
                "database_url": f"sqlite+aiosqlite:///{folder}/eval.sqlite3",
                "database_schema": None,
            }
        )
        async with core(scratch, examples=examples) as deps:

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


def acts_report(paths: list[Path]) -> None:
    """The act classifier's held-out scores: 5-fold cross-validation on its own examples,
    then its accuracy on labelled files it never saw (their topics imply the act)."""
    from collections import Counter

    from content.acts import cross_validate, load_act_model, read_examples
    from content.normalize import load_lexicon

    lexicon = load_lexicon()
    folds = cross_validate(read_examples(), lexicon)
    right = sum(r for r, _ in folds.values())
    total = sum(n for _, n in folds.values())
    click.echo(f"acts.yaml, 5-fold cross-validation: {right / total:.1%} of {total}")
    for act, (r, n) in sorted(folds.items()):
        click.echo(f"  {act:<10} {r}/{n}")
    model = load_act_model(lexicon)
    hits: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for path in paths:
        cases, dialogues = read_file(path)
        turns = [t.case for d in dialogues for t in d.turns if t.case is not None]
        for case in [*cases, *turns]:
            act = act_of(case.topic)
            seen[act] += 1
            hits[act] += model.guess(case.q).act == act
    if seen:
        total = sum(seen.values())
        click.echo(
            f"labelled files (never trained on): {sum(hits.values()) / total:.1%} of {total}"
        )
        for act in sorted(seen):
            click.echo(f"  {act:<10} {hits[act]}/{seen[act]}")
