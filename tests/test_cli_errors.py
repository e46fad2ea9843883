"""Expected failures of the real command, run as a process: one line on stderr that starts with
``error:`` and says what happened and what to do, no traceback, no exception class name, and the
exit code the docs give."""

from __future__ import annotations

import socket
from pathlib import Path

import helpers
import pytest
from helpers import Ran

from smspartner_analytics.cli import EXIT_AUTH, EXIT_ERROR, EXIT_USAGE
from smspartner_analytics.core import errors, messages
from smspartner_analytics.simulator.server import sandbox

KEY = "cli-errors-key-5d1e8a"
#: Every exception class of the toolkit: none may reach the user by name.
CLASS_NAMES = list(errors.__all__)


def run_cli(cwd: Path, *args: str, key: str | None = KEY) -> Ran:
    """``helpers.run_cli`` with this module's key unless another (or None) is given."""
    return helpers.run_cli(cwd, *args, key=key)


def the_error_line(ran: Ran) -> str:
    """The one line on stderr, checked: ``error:``, no traceback, no class name, no key."""
    lines = ran.stderr.splitlines()
    assert len(lines) == 1, ran.stderr
    (line,) = lines
    assert line.startswith("error: "), line
    assert "Traceback" not in ran.stderr
    named = [name for name in CLASS_NAMES if name in line]
    assert not named, f"class names in {line!r}"
    assert KEY not in ran.stdout + ran.stderr
    return line


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_file_that_is_no_database_as_the_store(tmp_path: Path) -> None:
    (tmp_path / "bad.sqlite").write_bytes(b"these are not the bytes of a SQLite file\n" * 50)
    ran = run_cli(tmp_path, "report", "--store", "bad.sqlite")
    assert ran.code == EXIT_ERROR
    line = the_error_line(ran)
    assert line.startswith("error: bad.sqlite is not a smspartner-analytics store")
    assert "give another --store path" in line


def test_a_missing_tokens_file(tmp_path: Path) -> None:
    ran = run_cli(tmp_path, "fetch", "missing.txt")
    assert ran.code == EXIT_USAGE
    line = the_error_line(ran)
    assert line.startswith("error: No tokens file at missing.txt: check the path")
    assert not (tmp_path / "smspartner.sqlite").exists()


def test_an_unreachable_api(tmp_path: Path, closed_port: int) -> None:
    (tmp_path / "t.txt").write_text("tok-1\ntok-2\n", encoding="utf-8")
    url = f"http://127.0.0.1:{closed_port}/v1"
    ran = run_cli(tmp_path, "fetch", "t.txt", "--base-url", url, "--rate", "0")
    assert ran.code == EXIT_ERROR
    line = the_error_line(ran)
    assert line.startswith("error: Stopped early: ")
    assert f"127.0.0.1:{closed_port}" in line
    assert "check the base URL" in line
    assert "[stopped early]" in ran.stdout  # the summary still goes to stdout


def test_a_key_the_api_refuses(tmp_path: Path) -> None:
    with sandbox(rentals=5, api_key="the-only-good-key") as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        ran = run_cli(tmp_path, "fetch", "t.csv", "--base-url", url, "--rate", "0")
    assert ran.code == EXIT_AUTH
    line = the_error_line(ran)
    assert line.startswith("error: The API refused the API key")


def test_no_key_at_all(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("tok-1\n", encoding="utf-8")
    ran = run_cli(tmp_path, "fetch", "t.txt", key=None)
    assert ran.code == EXIT_AUTH
    assert the_error_line(ran).startswith("error: No SMS Partner API key: set the SMSPARTNER")


def test_a_sandbox_on_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = run_cli(tmp_path, "sandbox", "--port", str(port))
    assert ran.code == EXIT_USAGE
    line = the_error_line(ran)
    assert line == (
        f"error: Port {port} is already in use on 127.0.0.1: choose another port "
        "(--port; 0 picks a free one)."
    )


def test_only_our_own_errors_lose_their_class_name() -> None:
    """Only our own errors drop the class name: a bug's line still says what broke."""
    assert messages.error_line(KeyError("rentals")) == "error: KeyError: 'rentals'"
    assert messages.error_line(errors.StoreError("Two\n lines.")) == "error: Two lines."
    assert messages.error_line(errors.InputError("x apiKey=s3cr3t&y")) == "error: x apiKey=***&y"
    assert messages.error_line(errors.StoreError()).startswith("error: The SQLite store cannot")
