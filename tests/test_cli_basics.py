from __future__ import annotations

import subprocess
import sys

import pytest

from smspartner_analytics.cli import main


def test_import_is_light() -> None:
    code = (
        "import sys, smspartner_analytics, smspartner_analytics.cli; "
        "heavy = {'pandas', 'requests', 'matplotlib', 'ipywidgets'} & set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("fetch", "report", "sandbox", "demo"):
        assert command in out


#: What ``--help`` must never import: settings code (python-dotenv), any subcommand's run code
#: (``_fetch_run``...), the data stack and the dashboard server.
NOT_FOR_HELP = ("dotenv", "pandas", "requests", "matplotlib", "ipywidgets", "voila", "socket")


def _modules_after(*argv: str) -> set[str]:
    """The modules a fresh interpreter holds after ``smspartner-analytics ARGV`` (a help)."""
    code = (
        "import contextlib, io, sys\n"
        "from smspartner_analytics.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({list(argv)!r})\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def _run_modules(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith("smspartner_analytics.cli.") and "_run" in m)


def test_help_imports_no_settings_and_no_subcommand_code() -> None:
    loaded = _modules_after("--help")
    assert not _run_modules(loaded)
    assert not [m for m in loaded if m.split(".")[0] in NOT_FOR_HELP]
    # the list of commands needs none of their own modules either
    commands = [m for m in loaded if m.startswith("smspartner_analytics.cli._")]
    assert commands == ["smspartner_analytics.cli._common"]


def test_a_subcommands_help_imports_its_options_only() -> None:
    loaded = _modules_after("fetch", "--help")
    assert "smspartner_analytics.cli._fetch" in loaded
    assert not _run_modules(loaded)
    assert "smspartner_analytics.cli._report" not in loaded
    assert not [m for m in loaded if m.split(".")[0] in NOT_FOR_HELP]


def test_the_quick_help_lists_the_commands_as_the_full_parser_does() -> None:
    """``--help`` builds the commands as names and lines only: it reads exactly as the parser with
    every option declared, and every command has its options module and its run module."""
    import importlib

    from smspartner_analytics.cli import COMMANDS, build_parser

    assert build_parser(["--help"]).format_help() == build_parser().format_help()
    for name in COMMANDS:
        assert callable(importlib.import_module(f"smspartner_analytics.cli._{name}").register)
        assert callable(importlib.import_module(f"smspartner_analytics.cli._{name}_run").run)
