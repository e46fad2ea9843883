"""What ``smspartner-analytics demo`` does once its options are parsed (``_demo`` declares them).
Imported only when the command runs."""

from __future__ import annotations

import argparse
import sys

from smspartner_analytics.cli._common import EXIT_OK

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from smspartner_analytics.demo import run_demo

    progress = not args.quiet and sys.stderr.isatty()
    result = run_demo(args.out, rentals=args.rentals, seed=args.seed, progress=progress)
    print("\n".join(result.summary_lines()))
    return EXIT_OK
