"""What the subcommands share: exit codes, option types and the parent parsers of shared options.

Each subcommand has two modules: ``_NAME`` (``_fetch``, ``_report``, ...) with
``register(sub, parents)``, which adds its subparser and imports next to nothing, and
``_NAME_run`` with ``run(args) -> int``, imported only when that subcommand runs: ``--help``
reads no run module (nor python-dotenv, pandas, requests). Shared options are declared once
here, as parent parsers, so ``--store`` and ``--quiet`` read the same everywhere.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable
from typing import NamedTuple, Protocol

__all__ = [
    "EXIT_AUTH",
    "EXIT_BUSY",
    "EXIT_DISK_FULL",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_PENDING",
    "EXIT_PERSISTENT",
    "EXIT_USAGE",
    "HelpFormatter",
    "Parents",
    "Subparsers",
    "duration",
    "fraction",
    "int_between",
    "make_parents",
    "non_negative_float",
    "number_between",
    "positive_int",
]

EXIT_OK = 0
EXIT_ERROR = 1  # an expected failure not covered below (store, report, ...)
EXIT_USAGE = 2  # bad options or input files (argparse uses 2 as well)
EXIT_PARTIAL = 3  # fetch: some tokens got no answer from the API after retries (rerun later)
EXIT_AUTH = 4  # the API key is missing or refused
EXIT_DISK_FULL = 5  # the disk holding the store is full (what was saved before is kept)
EXIT_PENDING = 6  # fetch --watch: --max-duration ran out with rentals still pending
EXIT_PERSISTENT = 7  # fetch: the only failures left repeat identically run after run
EXIT_BUSY = 8  # fetch: another fetch is writing the same store (one writer per store)
EXIT_INTERRUPTED = 130  # Ctrl-C


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help layout, but lines never break at a hyphen or inside a word, so names
    like ``smspartner-analytics[dashboard]`` or ``./smspartner-report`` stay whole to copy."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        text = " ".join(text.split())
        return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        text = " ".join(text.split())
        return textwrap.fill(
            text,
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )


class Subparsers(Protocol):
    """The object ``ArgumentParser.add_subparsers()`` returns (typed loosely for mypy)."""

    def add_parser(self, name: str, **kwargs: object) -> argparse.ArgumentParser: ...


class Parents(NamedTuple):  # not a dataclass: ``dataclasses`` costs --help 5 ms of imports
    """Parent parsers for options that several subcommands share."""

    store: argparse.ArgumentParser
    quiet: argparse.ArgumentParser


def make_parents() -> Parents:
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--store",
        metavar="PATH",
        help=(
            "SQLite store (default: $SMSPARTNER_STORE from the environment, else from the .env "
            "of the working folder or its nearest parent, a relative path there being relative "
            "to the .env's folder; else ./smspartner.sqlite, or the smspartner.sqlite beside "
            "the .env when only that one exists)"
        ),
    )
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("--quiet", action="store_true", help="no progress bar")
    return Parents(store=store, quiet=quiet)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number, 0 or more")
    return value


def fraction(text: str) -> float:
    value = non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1")
    return value


def _shown(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An option type: a whole number from ``low`` to ``high`` (both included)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{text} is out of range: give a whole number from {_shown(low)} to {_shown(high)}"
            )
        return value

    parse.__name__ = "whole number"  # what argparse names in "invalid ... value"
    return parse


def number_between(low: float, high: float, *, zero: str = "") -> Callable[[str], float]:
    """An option type: a finite number from ``low`` to ``high``; 0 too when ``zero`` says what
    it means (``"no cap"``). Tiny or huge values (``1e-300``) are refused here, not deep inside
    as an ``OverflowError``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if zero and value == 0:
            return 0.0
        if not low <= value <= high:  # NaN fails too
            also = f", or 0 for {zero}" if zero else ""
            raise argparse.ArgumentTypeError(
                f"{text} is out of range: give a number from {_shown(low)} to {_shown(high)}{also}"
            )
        return value

    parse.__name__ = "number"
    return parse


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?"
                       r"(?:(\d+(?:\.\d+)?)s?)?")  # fmt: skip


def duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``5m``, ``1h30m``, ``6h`` or ``1d``."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None or not any(match.groups()):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: write it like 90s, 5m, 1h30m or 6h"
        )
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than zero")
    return total
