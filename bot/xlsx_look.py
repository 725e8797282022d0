"""The look every workbook staff download shares (the report, the contest results and the
question-bank template): a bold title, blue header cells, wrapped text."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")
WRAP = Alignment(wrap_text=True, vertical="top")
