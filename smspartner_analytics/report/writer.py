"""``write_report``: the frames and their aggregates as CSV files (and charts as PNG) in a folder,
and on request as one Excel workbook and one HTML page.

Files: ``rentals.csv``, ``localisations.csv``, ``errors.csv``, ``spend_by_category.csv``,
``volume_by_location.csv``, ``status_summary.csv``, ``lead_times.csv`` (``leadtimes``, durations
in whole seconds), ``history.csv`` (every stored answer) and one PNG per chart of ``report.charts``
(``volume_by_location.png``, ``volume_per_rental.png``, ``spend_by_category.png``,
``status_breakdown.png``);
with ``xlsx=True`` ``report.xlsx`` (``report.workbook``), with ``html=True`` ``report.html``
(``report.html``).
All files of a report replace the previous report's together, or none do (``report.swap``):
a full disk or a crash mid-write leaves the previous report intact, and files in the folder that
are not the report's are left alone. Files get the permissions ``open()`` gives under the umask.
CSV rules: ``report.csvfiles``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from smspartner_analytics.analysis import spend_by_category, status_summary, volume_by_location
from smspartner_analytics.core.config import ENV_API_KEY, resolve_setting
from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.numbers import Locale, check_locale
from smspartner_analytics.frames.dtypes import HISTORY_DTYPES, Frames, empty_frame
from smspartner_analytics.leadtimes import lead_times, lead_times_in_seconds
from smspartner_analytics.report.charts import CHART_FILES, CHARTS, render
from smspartner_analytics.report.csvfiles import write_csv
from smspartner_analytics.report.html import HTML_FILE, write_html
from smspartner_analytics.report.summary import Summary, report_zone, summarise
from smspartner_analytics.report.swap import replacing
from smspartner_analytics.report.workbook import XLSX_FILE, write_workbook

__all__ = [
    "CHART_FILES",
    "CSV_FILES",
    "EMPTY_STORE",
    "HTML_FILE",
    "REPORT_FILES",
    "XLSX_FILE",
    "report_tables",
    "write_report",
]

CSV_FILES: Final[tuple[str, ...]] = (
    "rentals.csv",
    "localisations.csv",
    "errors.csv",
    "spend_by_category.csv",
    "volume_by_location.csv",
    "status_summary.csv",
    "lead_times.csv",
    "history.csv",
)
#: Every file name a report may write: the previous report's files among them are replaced (or
#: removed when the new report does not write them); other files in the folder are left alone.
REPORT_FILES: Final[tuple[str, ...]] = (*CSV_FILES, *CHART_FILES, XLSX_FILE, HTML_FILE)
EMPTY_STORE: Final = (
    "The store has no answers yet: run `smspartner-analytics fetch TOKENS_FILE` first."
)


def report_tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The tables of the report, keyed by file name (``CSV_FILES``), in column order."""
    history = frames.history
    if not set(HISTORY_DTYPES) <= set(history.columns):  # frames from flatten have no history
        history = empty_frame(HISTORY_DTYPES)
    return {
        "rentals.csv": frames.rentals,
        "localisations.csv": frames.localisations,
        "errors.csv": frames.errors,
        "spend_by_category.csv": spend_by_category(frames.rentals),
        "volume_by_location.csv": volume_by_location(frames.localisations),
        "status_summary.csv": status_summary(frames.rentals),
        "lead_times.csv": lead_times_in_seconds(lead_times(history)),
        "history.csv": history,
    }


def _prepare(out_dir: str | Path) -> Path:
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"Cannot create the report folder {folder} ({exc.strerror}): choose another --out."
        ) from None
    return folder


def write_report(
    frames: Frames,
    out_dir: str | Path,
    *,
    excel: bool = False,
    charts: bool = True,
    csv: bool = True,
    xlsx: bool = False,
    html: bool = False,
    locale: Locale = "en",
    source: str | Path | None = None,
    timezone: str | None = None,
) -> list[Path]:
    """Write the report into ``out_dir``: CSVs and PNG charts, ``report.xlsx``, ``report.html``.

    ``csv`` (default) writes the CSVs of ``CSV_FILES``, ``excel=True`` for French Excel (BOM,
    ``;``, decimal commas); ``charts`` (default) the PNG charts; ``xlsx`` the workbook (typed
    cells, native charts: the way to open the data in Excel; every table but the history, which
    can outgrow a sheet); ``html`` the one-file page. ``locale`` ("en" or "fr") sets the number
    formats of the charts, the workbook and the page; ``timezone`` (an IANA name, by default the
    user's own) the zone their timestamps are shown in; ``source`` (the store's path)
    is named on their first page. Returns the paths written. Raises ``ReportError`` when there is
    nothing to report or the folder is unwritable.
    """
    if frames.rentals.empty and frames.errors.empty:
        raise ReportError(EMPTY_STORE)
    if not (csv or charts or xlsx or html):
        raise ReportError("Nothing to write: ask for CSV files, charts, --xlsx or --html.")
    try:
        locale = check_locale(locale)
    except ValueError as exc:
        raise ReportError(f"{exc}.") from None
    tables = report_tables(frames)
    summary = _summary(tables, xlsx or html, source, timezone, locale)
    folder = _prepare(out_dir)
    secrets = [key] if (key := resolve_setting(ENV_API_KEY)) else []
    names: list[str] = []
    try:
        with replacing(folder, REPORT_FILES) as staging:
            if csv:
                for name, table in tables.items():
                    write_csv(table, staging / name, excel=excel, secrets=secrets)
                    names.append(name)
            if charts:
                names.extend(_write_charts(frames, staging, locale))
            if xlsx and summary is not None:
                write_workbook(tables, staging / XLSX_FILE, summary=summary, secrets=secrets)
                names.append(XLSX_FILE)
            if html and summary is not None:
                write_html(frames, tables, staging / HTML_FILE, summary=summary, secrets=secrets)
                names.append(HTML_FILE)
    except OSError as exc:
        raise ReportError(
            f"Cannot write the report in {folder} ({exc.strerror}): the previous report is "
            "unchanged; check the folder is writable and has free space, or choose another --out."
        ) from None
    return [folder / name for name in names]


def _summary(
    tables: dict[str, pd.DataFrame],
    wanted: bool,
    source: str | Path | None,
    timezone: str | None,
    locale: Locale,
) -> Summary | None:
    """The first page of the workbook and the HTML page (None when neither is written)."""
    if not wanted:
        return None
    return summarise(tables, source=source, zone=report_zone(timezone), locale=locale)


def _write_charts(frames: Frames, folder: Path, locale: Locale) -> list[str]:
    """Save each chart of ``report.charts`` as PNG, money and numbers in ``locale``."""
    written = []
    for chart in CHARTS:
        figure = render(chart, frames, locale=locale)
        with (folder / chart.file_name).open("wb") as fh:
            figure.savefig(fh, format="png", dpi=100)
        written.append(chart.file_name)
    return written
