"""``smspartner-analytics fetch TOKENS_FILE``: ask the API for every token, keep the answers.

Prints the one-line summary and the store path on stdout. Exit codes: 0 every token got an answer
from the API (data or an API error such as 32), 3 some got no answer after retries (run again),
4 the key is missing or refused, 5 the disk holding the store is full (what was saved is kept),
6 ``--watch`` ran out of time, 7 the only failures left are persistent (same failure 3 runs in a
row; ``--refresh`` asks them), 8 another fetch is writing the same store, 1 stopped early
(TLS failure, wrong base URL), 2 bad input, 130 Ctrl-C. The key comes from the environment or
``.env`` only.
"""

from __future__ import annotations

from smspartner_analytics.cli._common import (
    Parents,
    Subparsers,
    duration,
    int_between,
    number_between,
)
from smspartner_analytics.core.defaults import DEFAULT_RATE, DEFAULT_WORKERS

__all__ = ["MAX_RATE", "MAX_WORKERS", "MIN_RATE", "register"]

#: Bounds of --workers and --rate (a thread per worker; a rate below MIN_RATE waits for days).
MAX_WORKERS = 64
MIN_RATE = 0.001
MAX_RATE = 10_000.0


def register(sub: Subparsers, parents: Parents, summary: str) -> None:
    """Add this subcommand's parser (``summary``: its line in the command's ``--help``)."""
    p = sub.add_parser(
        "fetch",
        parents=[parents.store, parents.quiet],
        help=summary,
        description=(
            "Ask the API for the status of every token in TOKENS_FILE and keep every answer in "
            "the store. The API key comes from SMSPARTNER_API_KEY or a .env file, never from "
            "the command line. Exit codes: 0 every token answered, 3 some tokens got no answer "
            "after retries (run again), 4 the key is missing or refused, 5 the disk holding the "
            "store is full (answers saved so far are kept), 6 --watch stopped at --max-duration "
            "with rentals still pending, 7 the only failures left are persistent (the same "
            "failure on 3 runs in a row: not asked again, listed in errors.csv; --refresh asks "
            "them), 8 another fetch (or fetch --watch) is writing the same store: nothing is "
            "asked, it is left to finish, 1 the batch stopped early (TLS failure, or the first "
            "answers all failed the same way: check the base URL), 2 bad input, 130 Ctrl-C "
            "(answers so far are kept). "
            "With --watch, rounds repeat every --every until every rental is final (failed, "
            "downloaded or not found), one line per round."
        ),
    )
    p.add_argument(
        "tokens_file",
        metavar="TOKENS_FILE",
        help="one token per line, or a CSV with a 'token' column (other columns are "
        "kept as metadata); '-' reads standard input",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: $SMSPARTNER_BASE_URL, else the real API)",
    )
    p.add_argument(
        "--workers",
        type=int_between(1, MAX_WORKERS),
        default=None,
        metavar="N",
        help=f"requests in flight at once, 1 to {MAX_WORKERS} (default {DEFAULT_WORKERS})",
    )
    p.add_argument(
        "--rate",
        type=number_between(MIN_RATE, MAX_RATE, zero="no cap"),
        default=None,
        metavar="R",
        help=f"requests per second at most, {MIN_RATE} to {MAX_RATE:,.0f}; 0 means no cap "
        f"(default {DEFAULT_RATE:g})",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="ask again for every token, final answers and persistent failures included",
    )
    p.add_argument(
        "--format",
        choices=("json", "xml"),
        default="json",
        help="the form the API answers in: json (default) or its positional xml form, read "
        "into the same data (answers are stored as received)",
    )

    w = p.add_argument_group("watching")
    w.add_argument(
        "--watch",
        action="store_true",
        help="ask again, round after round, for the rentals that are not final yet, "
        "until all are; one line per round (ready, pending, what changed)",
    )
    w.add_argument(
        "--every",
        type=duration,
        default=None,
        metavar="DURATION",
        help="time from one round's start to the next, like 30s, 5m or 1h "
        "(default 5m; at least 10s, to stay polite to the API)",
    )
    w.add_argument(
        "--max-duration",
        type=duration,
        default=None,
        metavar="DURATION",
        help="stop watching after this long, like 45m or 6h (default 6h); exit code 6 when "
        "rentals are still pending then",
    )
    w.add_argument(
        "--until",
        choices=("final", "ready"),
        default="final",
        help="stop when every rental is final (default), or already when every one is "
        "ready or final",
    )
