"""``report.xlsx``: the report as an Excel workbook with typed cells and native charts.

Written with XlsxWriter (directly, not through ``DataFrame.to_excel``, to choose each cell's type):

- a first "Summary" sheet (totals, the date of the data and its source, rentals per status,
  spend per category, top shortfalls) with three native charts (volume, spend per category,
  rentals per status) that reference the cells of the ``volume_by_location``,
  ``spend_by_category`` and ``status_summary`` sheets, so they follow edits and filters;
- one sheet per table (rentals, localisations, errors and each aggregate), header frozen,
  autofilter on, column widths from the content.

Cells: counts are numbers (``#,##0``); money a number with a € format (two decimals, three for
per-contact costs); ratios a number with a percent format (``0.85`` shows as ``85.0%``);
timestamps real Excel date-times, converted to the report's zone (Excel has no zones: the
header says which, e.g. ``fetched_at (Europe/Paris)``); the dates that came with the tokens
(``Date de commande`` written ``11/12/2025``, read by ``frames.dates`` as the dashboard reads
them) real Excel dates as written, no zone, a value that is no date kept as its text (``cells``);
tokens, zip codes, locations and every other text a text cell (``@`` format, leading zeros
kept); a missing value an empty cell. Text is always written with ``write_string``, so
``=HYPERLINK(...)``, ``+33 …``, ``@SUM(...)`` or ``-5`` from the API or the tokens' metadata
stays text and is never run. Text longer than Excel's limit (32,767 characters) is cut by
XlsxWriter. The locale (``en``/``fr``) chooses the number formats
(``€1,234.50`` / ``1 234,50 €``, date order); Excel shows digits with its own separators.

Rounding: numbers are stored as written (float64); timestamps as Excel serial days, which keep
them to the microsecond or so (read back equal to the millisecond).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.core.redaction import redact
from smspartner_analytics.report.cells import (
    EXCEL_EPOCH,
    cell_kind,
    cells,
    number_or_text,
    timed,
    width,
)
from smspartner_analytics.report.columns import Kind, column_kind, header
from smspartner_analytics.report.csvfiles import atomic_path
from smspartner_analytics.report.summary import Summary, Zone

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "CHART_TOP",
    "CSV_ONLY",
    "MAX_SHEET_ROWS",
    "SUMMARY_SHEET",
    "XLSX_FILE",
    "sheet_name",
    "write_workbook",
]

XLSX_FILE: Final = "report.xlsx"
SUMMARY_SHEET: Final = "Summary"
#: Report tables that get no sheet (only their CSV file).
CSV_ONLY: Final[frozenset[str]] = frozenset({"history.csv"})
#: Data rows a sheet can hold (Excel's 1,048,576 rows, less the header). A longer table is cut,
#: and the Summary sheet says so first (its CSV file has every row).
MAX_SHEET_ROWS: Final = 1_048_575
#: Localities drawn in the volume chart (the first rows of ``volume_by_location``, largest
#: shortfall first); the sheet has them all.
CHART_TOP: Final = 20

_FORMATS: Final[dict[Locale, dict[Kind, str]]] = {
    "en": {
        "int": "#,##0",
        "number": "#,##0.00",
        "money": '"€"#,##0.00;-"€"#,##0.00',
        "unit_money": '"€"#,##0.000;-"€"#,##0.000',
        "ratio": "0.0%",
        "datetime": "yyyy-mm-dd hh:mm:ss",
        "date": "yyyy-mm-dd",
        "text": "@",
        "bool": "General",
    },
    "fr": {
        "int": "#,##0",
        "number": "#,##0.00",
        "money": '#,##0.00 "€";-#,##0.00 "€"',
        "unit_money": '#,##0.000 "€";-#,##0.000 "€"',
        "ratio": "0.0%",
        "datetime": "dd/mm/yyyy hh:mm:ss",
        "date": "dd/mm/yyyy",
        "text": "@",
        "bool": "General",
    },
}
#: Money on a chart axis: whole euros.
_AXIS_MONEY: Final[dict[Locale, str]] = {"en": '"€"#,##0', "fr": '#,##0 "€"'}


def sheet_name(csv_name: str) -> str:
    """The sheet of a report table: its CSV file name without ``.csv``."""
    return csv_name.removesuffix(".csv")


def _header(name: str, kind: Kind, zone: Zone, *, human: bool = False) -> str:
    """The column's name (data sheets, as in the CSV files), or its ``header`` for people."""
    label = header(name) if human else name
    return f"{label} ({zone.name})" if kind == "datetime" else label


class _Writer:
    """The workbook being written, its cell formats, zone and secrets."""

    def __init__(self, book: Workbook, locale: Locale, zone: Zone, secrets: list[str]) -> None:
        self.book, self.zone, self.secrets = book, zone, secrets
        self.formats: dict[Kind, Format] = {
            kind: book.add_format({"num_format": code}) for kind, code in _FORMATS[locale].items()
        }
        self.head = book.add_format({"bold": True, "bg_color": "#dde7f0", "bottom": 1})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.warn = book.add_format({"bold": True, "font_color": "#b35806"})

    def method(self, sheet: Worksheet, kind: Kind) -> Callable[..., int]:
        write: Callable[..., int] = sheet.write_number
        if kind == "date":
            write = number_or_text(sheet)
        elif kind == "text":
            write = sheet.write_string
        elif kind == "bool":
            write = sheet.write_boolean
        return write

    def table(self, sheet: Worksheet, frame: pd.DataFrame, top: int, *, data: bool) -> int:
        """Write ``frame`` with its header at row ``top``; return the row after it."""
        frame = frame.reset_index(drop=True)
        kinds = [cell_kind(frame[c]) if data else column_kind(frame[c]) for c in frame.columns]
        columns = [
            cells(frame[c], k, self.zone, self.secrets) for c, k in zip(frame, kinds, strict=True)
        ]
        headers = [
            _header(str(c), k, self.zone, human=not data)
            for c, k in zip(frame.columns, kinds, strict=True)
        ]
        for col, text in enumerate(headers):
            sheet.write_string(top, col, redact(text, self.secrets), self.head)
        writers = [
            (self.method(sheet, k), self.formats[timed(k, values)])
            for k, values in zip(kinds, columns, strict=True)
        ]
        plan = list(zip(columns, writers, strict=True))
        for row in range(len(frame)):
            for col, (values, (write, fmt)) in enumerate(plan):
                value = values[row]
                if value is not None:
                    write(top + 1 + row, col, value, fmt)
        if data:
            for col, (header, kind, values) in enumerate(zip(headers, kinds, columns, strict=True)):
                sheet.set_column(col, col, width(header, kind, values))
            sheet.freeze_panes(top + 1, 0)
            sheet.repeat_rows(top)
            sheet.set_landscape()
            sheet.fit_to_pages(1, 0)
            if len(frame.columns):
                sheet.autofilter(top, 0, top + max(len(frame), 1), len(frame.columns) - 1)
        return top + 1 + len(frame)

    def summary(self, sheet: Worksheet, summary: Summary, notes: list[str]) -> None:
        sheet.write_string(0, 0, "SMS Partner rentals report", self.title)
        row = 2
        for note in notes:  # tables cut at Excel's row limit, said before anything else
            sheet.write_string(row, 0, note, self.warn)
            row += 1
        for fact in summary.facts:
            sheet.write_string(row, 0, fact.label, self.bold)
            if fact.value is not None:
                value: object = fact.value
                if fact.kind == "datetime":
                    value = (pd.Timestamp(fact.value) - EXCEL_EPOCH) / pd.Timedelta(days=1)
                if fact.kind == "text":
                    value = redact(str(value), self.secrets)
                write = self.method(sheet, fact.kind)
                write(row, 1, value, self.formats[fact.kind])
            row += 1
        for note in summary.notes:
            sheet.write_string(row, 0, note)
            row += 1
        sections = (
            ("Rentals per status", summary.status),
            ("Spend per category (most spent first)", summary.spend),
            ("Top shortfalls (localities short of contacts)", summary.shortfalls),
            *([("Spend per campaign", summary.campaigns)] if summary.campaigns is not None else []),
        )
        for title, frame in sections:
            sheet.write_string(row + 1, 0, title, self.title)
            row = self.table(sheet, frame, row + 2, data=False) + 1
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 20)  # a date-time needs 19 characters
        sheet.set_column(2, 8, 17)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)


def _range(sheet: str, frame: pd.DataFrame, column: str, rows: int) -> list[object]:
    col = list(frame.columns).index(column)
    return [sheet, 1, col, max(rows, 1), col]


def _chart(book: Workbook, title: str, axis: str, number_format: str) -> Any:
    chart = book.add_chart({"type": "column"})
    chart.set_title({"name": title, "name_font": {"size": 12}})
    chart.set_y_axis(
        {"name": axis, "num_format": number_format, "min": 0, "major_gridlines": {"visible": 1}}
    )
    chart.set_size({"width": 720, "height": 340})
    return chart


def _charts(
    book: Workbook, summary_sheet: Worksheet, tables: Mapping[str, pd.DataFrame], locale: Locale
) -> None:
    volume = tables["volume_by_location.csv"]
    spend = tables["spend_by_category.csv"]
    status = tables["status_summary.csv"]
    top = min(len(volume), CHART_TOP)
    vol = _chart(book, f"Contacts asked for vs obtained (top {top} by shortfall)", "contacts",
                 _FORMATS[locale]["int"])  # fmt: skip
    for column, colour in (("volume_desired", "#9ecae1"), ("volume_obtained", "#3182bd")):
        vol.add_series({
            "name": column.replace("_", " "),
            "categories": _range("volume_by_location", volume, "location", top),
            "values": _range("volume_by_location", volume, column, top),
            "fill": {"color": colour},
        })  # fmt: skip
    label = "category_label" if "category_label" in spend.columns else spend.columns[0]
    money = _chart(book, "Spend per category", "spend", _AXIS_MONEY[locale])
    money.add_series({
        "name": "spend",
        "categories": _range("spend_by_category", spend, str(label), len(spend)),
        "values": _range("spend_by_category", spend, "cost_total", len(spend)),
        "fill": {"color": "#31a354"},
    })  # fmt: skip
    money.set_legend({"none": True})
    counts = _chart(book, "Rentals per status", "rentals", _FORMATS[locale]["int"])
    counts.add_series({
        "name": "rentals",
        "categories": _range("status_summary", status, "status", len(status)),
        "values": _range("status_summary", status, "rentals", len(status)),
        "fill": {"color": "#6baed6"},
    })  # fmt: skip
    counts.set_legend({"none": True})
    for number, chart in enumerate((vol, money, counts)):
        summary_sheet.insert_chart(2 + 18 * number, 9, chart)


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    summary: Summary,
    secrets: list[str] | None = None,
) -> Path:
    """Write ``tables`` (``tables.report_tables``) and ``summary`` as an Excel workbook at ``path``.

    Tables of ``CSV_ONLY`` (the history: every stored answer, more rows than a sheet can hold)
    are left to their CSV file.

    Written to a temporary file beside ``path`` and renamed into place. ``ReportError`` when
    the file cannot be written.
    """
    import xlsxwriter
    from xlsxwriter.exceptions import XlsxWriterException

    target = Path(path)
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), options)
        writer = _Writer(book, summary.locale, summary.zone, [s for s in secrets or [] if s])
        sheets = {name: frame for name, frame in tables.items() if name not in CSV_ONLY}
        notes = [
            f"The {sheet_name(name)} sheet shows the first {MAX_SHEET_ROWS:,} of its "
            f"{len(frame):,} rows (Excel's limit): every row is in {name}."
            for name, frame in sheets.items()
            if len(frame) > MAX_SHEET_ROWS
        ]
        first = book.add_worksheet(SUMMARY_SHEET)
        writer.summary(first, summary, notes)
        for name, frame in sheets.items():
            sheet = book.add_worksheet(sheet_name(name))
            writer.table(sheet, frame.head(MAX_SHEET_ROWS), 0, data=True)
        _charts(book, first, tables, summary.locale)
        try:
            book.close()
        except XlsxWriterException as exc:
            raise ReportError(
                f"Cannot write {target} ({exc}): check the folder is writable and has free "
                "space, or choose another --out."
            ) from None
    return target
