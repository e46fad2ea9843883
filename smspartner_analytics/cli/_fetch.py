"""``smspartner-analytics fetch TOKENS_FILE``: ask the API for every token, keep the answers.

Prints the one-line summary and the store path on stdout. Exit codes: 0 every token got an answer
from the API (data or an API error such as 32), 3 some got no answer after retries (run again),
4 the key is missing or refused, 2 bad input, 130 Ctrl-C. The key comes from the environment or
``.env`` only.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from . import EXIT_AUTH, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL

__all__ = ["run"]

DEFAULT_WORKERS = 4
DEFAULT_RATE = 5.0


def run(args: argparse.Namespace) -> int:
    """Run the fetch subcommand; return the exit code."""
    from ..fetch import FetchInterrupted, fetch_statuses
    from ..tokens import read_tokens

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = read_tokens(args.tokens_file)
    for warning in caught:
        print(f"Warning: {warning.message}", file=sys.stderr)
    try:
        result = fetch_statuses(
            entries,
            store=args.store,
            base_url=args.base_url,
            workers=args.workers or DEFAULT_WORKERS,
            rate=DEFAULT_RATE if args.rate is None else args.rate,
            refresh=args.refresh,
            progress=not args.quiet and sys.stderr.isatty(),
            errors="ignore",
        )
    except FetchInterrupted as stop:
        print(stop.result.summary())
        print(
            f"Interrupted: {stop.result.asked} answers are saved in {stop.result.store_path}; "
            "run the same command again to fetch the rest.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(result.summary())
    print(f"Store: {result.store_path}")
    if result.auth_failed:
        from ..fetch import auth_message

        print(f"AuthenticationError: {auth_message(result)}", file=sys.stderr)
        return EXIT_AUTH
    if result.failed:
        print(
            f"{result.failed} tokens got no answer after retries: run the same command again "
            "to ask them (final answers are not asked again).",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    return EXIT_OK
