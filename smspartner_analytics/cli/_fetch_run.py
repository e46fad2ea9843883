"""What ``smspartner-analytics fetch`` does once its options are parsed (``_fetch`` declares them).

Imported only when the command runs, so ``--help`` reads none of it.
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
)
from smspartner_analytics.core.config import DEFAULT_RATE, DEFAULT_WORKERS
from smspartner_analytics.core.messages import error_line, warning_line
from smspartner_analytics.core.numbers import counted

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.core.schema import TokenEntry

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Run the fetch subcommand; return the exit code."""
    from smspartner_analytics.fetch import (
        PERSISTENT_RUNS,
        FetchDiskFull,
        FetchInterrupted,
        fetch_statuses,
        kept_message,
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
    if kept := kept_message(result):  # a failed attempt never hides an earlier answer: say so
        print(kept)
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
        source = client.key_source
        message = (
            f"The API refused the API key {source.described()}: {source.fix()}, then run again."
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
