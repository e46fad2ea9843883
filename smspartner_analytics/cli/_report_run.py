"""What ``smspartner-analytics report`` does once its options are parsed (``_report`` declares
them). Imported only when the command runs."""

from __future__ import annotations

import argparse
import sys
import warnings

from smspartner_analytics.core.config import resolve_store_path
from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.messages import warning_line
from smspartner_analytics.core.numbers import counted

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Read the store, write the report CSVs and charts, print the files written."""
    from smspartner_analytics.core.earlier import ADVICE
    from smspartner_analytics.core.labels import load_labels
    from smspartner_analytics.frames.earlier import earlier_answers
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
    earlier = earlier_answers(frames.rentals, frames.errors)
    if earlier:
        print(f"{earlier.phrase(locale=args.locale)}: to update them, {ADVICE}.")
    return 0
