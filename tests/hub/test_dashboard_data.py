"""The dashboard's months and exports, without servers: calendar edges, and text that a
spreadsheet program would run as a formula kept as text."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from hub.dashboard.data import Table, last_months
from hub.dashboard.export import to_csv, to_xlsx


def test_the_last_twelve_months_end_with_the_current_one_across_a_year_and_a_leap_day() -> None:
    months = last_months(date(2028, 1, 31))
    assert [m.label for m in months] == [f"2027-{n:02}" for n in range(2, 13)] + ["2028-01"]
    assert (months[0].first, months[0].last) == (date(2027, 2, 1), date(2027, 2, 28))
    assert months[-1].last == date(2028, 1, 31)
    leap = last_months(date(2028, 3, 1), count=2)
    assert (leap[0].first, leap[0].last) == (date(2028, 2, 1), date(2028, 2, 29))
    assert len({m.alias for m in months}) == 12


def test_a_window_name_that_looks_like_a_formula_is_exported_as_text() -> None:
    table = Table(("window", "services"), [('=HYPERLINK("http://x.example","点我")', 3)])
    row = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))[1]
    assert row == ['\'=HYPERLINK("http://x.example","点我")', "3"]
    sheet = load_workbook(io.BytesIO(to_xlsx(table, "指标"))).worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert sheet.cell(row=2, column=2).value == 3
