"""The ``smspartner-analytics`` command: a thin ``main(argv) -> int`` over the library.

Expected failures (our ``SMSPartnerError`` tree) print one line ``Kind: message`` on stderr and
return an exit code; only bugs give a traceback. Subcommands import their modules lazily, so
``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from smspartner_analytics import __version__
from smspartner_analytics.core.config import ENV_API_KEY, resolve_setting
from smspartner_analytics.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InputError,
    MissingAPIKeyError,
    SMSPartnerError,
)
from smspartner_analytics.core.redaction import redact

__all__ = [
    "EXIT_AUTH",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "build_parser",
    "entry_point",
    "main",
]

EXIT_OK = 0
EXIT_ERROR = 1  # an expected failure not covered below (store, report, ...)
EXIT_USAGE = 2  # bad options or input files (argparse uses 2 as well)
EXIT_PARTIAL = 3  # fetch: some tokens got no answer from the API after retries (rerun later)
EXIT_AUTH = 4  # the API key is missing or refused
EXIT_INTERRUPTED = 130  # Ctrl-C


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number, 0 or more")
    return value


def _fraction(text: str) -> float:
    value = _non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smspartner-analytics",
        description=(
            "Fetch the status of many SMS Partner contact rentals, keep every answer in a "
            "SQLite store, and write CSV reports and charts. Try 'smspartner-analytics demo' "
            "(no key, no network)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "fetch",
        help="ask the API for the status of every token in a file and keep the answers",
        description=(
            "Ask the API for the status of every token in TOKENS_FILE and keep every answer in "
            "the store. The API key comes from SMSPARTNER_API_KEY or a .env file, never from "
            "the command line. Exit codes: 0 every token answered, 3 some tokens got no answer "
            "after retries (run again), 4 the key is missing or refused, 2 bad input."
        ),
    )
    p.add_argument(
        "tokens_file",
        metavar="TOKENS_FILE",
        help="one token per line, or a CSV with a 'token' column (other columns are "
        "kept as metadata); '-' reads standard input",
    )
    p.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite store (default: $SMSPARTNER_STORE, else ./smspartner.sqlite)",
    )
    p.add_argument(
        "--base-url",
        metavar="URL",
        help="API base URL (default: $SMSPARTNER_BASE_URL, else the real API)",
    )
    p.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        metavar="N",
        help="requests in flight at once (default 4)",
    )
    p.add_argument(
        "--rate",
        type=_non_negative_float,
        default=None,
        metavar="R",
        help="requests per second at most; 0 means no cap (default 5)",
    )
    p.add_argument(
        "--refresh", action="store_true", help="ask again for every token, final answers included"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "report",
        help="write CSV reports (and charts) from the store",
        description="Write rentals, localisations, errors and aggregate CSVs, and charts as PNG.",
    )
    p.add_argument(
        "--store",
        metavar="PATH",
        help="SQLite store (default: $SMSPARTNER_STORE, else ./smspartner.sqlite)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the report to")
    p.add_argument(
        "--excel",
        action="store_true",
        help="CSV for French Excel: UTF-8 with BOM, ';' separator, decimal commas",
    )
    p.add_argument("--labels", metavar="CSV", help="extra labels (kind,id,label) to use")

    p = sub.add_parser(
        "sandbox",
        help="serve a local imitation of the API (no key, no network)",
        description="Serve GET /v1/location/status on a loopback port until Ctrl-C.",
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)"
    )
    p.add_argument("--port", type=int, default=0, metavar="N", help="port (default: a free one)")
    p.add_argument(
        "--rentals",
        type=_positive_int,
        default=300,
        metavar="N",
        help="how many rentals to generate (default 300)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument(
        "--latency-ms",
        type=_non_negative_float,
        default=0.0,
        metavar="L",
        help="added latency per request in milliseconds",
    )
    p.add_argument(
        "--fault-rate",
        type=_fraction,
        default=0.0,
        metavar="F",
        help="share of requests answered with a random fault (0 to 1)",
    )
    p.add_argument(
        "--api-key", metavar="KEY", help="accept only this key (default: any non-empty key)"
    )
    p.add_argument(
        "--tokens-out",
        metavar="PATH",
        help="write the generated tokens (CSV with metadata) to this file",
    )

    p = sub.add_parser(
        "demo",
        help="the whole job on the built-in sandbox: fetch, report, charts (no key, no network)",
        description=(
            "Start the sandbox in-process, fetch a few hundred generated rentals over HTTP, "
            "write the full report and print a summary."
        ),
    )
    p.add_argument(
        "--out",
        default="smspartner-report",
        metavar="DIR",
        help="folder for the report (default ./smspartner-report)",
    )
    p.add_argument(
        "--rentals",
        type=_positive_int,
        default=300,
        metavar="N",
        help="how many rentals to generate (default 300)",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default 0)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _exit_code(exc: SMSPartnerError) -> int:
    if isinstance(exc, (MissingAPIKeyError, AuthenticationError)):
        return EXIT_AUTH
    if isinstance(exc, (InputError, ConfigurationError)):
        return EXIT_USAGE
    return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    module = importlib.import_module(f"._{args.command}", __name__)
    secrets = [resolve_setting(ENV_API_KEY)]  # from the environment or .env, like the Client
    try:
        code: int = module.run(args)
    except SMSPartnerError as exc:
        print(f"{type(exc).__name__}: {redact(str(exc), secrets)}", file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def entry_point() -> None:  # pragma: no cover - thin wrapper for [project.scripts]
    sys.exit(main())
