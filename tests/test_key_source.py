"""A refused key's message says where the key came from (environment, which .env, argument),
through the real command in a subprocess against a sandbox that accepts only one key; the key
itself is never printed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_AUTH
from smspartner_analytics.core.config import locate_setting
from smspartner_analytics.core.errors import AuthenticationError
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import SandboxURL, sandbox

RIGHT = "the-right-key-5e1f"
WRONG = "a-wrong-key-77c2d"


def _fetch(folder: Path, url: SandboxURL, *extra: str, key: str | None) -> tuple[int, str]:
    """``smspartner-analytics fetch t.csv`` in ``folder``; the exit code and stdout + stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    if key is not None:
        env["SMSPARTNER_API_KEY"] = key
    done = subprocess.run(
        [sys.executable, "-m", "smspartner_analytics", "fetch", "t.csv", "--base-url", url,
         "--rate", "0", *extra],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    return done.returncode, done.stdout + done.stderr


def _error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def refusing(tmp_path: Path) -> Iterator[SandboxURL]:
    with sandbox(rentals=5, api_key=RIGHT) as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        yield url


@pytest.mark.parametrize("watch", [False, True])
def test_a_wrong_key_in_the_environment_overriding_the_right_one_in_dotenv(
    tmp_path: Path, refusing: SandboxURL, watch: bool
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SMSPARTNER_API_KEY={RIGHT}\n", encoding="utf-8")
    extra = ("--watch", "--every", "1m") if watch else ()
    code, output = _fetch(tmp_path, refusing, *extra, key=WRONG)
    assert code == EXIT_AUTH
    line = _error_line(output)
    assert line.startswith(
        "error: The API refused the API key from the environment variable SMSPARTNER_API_KEY "
        f"(it overrides {dotenv}): correct the environment variable SMSPARTNER_API_KEY (or "
        f"unset it to use {dotenv}), then run again"
    )
    assert WRONG not in output
    assert RIGHT not in output


def test_a_wrong_key_in_the_environment_alone(tmp_path: Path, refusing: SandboxURL) -> None:
    code, output = _fetch(tmp_path, refusing, key=WRONG)
    assert code == EXIT_AUTH
    line = _error_line(output)
    assert "from the environment variable SMSPARTNER_API_KEY: correct the environment" in line
    assert ".env" not in line
    assert WRONG not in output


def test_a_wrong_key_in_a_parent_dotenv_names_that_file(
    tmp_path: Path, refusing: SandboxURL
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SMSPARTNER_API_KEY={WRONG}\n", encoding="utf-8")
    below = tmp_path / "work"
    below.mkdir()
    (below / "t.csv").write_bytes((tmp_path / "t.csv").read_bytes())
    code, output = _fetch(below, refusing, key=None)
    assert code == EXIT_AUTH
    line = _error_line(output)
    assert line.startswith(
        f"error: The API refused the API key from {dotenv}: correct SMSPARTNER_API_KEY=... in "
        f"{dotenv}, then run again. The batch stopped after"
    )
    assert "environment variable" not in line
    assert WRONG not in output


def test_a_wrong_key_given_as_an_argument_in_python(
    tmp_path: Path, refusing: SandboxURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", RIGHT)  # the argument wins over it
    with pytest.raises(AuthenticationError) as refused:
        fetch_statuses(
            refusing.server.tokens,
            api_key=WRONG,
            base_url=refusing,
            store=tmp_path / "s.sqlite",
            progress=False,
        )
    message = str(refused.value)
    assert message.startswith(
        "The API refused the API key given as api_key=: pass the right value as api_key=, then "
        "run again."
    )
    assert WRONG not in message


def test_locate_setting_follows_the_resolution_order(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("NAME=from-file\n", encoding="utf-8")
    found = locate_setting("NAME", "arg", environ={"NAME": "env"}, dotenv=dotenv)
    assert found is not None
    assert (found[0], found[1].kind) == ("arg", "argument")
    found = locate_setting("NAME", " ", environ={"NAME": "env"}, dotenv=dotenv)
    assert found is not None
    assert (found[0], found[1].kind, found[1].path) == ("env", "environment", dotenv)
    found = locate_setting("NAME", None, environ={}, dotenv=dotenv)
    assert found is not None
    assert (found[0], found[1].kind, found[1].path) == ("from-file", "dotenv", dotenv)
    found = locate_setting("OTHER", None, environ={"OTHER": "env"}, dotenv=dotenv)
    assert found is not None
    assert found[1].path is None  # the .env does not set OTHER: nothing is overridden
    assert locate_setting("OTHER", None, environ={}, dotenv=dotenv) is None


def test_a_workspace_names_the_dotenv_its_refused_key_came_from(
    tmp_path: Path, refusing: SandboxURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    import smspartner_analytics as sa

    monkeypatch.delenv("SMSPARTNER_API_KEY", raising=False)
    monkeypatch.delenv("SMSPARTNER_STORE", raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SMSPARTNER_API_KEY={WRONG}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with sa.open_workspace(base_url=str(refusing)) as workspace:
        workspace.store.add_tokens(refusing.server.entries)
        with pytest.raises(AuthenticationError) as refused:
            workspace.refresh(progress=False)
    assert str(refused.value).startswith(f"The API refused the API key from {dotenv}: correct")
    assert WRONG not in str(refused.value)
