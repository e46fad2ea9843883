"""`smspartner-analytics demo`: the whole job on the built-in sandbox (no key, no network)."""

from __future__ import annotations

from smspartner_analytics.cli._common import Parents, Subparsers, int_between
from smspartner_analytics.core.defaults import DEFAULT_REPORT_DIR

__all__ = ["register"]


def register(sub: Subparsers, parents: Parents, summary: str) -> None:
    """Add this subcommand's parser (``summary``: its line in the command's ``--help``)."""
    p = sub.add_parser(
        "demo",
        parents=[parents.quiet],
        help=summary,
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
