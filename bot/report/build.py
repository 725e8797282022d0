"""Write the whole report into a folder: charts first, then the workbook and the Word report
that embed them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.report import charts, document, workbook
from bot.report.model import Report


@dataclass(frozen=True)
class ReportFiles:
    workbook: Path
    document: Path
    charts: dict[str, Path]


def slug(report: Report) -> str:
    """File name stem: bao-cao-2026-10-01_2026-10-31."""
    return f"bao-cao-{report.period.start.isoformat()}_{report.period.end.isoformat()}"


def write(report: Report, folder: Path) -> ReportFiles:
    folder.mkdir(parents=True, exist_ok=True)
    pictures = charts.render_all(report, folder / "bieu-do")
    stem = slug(report)
    xlsx = workbook.write(report, pictures, folder / f"{stem}.xlsx")
    docx = document.write(report, pictures, folder / f"{stem}.docx")
    return ReportFiles(xlsx, docx, pictures)
