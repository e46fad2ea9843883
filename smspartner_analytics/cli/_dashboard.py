"""`smspartner-analytics dashboard`: the dashboard as a web page (Voilà), on the user's store."""

from __future__ import annotations

import argparse

from smspartner_analytics.cli._common import Parents, Subparsers, positive_int
from smspartner_analytics.core.defaults import DEFAULT_REPORT_DIR
from smspartner_analytics.core.numbers import LOCALES
from smspartner_analytics.widgets.defaults import DEFAULT_PORT, IDLE_TIMEOUT

__all__ = ["register"]


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 65535")
    return value


def register(sub: Subparsers, parents: Parents, summary: str) -> None:
    """Add this subcommand's parser (``summary``: its line in the command's ``--help``)."""
    p = sub.add_parser(
        "dashboard",
        parents=[parents.store],
        help=summary,
        description=(
            "Serve the dashboard (summary, filters, charts, table, Refresh and Write report) "
            "as a web page through Voilà, on your store: prints the address and opens it. "
            "Without an API key and a store, it runs on the built-in sandbox and says so. "
            f"Pages idle with no browser connected are shut down after {IDLE_TIMEOUT} s. "
            "Ctrl-C stops it (exit 130). Install: pip install 'smspartner-analytics[dashboard]'."
        ),
    )
    p.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="H",
        help=(
            "address to listen on (default 127.0.0.1: this machine only); any other needs "
            "the access token printed in the address"
        ),
    )
    p.add_argument(
        "--out",
        default=DEFAULT_REPORT_DIR,
        metavar="DIR",
        help=f"folder the page's 'Write report' writes to (default ./{DEFAULT_REPORT_DIR})",
    )
    p.add_argument(
        "--idle-timeout",
        type=positive_int,
        default=IDLE_TIMEOUT,
        metavar="SECONDS",
        help=(
            "shut down a page's kernel after this long with no browser connected "
            f"(default {IDLE_TIMEOUT})"
        ),
    )
    p.add_argument(
        "--locale",
        choices=LOCALES,
        default="en",
        help=(
            "how money, numbers and dates read on the page (summary, charts, table): "
            "en (€1,234.50, default) or fr (1 234,50 €)"
        ),
    )
    p.add_argument("--no-browser", action="store_true", help="print the address, open nothing")
