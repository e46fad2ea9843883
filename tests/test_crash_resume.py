"""Crash and resume of ``smspartner-analytics fetch`` as a real process (docs/promises.md).

One store goes through a run killed with SIGKILL early, a run stopped with Ctrl-C (SIGINT), a run
killed with SIGKILL late, and a final run to completion. After each stop: ``PRAGMA
integrity_check`` is ``ok``, every answer the test had read from the store before the signal
(so acknowledged by a commit) is still there unchanged, and the next run asks no token that was
final in the store. At the end the frames of the resumed store equal those of an uninterrupted
run (``fetched_at`` aside).

This supersedes the single-kill-point ``test_sigkill_mid_fetch_loses_nothing_acknowledged_and_
rerun_resumes`` of ``test_cli_fetch.py`` (several points, SIGINT between them, frames compared).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from smspartner_analytics.cli import EXIT_INTERRUPTED, EXIT_PARTIAL
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.fetch.batch import GROUP_ANSWERS
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import SandboxServer, SandboxURL, sandbox
from smspartner_analytics.store.db import Store

pytestmark = pytest.mark.slow

KEY = "crash-key-5d1e0c"
RENTALS = 150
LATENCY_MS = 50.0
WORKERS = 4
EXTRA = ["unknown-aaa", "unknown-bbb", "fault-html", "fault-code-77"]
_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"

Row = tuple[int, str, str | None]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = KEY
    return env


def _start_fetch(url: str, cwd: Path) -> subprocess.Popen[str]:
    args = ["fetch", "tokens.csv", "--base-url", url, "--rate", "0", "--workers", str(WORKERS)]
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _committed(path: Path) -> list[Row]:
    """The answers a reader sees right now (read-only; nothing when the file is not there yet)."""
    if not path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0) as db:
            return list(db.execute("SELECT id, token, body FROM answers ORDER BY id"))
    except sqlite3.Error:
        return []  # the writer is still creating the schema


def _wait_for(path: Path, answers: int, proc: subprocess.Popen[str]) -> list[Row]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        rows = _committed(path)
        if len(rows) >= answers:
            return rows
        time.sleep(0.01)
    raise AssertionError(f"the fetch did not reach {answers} stored answers (rc {proc.poll()})")


def _check_store(path: Path, acknowledged: list[Row], added_at_least: int) -> set[str]:
    """Integrity ok, acknowledged rows intact, at most the requests in flight lost."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = set(db.execute("SELECT id, token, body FROM answers"))
    assert set(acknowledged) <= rows
    assert len(rows) >= added_at_least
    with Store(path) as store:
        return store.final_tokens()


def _interrupted_run(
    server: SandboxServer, url: str, cwd: Path, at: int, how: signal.Signals
) -> set[str]:
    """Run fetch, stop it with ``how`` once ``at`` answers are stored; return the final tokens."""
    path = cwd / "smspartner.sqlite"
    final_before: set[str] = set()
    if path.exists():
        with Store(path) as store:
            final_before = store.final_tokens()
    server.reset_counts()
    before = len(_committed(path))
    proc = _start_fetch(url, cwd)
    acknowledged = _wait_for(path, at, proc)
    proc.send_signal(how)
    sent = time.monotonic()
    out, err = proc.communicate(timeout=30)
    stopped_after = time.monotonic() - sent
    assert all(server.request_count(t) == 0 for t in final_before)
    served = server.request_count()
    if how is signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
        # only the requests in flight and the group the writer was gathering (never counted:
        # fetch counts an answer once its group is committed) may be lost
        at_least = before + served - WORKERS - GROUP_ANSWERS
    else:
        at_least = before + served  # Ctrl-C lets the requests in flight finish and be saved
        assert proc.returncode == EXIT_INTERRUPTED, err
        assert "Traceback" not in err
        assert stopped_after < 5.0  # stops within a second or two, not at the end of the batch
        assert "[interrupted]" in out
        assert f"{len(_committed(path)) - before} answers are saved in smspartner.sqlite" in err
        assert "run the same command again" in err
    assert RENTALS + len(EXTRA) > len(_committed(path))  # really stopped mid-run
    return _check_store(path, acknowledged, at_least)


def _comparable(frames: Frames) -> dict[str, pd.DataFrame]:
    return {
        "rentals": frames.rentals.drop(columns=["fetched_at"]),
        "localisations": frames.localisations,
        "errors": frames.errors.drop(columns=["fetched_at"]),
    }


def _reference(url: SandboxURL, tmp_path: Path) -> dict[str, pd.DataFrame]:
    path = tmp_path / "reference.sqlite"
    fetch_statuses(
        tmp_path / "tokens.csv",
        store=path,
        api_key=KEY,
        base_url=url,
        rate=None,
        workers=8,
        progress=False,
        errors="ignore",
    )
    return _comparable(load_frames(path))


def test_killed_and_interrupted_fetch_resumes_to_the_same_frames(tmp_path: Path) -> None:
    with sandbox(rentals=RENTALS, seed=5, latency_ms=LATENCY_MS) as url:
        server = url.server
        server.write_tokens_csv(tmp_path / "tokens.csv")
        with (tmp_path / "tokens.csv").open("a", encoding="utf-8") as handle:
            handle.writelines(f"{token},extra,2025-02-03,ops\n" for token in EXTRA)
        reference = _reference(url, tmp_path)
        server.reset_counts()

        final = _interrupted_run(server, url, tmp_path, 12, signal.SIGKILL)
        final = _interrupted_run(server, url, tmp_path, 60, signal.SIGINT)
        final = _interrupted_run(server, url, tmp_path, 120, signal.SIGKILL)
        assert final

        server.reset_counts()
        proc = _start_fetch(url, tmp_path)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == EXIT_PARTIAL, err  # fault-html got no data, as it should
        assert "1 failed" in out
        everything = [*server.tokens, *EXTRA]
        asked = [t for t in everything if server.request_count(t)]
        assert asked == [t for t in everything if t not in final]
        assert all(server.request_count(t) == 1 for t in asked)
    resumed = _comparable(load_frames(tmp_path / "smspartner.sqlite"))
    assert len(resumed["rentals"]) == RENTALS
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(resumed[name], frame, obj=name)


def test_ctrl_c_exits_promptly_even_with_a_request_hanging(tmp_path: Path) -> None:
    """A server that never answers must not hold Ctrl-C for the read timeouts and retries."""
    with sandbox(rentals=200, latency_ms=LATENCY_MS) as url:
        tokens = ["fault-hang", *url.server.tokens]
        (tmp_path / "tokens.csv").write_text("token\n" + "\n".join(tokens) + "\n", "utf-8")
        proc = _start_fetch(url, tmp_path)
        _wait_for(tmp_path / "smspartner.sqlite", 10, proc)
        assert url.server.request_count("fault-hang") == 1  # in flight, hanging
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=60)
        stopped_after = time.monotonic() - sent
    assert proc.returncode == EXIT_INTERRUPTED
    assert stopped_after < 5.0  # the default read timeout alone is 30 s per attempt
    assert "Traceback" not in err
    assert "[interrupted]" in out
    assert "run the same command again" in err
    with Store(tmp_path / "smspartner.sqlite") as store:
        assert "fault-hang" not in {r.token for r in store.latest_records()}
        assert store.count_answers() >= 10
