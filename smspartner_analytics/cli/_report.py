"""`smspartner-analytics report [--store PATH] [--out DIR] [--excel] [--labels CSV] [--locale fr]
[--xlsx] [--html] [--no-csv] [--timezone ZONE] [--rebuild-cache]`."""

from __future__ import annotations

import argparse
import sys
import warnings

from smspartner_analytics.cli._common import Parents, Subparsers
from smspartner_analytics.core.config import DEFAULT_REPORT_DIR, resolve_store_path
from smspartner_analytics.core.errors import StoreError, warning_line
from smspartner_analytics.core.numbers import LOCALES, counted

__all__ = ["register", "run"]


def register(sub: Subparsers, parents: Parents) -> None:
    """Add this subcommand's parser."""
    p = sub.add_parser(
        "report",
        parents=[parents.store],
        help="write the report (CSV, charts; --xlsx workbook, --html page) from the store",
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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read the store, write the report CSVs and charts, print the files written."""
    from smspartner_analytics.core.labels import load_labels
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.report.writer import write_report

    path = resolve_store_path(args.store)
    if not path.exists():
        raise StoreError(
            f"No store at {path}: run `smspartner-analytics fetch TOKENS_FILE` first "
            "(or pass --store)."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = load_labels(args.labels) if args.labels else None
    for warning in caught:
        print(warning_line(warning.message), file=sys.stderr)
    frames = load_frames(path, labels=labels, rebuild=args.rebuild_cache)
    written = write_report(
        frames,
        args.out,
        excel=args.excel,
        csv=args.csv,
        xlsx=args.xlsx,
        html=args.html,
        locale=args.locale,
        source=path,
        timezone=args.timezone,
    )
    for file in written:
        print(file)
    print(
        f"Report of {counted(len(frames.rentals), 'rental')} and "
        f"{counted(len(frames.errors), 'error')}: {counted(len(written), 'file')} in {args.out}"
    )
    return 0
