"""`smspartner-analytics report [--store PATH] [--out DIR] [--excel] [--labels CSV] [--locale fr]
[--xlsx] [--html] [--no-csv] [--timezone ZONE] [--rebuild-cache]`."""

from __future__ import annotations

from smspartner_analytics.cli._common import Parents, Subparsers
from smspartner_analytics.core.defaults import DEFAULT_REPORT_DIR
from smspartner_analytics.core.numbers import LOCALES

__all__ = ["register"]


def register(sub: Subparsers, parents: Parents, summary: str) -> None:
    """Add this subcommand's parser (``summary``: its line in the command's ``--help``)."""
    p = sub.add_parser(
        "report",
        parents=[parents.store],
        help=summary,
        description=(
            "Write rentals, localisations, errors and aggregate CSVs, and charts as PNG; with "
            "--xlsx an Excel workbook (the way to open the data in Excel), with --html a one-file "
            "page to read or email."
        ),
    )
    p.add_argument(
        "--out",
        default=DEFAULT_REPORT_DIR,
        metavar="DIR",
        help=f"folder to write the report to (default ./{DEFAULT_REPORT_DIR})",
    )
    p.add_argument(
        "--excel",
        action="store_true",
        help="CSV for French Excel: UTF-8 with BOM, ';' separator, decimal commas",
    )
    p.add_argument("--labels", metavar="CSV", help="extra labels (kind,id,label) to use")
    p.add_argument(
        "--locale",
        choices=LOCALES,
        default="en",
        help=(
            "how money and numbers read in the charts, the --xlsx workbook and the --html "
            "page: en (€1,234.50, default) or fr (1 234,50 €)"
        ),
    )
    p.add_argument(
        "--xlsx",
        action="store_true",
        help="also write report.xlsx: typed cells, a Summary sheet, native Excel charts",
    )
    p.add_argument(
        "--html",
        action="store_true",
        help="also write report.html: summary, charts and main tables in one offline file",
    )
    p.add_argument(
        "--no-csv",
        dest="csv",
        action="store_false",
        help="do not write the CSV files (with --xlsx or --html)",
    )
    p.add_argument(
        "--timezone",
        metavar="ZONE",
        help="zone of the times in --xlsx and --html, e.g. Europe/Paris (default: this computer's)",
    )
    p.add_argument(
        "--rebuild-cache",
        action="store_true",
        help=(
            "recreate the frames cache (the folder STORE.frames/ beside the store) from the "
            "stored answers before the report, when you suspect it is stale or damaged"
        ),
    )
