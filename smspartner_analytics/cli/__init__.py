"""The ``smspartner-analytics`` command: a thin ``main(argv) -> int`` over the library.

Expected failures (our ``SMSPartnerError`` tree) print one line ``error: what happened and what
to do`` on stderr (``core.messages.error_line``: no exception class name, the key hidden) and return
an exit code; only bugs give a traceback. Each subcommand's parser comes from a small module
(``_fetch``) and its code from another (``_fetch_run``), imported only when it runs, so
``--help`` stays fast (``tests/test_cli_basics.py`` checks what it imports).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from smspartner_analytics import __version__
from smspartner_analytics.cli._common import (
    EXIT_AUTH,
    EXIT_BUSY,
    EXIT_DISK_FULL,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    HelpFormatter,
    make_parents,
)
from smspartner_analytics.core.errors import (
    AuthenticationError,
    ConfigurationError,
    InputError,
    MissingAPIKeyError,
    SMSPartnerError,
    StoreBusyError,
    StoreFullError,
)
from smspartner_analytics.core.messages import error_line

__all__ = [
    "COMMANDS",
    "EXIT_AUTH",
    "EXIT_BUSY",
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

#: The subcommands, in the order ``--help`` lists them, with their line there. Each is a module
#: ``_NAME`` of this package (its options) and a module ``_NAME_run`` (its ``run(args)``).
COMMANDS: dict[str, str] = {
    "fetch": "ask the API for the status of every token in a file and keep the answers",
    "report": "write the report (CSV, charts; --xlsx workbook, --html page) from the store",
    "sandbox": "serve a local imitation of the API (no key, no network)",
    "demo": "the whole job on the built-in sandbox: fetch, report, charts (no key, no network)",
    "dashboard": "the dashboard as a web page for your browser (needs the [dashboard] extra)",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command's parser, every subcommand's options declared; with ``argv``, only those of
    the subcommand it names (the others are listed by name and line, all that ``--help`` shows),
    so ``--help`` imports no subcommand module and ``fetch`` only ``_fetch``."""
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
    wanted = None if argv is None else next((a for a in argv if not a.startswith("-")), "")
    for name, summary in COMMANDS.items():
        if wanted is None or name == wanted:
            module = importlib.import_module(f"smspartner_analytics.cli._{name}")
            module.register(sub, parents, summary)
        else:
            sub.add_parser(name, help=summary)
    for command in sub.choices.values():
        command.formatter_class = HelpFormatter
    return parser


def _exit_code(exc: SMSPartnerError) -> int:
    if isinstance(exc, (MissingAPIKeyError, AuthenticationError)):
        return EXIT_AUTH
    if isinstance(exc, StoreFullError):
        return EXIT_DISK_FULL
    if isinstance(exc, StoreBusyError):
        return EXIT_BUSY
    if isinstance(exc, (InputError, ConfigurationError)):
        return EXIT_USAGE
    return EXIT_ERROR


def _api_key() -> str | None:
    """The key to hide in messages, from the environment or .env (as the Client finds it)."""
    from smspartner_analytics.core.config import ENV_API_KEY, resolve_setting

    return resolve_setting(ENV_API_KEY)


def _hear_ctrl_c() -> None:
    """Make SIGINT raise ``KeyboardInterrupt`` even when it was inherited as ignored.

    A shell starts a background job (``cmd &`` in a script) with SIGINT ignored, and Python then
    leaves it ignored: ``kill -INT`` would do nothing. Every command stops on Ctrl-C instead.
    """
    import signal  # here, not at the top: --help never gets this far
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser(argv).parse_args(argv)
    _hear_ctrl_c()
    try:
        command = importlib.import_module(f"smspartner_analytics.cli._{args.command}_run")
        code: int = command.run(args)
    except SMSPartnerError as exc:
        print(error_line(exc, [_api_key()]), file=sys.stderr)
        return _exit_code(exc)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return code


def entry_point() -> None:  # pragma: no cover - thin wrapper for [project.scripts]
    sys.exit(main())
