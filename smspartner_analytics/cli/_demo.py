"""`smspartner-analytics demo`: the whole job on the built-in sandbox (no key, no network)."""

from __future__ import annotations

import argparse
import sys

from smspartner_analytics.cli._common import EXIT_OK, Parents, Subparsers, int_between
from smspartner_analytics.core.config import DEFAULT_REPORT_DIR

__all__ = ["register", "run"]


def register(sub: Subparsers, parents: Parents) -> None:
    """Add this subcommand's parser."""
    p = sub.add_parser(
        "demo",
        parents=[parents.quiet],
        help="the whole job on the built-in sandbox: fetch, report, charts (no key, no network)",
        description=(
            "Start the sandbox in-process, fetch a few hundred generated rentals over HTTP, "
            "write the full report and print a summary."
        ),
    )
    p.add_argument(
        "--out",
        default=DEFAULT_REPORT_DIR,
        metavar="DIR",
        help=f"folder for the report (default ./{DEFAULT_REPORT_DIR})",
    )
    p.add_argument(
        "--rentals",
        type=int_between(1, 100_000),
        default=300,
        metavar="N",
        help="how many rentals to generate, 1 to 100,000 (default 300)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from smspartner_analytics.demo import run_demo

    progress = not args.quiet and sys.stderr.isatty()
    result = run_demo(args.out, rentals=args.rentals, seed=args.seed, progress=progress)
    print("\n".join(result.summary_lines()))
    return EXIT_OK
