"""Spreadsheet outputs (表格输出) that never turn data into formulas.

Every .xlsx and .csv yujing writes goes through this module:

- :func:`save_xlsx` saves an openpyxl workbook atomically after making every text cell plain
  text: openpyxl stores a ``str`` starting with ``=`` as a live formula, so a roster name
  ``=HYPERLINK("http://…","点我")`` would become a link in the secretary's Excel. Such cells
  are turned back into strings, and every text cell starting with a character a spreadsheet
  reads as a formula gets Excel's quote prefix (shown as typed, kept as text when edited).
- :func:`csv_writer` / :func:`write_csv` neutralise CSV values by OWASP's rule: a text value
  starting with ``= + - @`` (or full-width ``＝ ＋ － ＠``), a tab or a carriage return is prefixed with a single quote
  (numbers written as numbers are left alone); :func:`csv_text` undoes it when reading back
  (text that itself starts with a quote gets one more, so the undoing is exact).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from yujing.files import atomic_write

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
"""First characters a spreadsheet may read as the start of a formula (OWASP CSV injection),
with their full-width forms (＝ ＋ － ＠), which a Chinese input method types and some
spreadsheets (WPS, Excel with East Asian settings) read as the ASCII ones."""
QUOTE = "'"


def risky(text: str) -> bool:
    """Whether ``text`` would be read as a formula (or start one) by a spreadsheet."""
    return text.startswith(FORMULA_START)


def csv_value(value: Any) -> Any:
    """A CSV cell value: text that starts like a formula is prefixed with ``'`` (and so is text
    that starts with ``'``, so :func:`csv_text` gives back exactly what was written)."""
    if isinstance(value, str) and (risky(value) or value.startswith(QUOTE)):
        return QUOTE + value
    return value


def csv_text(cell: str) -> str:
    """The text a cell of :func:`csv_writer`'s output stands for (the guard quote removed)."""
    if cell.startswith(QUOTE) and (risky(cell[1:]) or cell[1:].startswith(QUOTE)):
        return cell[1:]
    return cell


class SafeCsvWriter:
    """``csv.writer`` with every value passed through :func:`csv_value`."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([csv_value(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(fh: IO[str]) -> SafeCsvWriter:
    """A CSV writer on ``fh`` that neutralises formula-like text."""
    return SafeCsvWriter(fh)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Path:
    """Write ``header`` and ``rows`` as a UTF-8 CSV with BOM (opens in Excel), atomically."""
    with atomic_write(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv_writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def plain_text(workbook: Any) -> int:
    """Make every text cell of ``workbook`` plain text (see the module docstring); returns how
    many cells needed the quote prefix."""
    guarded = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (cell.data_type == "f" or risky(value)):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    guarded += 1
    return guarded


def save_xlsx(workbook: Any, path: Path) -> Path:
    """Save ``workbook`` to ``path`` (atomically) with every text cell plain text."""
    plain_text(workbook)
    with atomic_write(path, "wb") as fh:
        workbook.save(fh)
    return path
