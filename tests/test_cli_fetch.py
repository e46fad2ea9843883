"""`smspartner-analytics fetch` end to end: exit codes, one-line messages, no key in the output."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_AUTH, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL, main
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store

KEY = "cli-key-3f9a27c4b1"


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxURL]:
    with sandbox(rentals=25, seed=3) as url:
        yield url


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)


def fetch(url: str, *args: str) -> int:
    return main(["fetch", *args, "--base-url", url, "--rate", "0"])


@pytest.mark.usefixtures("keyed")
def test_every_token_answered_exits_0_and_a_rerun_skips_final(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = box.server.write_tokens_csv(tmp_path / "tokens.csv")
    with tokens.open("a", encoding="utf-8") as handle:
        handle.write("unknown-token,spring,2025-01-01,ana\n")
    assert fetch(box, str(tokens), "--store", "a.sqlite") == EXIT_OK
    out, err = capsys.readouterr()
    summary, store_line = out.splitlines()
    assert re.fullmatch(
        r"26 tokens: 26 asked, 0 skipped as final; 25 succeeded, 1 not found, 0 API errors, "
        r"0 failed, in \d+\.\d s\.",
        summary,
    ), summary
    assert store_line == "Store: a.sqlite"
    assert err == ""  # no progress bar when stderr is not a terminal
    assert fetch(box, str(tokens), "--store", "a.sqlite") == EXIT_OK
    out, _ = capsys.readouterr()
    with Store(tmp_path / "a.sqlite") as store:
        final = len(store.final_tokens())
    assert f"{26 - final} asked, {final} skipped as final" in out
    assert fetch(box, str(tokens), "--store", "a.sqlite", "--refresh", "--quiet") == EXIT_OK
    assert "26 asked, 0 skipped" in capsys.readouterr().out


@pytest.mark.usefixtures("keyed")
def test_tokens_without_an_api_answer_exit_3(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.txt").write_text(f"{box.server.tokens[0]}\nfault-html\n", encoding="utf-8")
    assert fetch(box, "t.txt") == EXIT_PARTIAL
    out, err = capsys.readouterr()
    assert "1 succeeded" in out
    assert "1 failed" in out
    assert "Store: smspartner.sqlite" in out
    first, reason = err.strip().splitlines()
    assert first == (
        "1 token got no answer after retries: run the same command again to ask them "
        "(final answers are not asked again)."
    )
    assert reason == (
        "Most frequent reason: HTML page, not the API's JSON (1 of 1 token, e.g. 'fault-html')"
    )


def test_missing_key_exits_4_before_creating_the_store(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "t.txt").write_text("abc\n", encoding="utf-8")
    assert fetch(box, "t.txt") == EXIT_AUTH
    err = capsys.readouterr().err
    assert err.startswith("error: No SMS Partner API key: set the SMSPARTNER_API_KEY")
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "smspartner.sqlite").exists()


def test_key_from_dotenv(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".env").write_text(f"SMSPARTNER_API_KEY={KEY}\n", encoding="utf-8")
    (tmp_path / "t.txt").write_text(box.server.tokens[0] + "\n", encoding="utf-8")
    assert fetch(box, "t.txt") == EXIT_OK
    out, err = capsys.readouterr()
    assert KEY not in out + err


def test_refused_key_exits_4_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    with sandbox(rentals=30, api_key="the-right-one") as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        assert fetch(url, "t.csv", "--workers", "2") == EXIT_AUTH
        assert url.server.request_count() <= 2
    out, err = capsys.readouterr()
    assert "[API key refused]" in out
    assert err.startswith("error: The API refused the API key")
    assert len(err.strip().splitlines()) == 1
    assert KEY not in out + err


@pytest.mark.usefixtures("keyed")
def test_bad_input_exits_2(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fetch(box, "missing.txt") == 2
    assert capsys.readouterr().err.startswith("error: No tokens file at missing.txt")
    (tmp_path / "t.csv").write_text("rental,campaign\nabc,x\n", encoding="utf-8")
    assert fetch(box, "t.csv") == 2
    assert "no 'token' column" in capsys.readouterr().err
    assert not (tmp_path / "smspartner.sqlite").exists()


@pytest.mark.usefixtures("keyed")
def test_duplicates_warned_in_one_plain_line(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = box.server.tokens[0]
    (tmp_path / "t.txt").write_text(f"{token}\n{token}\n", encoding="utf-8")
    before = box.server.request_count(token)  # the server is shared by this module's tests
    assert fetch(box, "t.txt") == EXIT_OK
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "warning: 1 duplicate token was dropped: each token is asked once, with the metadata "
        "of its first line."
    ]
    assert box.server.request_count(token) == before + 1  # asked once, not twice


@pytest.mark.usefixtures("keyed")
def test_tokens_from_stdin_and_workers_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with sandbox(rentals=12, latency_ms=30) as url:
        monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(url.server.tokens)))
        assert fetch(url, "-", "--workers", "2") == EXIT_OK
        assert url.server.max_in_flight <= 2
    assert "12 succeeded" in capsys.readouterr().out


def _env(key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = key
    return env


_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"


def test_subprocess_refused_key_no_traceback(tmp_path: Path) -> None:
    with sandbox(rentals=10, api_key="the-right-one") as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        done = subprocess.run(
            [sys.executable, "-c", _CLI, "fetch", "t.csv", "--base-url", url],
            cwd=tmp_path,
            env=_env(KEY),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == EXIT_AUTH
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: The API refused the API key")
    assert KEY not in done.stdout + done.stderr


def test_subprocess_ctrl_c_exits_130_and_keeps_answers(tmp_path: Path) -> None:
    with sandbox(rentals=80, latency_ms=100) as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _CLI,
                "fetch",
                "t.csv",
                "--base-url",
                url,
                "--rate",
                "0",
                "--workers",
                "2",
            ],
            cwd=tmp_path,
            env=_env(KEY),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while url.server.request_count() < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    assert proc.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in err
    assert "run the same command again" in err
    assert "[interrupted]" in out
    with Store(tmp_path / "smspartner.sqlite") as store:
        saved = store.count_answers()
    assert 6 <= saved < 80
    assert f"{saved} answers are saved" in err
