"""``write_report``: the frames and their aggregates as CSV files (and charts as PNG) in a folder.

Files: ``rentals.csv``, ``localisations.csv``, ``errors.csv``, ``spend_by_category.csv``,
``volume_by_location.csv``, ``status_summary.csv`` and one PNG per chart of ``report.charts``
(``volume_desired_vs_available.png``, ``spend_by_category.png``, ``status_breakdown.png``).
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
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.report.charts import CHART_FILES, CHARTS, render
from smspartner_analytics.report.csvfiles import write_csv
from smspartner_analytics.report.swap import replacing

__all__ = [
    "CHART_FILES",
    "CSV_FILES",
    "EMPTY_STORE",
    "REPORT_FILES",
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
)
#: Every file name a report may write: the previous report's files among them are replaced (or
#: removed when the new report does not write them); other files in the folder are left alone.
REPORT_FILES: Final[tuple[str, ...]] = CSV_FILES + CHART_FILES
EMPTY_STORE: Final = (
    "The store has no answers yet: run `smspartner-analytics fetch TOKENS_FILE` first."
)


def report_tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The six tables of the report, keyed by file name, in column order."""
    return {
        "rentals.csv": frames.rentals,
        "localisations.csv": frames.localisations,
        "errors.csv": frames.errors,
        "spend_by_category.csv": spend_by_category(frames.rentals),
        "volume_by_location.csv": volume_by_location(frames.localisations),
        "status_summary.csv": status_summary(frames.rentals),
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
    frames: Frames, out_dir: str | Path, *, excel: bool = False, charts: bool = True
) -> list[Path]:
    """Write the report CSVs (and, with ``charts``, the PNG charts) into ``out_dir``.

    ``excel=True`` writes CSV for French Excel (BOM, ``;``, decimal commas). Returns the paths
    written. Raises ``ReportError`` when there is nothing to report or the folder is unwritable.
    """
    if frames.rentals.empty and frames.errors.empty:
        raise ReportError(EMPTY_STORE)
    folder = _prepare(out_dir)
    secrets = [key] if (key := resolve_setting(ENV_API_KEY)) else []
    names: list[str] = []
    try:
        with replacing(folder, REPORT_FILES) as staging:
            for name, table in report_tables(frames).items():
                write_csv(table, staging / name, excel=excel, secrets=secrets)
                names.append(name)
            if charts:
                names.extend(_write_charts(frames, staging))
    except OSError as exc:
        raise ReportError(
            f"Cannot write the report in {folder} ({exc.strerror}): the previous report is "
            "unchanged; check the folder is writable and has free space, or choose another --out."
        ) from None
    return [folder / name for name in names]


def _write_charts(frames: Frames, folder: Path) -> list[str]:
    """Save each chart of ``report.charts`` as PNG."""
    written = []
    for chart in CHARTS:
        figure = render(chart, frames)
        with (folder / chart.file_name).open("wb") as fh:
            figure.savefig(fh, format="png", dpi=100)
        written.append(chart.file_name)
    return written
