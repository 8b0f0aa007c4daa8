"""The dashboard's exports: indicators per window and month, and the assessments, as CSV (UTF-8
with a byte-order mark, so spreadsheet programs read the Chinese names) or XLSX."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from hub.dashboard.data import FIGURES, Table, WindowIndicators

__all__ = ["FORMATS", "indicator_table", "to_csv", "to_xlsx"]

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Cell = str | int | float | None
# A text cell starting with one of these is a formula to a spreadsheet program: kept as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def indicator_table(found: list[WindowIndicators]) -> Table:
    """One row per window and month; a window whose node failed gets one row saying so."""
    rows: list[tuple[Cell, ...]] = []
    for window in found:
        if window.months is None:
            code = window.failure.code if window.failure else "WINDOW_ERROR"
            rows.append((window.window_id, window.name, None, *([None] * len(FIGURES)), code))
            continue
        for month in window.months:
            figures = tuple(month.figures[name] for name in FIGURES)
            rows.append((window.window_id, window.name, month.month, *figures, None))
    return Table(("windowId", "window", "month", *FIGURES, "unavailable"), rows)


def _text(value: Cell) -> Cell:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if cell is None else _text(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, sheet: str) -> bytes:
    book = Workbook(write_only=True)
    page = book.create_sheet(sheet)
    page.append(list(table.columns))
    for row in table.rows:
        page.append([_text(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
