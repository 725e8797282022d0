"""Residents' words in the files staff download, kept as text: a cell starting with "=", "+",
"-" or "@" (or a tab or carriage return before one) would otherwise be a live formula in Excel
or LibreOffice ("=HYPERLINK(...)" sending other cells away). OWASP "CSV Injection"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CSV export needs no openpyxl
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A CSV field that a spreadsheet reads as text: a leading apostrophe before a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def put_text(cell: Cell, value: Any) -> Cell:
    """Set a workbook cell; a string is stored as a string, never as a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
