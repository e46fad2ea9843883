"""The ``smspartner-analytics`` command: a thin ``main(argv) -> int`` over the library.

Expected failures (our ``SMSPartnerError`` tree) print one line ``error: what happened and what
to do`` on stderr (``core.errors.error_line``: no exception class name, the key hidden) and return
an exit code; only bugs give a traceback. Subcommands import their modules lazily, so
``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Sequence

from smspartner_analytics import __version__
from smspartner_analytics.cli._common import (
    EXIT_AUTH,
    EXIT_DISK_FULL,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    HelpFormatter,
    make_parents,
)
from smspartner_analytics.core.config import ENV_API_KEY, resolve_setting
from smspartner_analytics.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InputError,
    MissingAPIKeyError,
    SMSPartnerError,
    StoreFullError,
    error_line,
)

__all__ = [
    "COMMANDS",
    "EXIT_AUTH",
    "EXIT_DISK_FULL",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "build_parser",
    "entry_point",
    "main",
]

#: The subcommands, in the order ``--help`` lists them; each is a module ``_NAME`` of this package.
COMMANDS = ("fetch", "report", "sandbox", "demo", "dashboard")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smspartner-analytics",
        description=(
            "Fetch the status of many SMS Partner contact rentals, keep every answer in a "
            "SQLite store, and write CSV reports and charts. Try 'smspartner-analytics demo' "
            "(no key, no network)."
        ),
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parents = make_parents()
    for name in COMMANDS:
        importlib.import_module(f"smspartner_analytics.cli._{name}").register(sub, parents)
    for command in sub.choices.values():
        command.formatter_class = HelpFormatter
    return parser


def _exit_code(exc: SMSPartnerError) -> int:
    if isinstance(exc, (MissingAPIKeyError, AuthenticationError)):
        return EXIT_AUTH
    if isinstance(exc, StoreFullError):
        return EXIT_DISK_FULL
    if isinstance(exc, (InputError, ConfigurationError)):
        return EXIT_USAGE
    return EXIT_ERROR


def _hear_ctrl_c() -> None:
    """Make SIGINT raise ``KeyboardInterrupt`` even when it was inherited as ignored.

    A shell starts a background job (``cmd &`` in a script) with SIGINT ignored, and Python then
    leaves it ignored: ``kill -INT`` would do nothing. Every command stops on Ctrl-C instead.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    _hear_ctrl_c()
    secrets = [resolve_setting(ENV_API_KEY)]  # from the environment or .env, like the Client
    try:
        code: int = args.run(args)
    except SMSPartnerError as exc:
        print(error_line(exc, secrets), file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def entry_point() -> None:  # pragma: no cover - thin wrapper for [project.scripts]
    sys.exit(main())
