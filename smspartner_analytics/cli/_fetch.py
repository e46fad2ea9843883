"""``smspartner-analytics fetch TOKENS_FILE``: ask the API for every token, keep the answers.

Prints the one-line summary and the store path on stdout. Exit codes: 0 every token got an answer
from the API (data or an API error such as 32), 3 some got no answer after retries (run again),
4 the key is missing or refused, 5 the disk holding the store is full (what was saved is kept),
6 ``--watch`` ran out of time, 7 the only failures left are persistent (same failure 3 runs in a
row; ``--refresh`` asks them), 1 stopped early (TLS failure, wrong base URL), 2 bad input,
130 Ctrl-C. The key comes from the environment or ``.env`` only.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from typing import TYPE_CHECKING

from smspartner_analytics.cli._common import (
    EXIT_AUTH,
    EXIT_DISK_FULL,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_PENDING,
    EXIT_PERSISTENT,
    EXIT_USAGE,
    duration,
)

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.core.schema import TokenEntry

from smspartner_analytics.cli._common import Parents, Subparsers, int_between, number_between
from smspartner_analytics.core.config import DEFAULT_RATE, DEFAULT_WORKERS
from smspartner_analytics.core.errors import error_line, warning_line
from smspartner_analytics.core.numbers import counted

__all__ = ["MAX_RATE", "MAX_WORKERS", "MIN_RATE", "register", "run"]

#: Bounds of --workers and --rate (a thread per worker; a rate below MIN_RATE waits for days).
MAX_WORKERS = 64
MIN_RATE = 0.001
MAX_RATE = 10_000.0


def register(sub: Subparsers, parents: Parents) -> None:
    """Add this subcommand's parser."""
    p = sub.add_parser(
        "fetch",
        parents=[parents.store, parents.quiet],
        help="ask the API for the status of every token in a file and keep the answers",
        description=(
            "Ask the API for the status of every token in TOKENS_FILE and keep every answer in "
            "the store. The API key comes from SMSPARTNER_API_KEY or a .env file, never from "
            "the command line. Exit codes: 0 every token answered, 3 some tokens got no answer "
            "after retries (run again), 4 the key is missing or refused, 5 the disk holding the "
            "store is full (answers saved so far are kept), 6 --watch stopped at --max-duration "
            "with rentals still pending, 7 the only failures left are persistent (the same "
            "failure on 3 runs in a row: not asked again, listed in errors.csv; --refresh asks "
            "them), 1 the batch stopped early (TLS failure, or the first answers all failed the "
            "same way: check the base URL), 2 bad input, 130 Ctrl-C (answers so far are kept). "
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
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the fetch subcommand; return the exit code."""
    from smspartner_analytics.fetch import (
        PERSISTENT_RUNS,
        FetchDiskFull,
        FetchInterrupted,
        fetch_statuses,
    )
    from smspartner_analytics.store.tokens import read_tokens

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        entries = read_tokens(args.tokens_file)
    for warning in caught:
        print(warning_line(warning.message), file=sys.stderr)
    if args.watch:
        return _run_watch(args, entries)
    if args.every is not None or args.max_duration is not None:
        print(error_line("--every and --max-duration only apply with --watch."), file=sys.stderr)
        return EXIT_USAGE
    try:
        with _new_client(args) as client:
            result = fetch_statuses(
                entries,
                client=client,
                store=args.store,
                workers=args.workers or DEFAULT_WORKERS,
                refresh=args.refresh,
                progress=not args.quiet and sys.stderr.isatty(),
                errors="ignore",
            )
    except FetchInterrupted as stop:
        return _interrupted(
            stop.result.summary(),
            f"{_saved(stop.result.asked)} in {stop.result.store_path}; "
            "run the same command again to fetch the rest.",
        )
    except FetchDiskFull as full:
        print(full.result.summary())
        print(f"Store: {full.result.store_path}")
        print(error_line(full), file=sys.stderr)
        return EXIT_DISK_FULL
    print(result.summary())
    print(f"Store: {result.store_path}")
    if result.auth_failed:
        from smspartner_analytics.fetch import auth_message

        print(error_line(auth_message(result)), file=sys.stderr)
        return EXIT_AUTH
    if result.stopped:
        print(error_line(result.stopped), file=sys.stderr)
        return EXIT_ERROR
    if result.failed:
        print(
            f"{counted(result.failed, 'token')} got no answer after retries: run the same "
            "command again "
            "to ask them (final answers are not asked again).",
            file=sys.stderr,
        )
        print(f"Most frequent reason: {result.main_reason()}", file=sys.stderr)
        return EXIT_PARTIAL
    if result.persistent:
        print(
            f"{counted(result.persistent, 'token')} failed the same way on {PERSISTENT_RUNS} runs "
            "in a row: "
            "running again will not help, so they are no longer asked (see errors.csv, column "
            "persistent); --refresh asks them again.",
            file=sys.stderr,
        )
        return EXIT_PERSISTENT
    return EXIT_OK


def _new_client(args: argparse.Namespace) -> Client:
    """The client of this run: key from the environment or .env, options from the command."""
    from smspartner_analytics.client.http import Client

    return Client(
        base_url=args.base_url,
        rate=DEFAULT_RATE if args.rate is None else args.rate,
        workers=args.workers or DEFAULT_WORKERS,
        answer_format=args.format,
    )


def _run_watch(args: argparse.Namespace, entries: list[TokenEntry]) -> int:
    """``fetch --watch``: rounds until every rental is final; one line per round on stdout."""
    from smspartner_analytics.fetch import FetchDiskFull
    from smspartner_analytics.watching import (
        DEFAULT_EVERY,
        DEFAULT_MAX_DURATION,
        MIN_INTERVAL,
        WatchInterrupted,
        watch,
    )

    if args.refresh:
        refused = "--refresh cannot be combined with --watch (final answers never change)."
        print(error_line(refused), file=sys.stderr)
        return EXIT_USAGE
    every = DEFAULT_EVERY if args.every is None else args.every
    if every < MIN_INTERVAL:
        too_often = f"--every must be at least {MIN_INTERVAL:g}s, to stay polite to the API."
        print(error_line(too_often), file=sys.stderr)
        return EXIT_USAGE
    try:
        with _new_client(args) as client:
            result = watch(
                entries,
                client=client,
                store=args.store,
                workers=args.workers or DEFAULT_WORKERS,
                every=every,
                max_duration=(
                    DEFAULT_MAX_DURATION if args.max_duration is None else args.max_duration
                ),
                until=args.until,
                progress=False,
                on_round=lambda done: print(done.line(), flush=True),
            )
    except WatchInterrupted as stop:
        return _interrupted(
            stop.result.summary(),
            f"every answer so far is saved in {stop.result.store_path}; run the "
            "same command again to go on watching.",
        )
    except FetchDiskFull as full:
        print(error_line(full), file=sys.stderr)
        return EXIT_DISK_FULL
    print(result.summary())
    print(f"Store: {result.store_path}")
    if result.stopped == "auth_failed":
        message = (
            "The API refused the key: set SMSPARTNER_API_KEY in the environment or a .env "
            "file, then run again."
        )
        print(error_line(message), file=sys.stderr)
        return EXIT_AUTH
    return EXIT_PENDING if result.stopped == "max_duration" else EXIT_OK


def _saved(answers: int) -> str:
    """``"1 answer is saved"``, ``"12 answers are saved"``."""
    return f"{counted(answers, 'answer')} {'is' if answers == 1 else 'are'} saved"


def _interrupted(summary: str, saved: str) -> int:
    """After Ctrl-C: the summary on stdout, what is saved on stderr, exit 130 at once."""
    print(summary)
    print(f"Interrupted: {saved}", file=sys.stderr)
    _leave_if_requests_hang()
    return EXIT_INTERRUPTED


def _leave_if_requests_hang(grace: float = 0.25) -> None:
    """After Ctrl-C, exit at once if fetch threads are still stuck in a request.

    The interpreter joins worker threads at exit, and a server that does not answer would hold
    that for every remaining read timeout and retry (minutes). Every answer is already committed
    and the store closed, so nothing is lost by leaving now.
    """
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread.name.startswith("smspartner-fetch"):
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.name.startswith("smspartner-fetch") and t.is_alive() for t in threading.enumerate()):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)
