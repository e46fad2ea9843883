"""Watching: rounds against a sandbox whose rentals advance as time passes, until all are final.

Rounds are counted at the sandbox: each asks exactly the tokens that were not final after the
previous round. Ctrl-C in the middle of a round (a real process, a real SIGINT) keeps every
answer the sandbox gave. The politeness floor is lowered only through ``watch``'s private
``_min_interval``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import smspartner_analytics as sa
from smspartner_analytics.cli import EXIT_INTERRUPTED
from smspartner_analytics.cli._common import duration
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store
from smspartner_analytics.watching import WatchRound

FAST: dict[str, Any] = {"_min_interval": 0.01, "progress": False, "rate": None}


def test_watching_a_progressing_sandbox_ends_when_all_are_final(tmp_path: Path) -> None:
    now = [0.0]  # the sandbox's clock, moved by hand: one second per round
    with (
        sandbox(rentals=30, seed=2, advance_seconds=1.0, clock=lambda: now[0]) as url,
        Store(tmp_path / "s") as store,
    ):
        server = url.server
        tokens = server.tokens
        expected = set(tokens)  # before round 1 nothing is final
        rounds: list[WatchRound] = []

        def check(done: WatchRound) -> None:
            nonlocal expected
            asked = {t for t in tokens if server.request_count(t) > 0}
            assert asked == expected, f"round {done.number} asked other tokens"
            assert all(server.request_count(t) == 1 for t in asked)
            assert done.asked == len(expected)
            server.reset_counts()
            expected = set(tokens) - store.final_tokens()
            assert done.final == len(tokens) - len(expected)
            rounds.append(done)
            now[0] += 1.0

        result = sa.watch(
            server.entries, client=sa.Client(api_key="k", base_url=url, rate=None), store=store,
            every=0.1, max_duration=60, on_round=check, **FAST,
        )  # fmt: skip
        assert result.stopped == "all_final"
        assert store.final_tokens() == set(tokens)
        assert 2 <= len(rounds) <= 6  # three steps at most, at a pace of 2 at most
        assert rounds[0].pending > 0
        assert rounds[-1].pending == 0
        assert rounds[-1].ready == 0
        assert len(store.history_records()) == result.asked
        assert "not asked→" in rounds[0].line()
        assert any("→downloaded" in r.line() or "→failed" in r.line() for r in rounds[1:])
        assert "every token is final" in result.summary()
        # nothing left to ask: a new watch makes no request at all
        client = sa.Client(api_key="k", base_url=url, rate=None)
        again = sa.watch(tokens, client=client, store=store, every=0.1, **FAST)
        assert again.rounds == []
        assert server.request_count() == 0


def test_max_duration_stops_with_rentals_pending(tmp_path: Path) -> None:
    with sandbox(rentals=10, seed=0) as url:  # nobody moves
        result = sa.watch(
            url.server.tokens, api_key="k", base_url=url, store=tmp_path / "s.sqlite",
            every=0.05, max_duration=0.2, **FAST,
        )  # fmt: skip
        assert result.stopped == "max_duration"
        assert result.rounds
        assert result.rounds[-1].pending > 0
        still = {r.asked for r in result.rounds[1:]}
        assert still <= {result.rounds[-1].pending + result.rounds[-1].ready}


def test_until_ready_stops_once_every_rental_is_ready_or_final(tmp_path: Path) -> None:
    with sandbox(rentals=12, seed=1, advance_every=1) as url:  # one step per request
        result = sa.watch(
            url.server.tokens, api_key="k", base_url=url, store=tmp_path / "s.sqlite",
            every=0.01, until="ready", **FAST,
        )  # fmt: skip
        assert result.stopped == "all_ready"
        last = result.rounds[-1]
        assert last.pending == 0
        assert last.ready > 0


def test_rounds_do_not_pile_up_when_slower_than_the_interval(tmp_path: Path) -> None:
    with sandbox(rentals=6, seed=0, latency_ms=60) as url:
        server = url.server
        seen_at_end: list[int] = []
        result = sa.watch(
            server.tokens, api_key="k", base_url=url, store=tmp_path / "s.sqlite", workers=2,
            every=0.01, max_duration=0.5,
            on_round=lambda _: seen_at_end.append(server.request_count()), **FAST,
        )  # fmt: skip
        assert len(result.rounds) >= 2
        assert server.max_in_flight <= 2
        # when round n ends, the sandbox has seen exactly the requests of rounds 1..n
        asked = [r.asked for r in result.rounds]
        assert seen_at_end == [sum(asked[: n + 1]) for n in range(len(asked))]


def test_the_interval_has_a_polite_floor() -> None:
    with pytest.raises(InputError, match="at least 10 s"):
        sa.watch(["t"], api_key="k", every=5)
    with pytest.raises(InputError, match="until"):
        sa.watch(["t"], api_key="k", until="never")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("5m", 300), ("1h30m", 5400), ("6h", 21600), ("1d", 86400)],
)
def test_durations(text: str, seconds: float) -> None:
    assert duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "m", "0s", "-5m", "1h-2m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        duration(text)


_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"


def _cli(*args: str, cwd: Path, url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = "watch-key"
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, "fetch", "tokens.csv", "--base-url", url, *args],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _stored(path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1.0) as db:
            (n,) = db.execute("SELECT COUNT(*) FROM answers").fetchone()
            return int(n)
    except sqlite3.Error:
        return 0


def test_ctrl_c_mid_round_keeps_every_answer(tmp_path: Path) -> None:
    with sandbox(rentals=60, seed=3, latency_ms=150, advance_seconds=3600) as url:
        server = url.server
        server.write_tokens_csv(tmp_path / "tokens.csv")
        store = tmp_path / "watch.sqlite"
        proc = _cli("--watch", "--every", "10s", "--store", str(store), "--workers", "2",
                    "--rate", "0", cwd=tmp_path, url=url)  # fmt: skip
        deadline = time.monotonic() + 60
        while _stored(store) < 6 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == EXIT_INTERRUPTED, err
        assert err.count("\n") <= 3
        assert "Traceback" not in err
        assert "saved in" in err
        assert 6 <= _stored(store) < len(server.tokens)  # stopped mid-round
        assert _stored(store) == server.request_count()  # every answer given is kept
        assert "interrupted" in out


def test_cli_watch_to_the_end_prints_one_line_per_round(tmp_path: Path) -> None:
    with sandbox(rentals=8, seed=1, advance_every=1) as url:
        url.server.write_tokens_csv(tmp_path / "tokens.csv")
        proc = _cli("--watch", "--every", "10s", "--max-duration", "1s", "--rate", "0",
                    cwd=tmp_path, url=url)  # fmt: skip
        out, err = proc.communicate(timeout=60)
        lines = out.splitlines()
        assert lines[0].startswith("round 1 (")
        assert "asked 8" in lines[0]
        assert "stopped: the maximum duration has passed" in out
        assert proc.returncode == 6, err  # EXIT_PENDING: rentals still pending


@pytest.mark.slow
def test_in_jupyter_the_line_updates_in_place(tmp_path: Path) -> None:
    """Several rounds in a real kernel leave one output (a display updated in place)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = (
        "import smspartner_analytics as sa\n"
        "with sa.sandbox(rentals=8, seed=1, advance_every=1) as url:\n"
        "    result = sa.watch(url.server.tokens, api_key='k', base_url=url, rate=None,\n"
        "                      store='w.sqlite', every=0.01, _min_interval=0.01)\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["PYTHONPATH"] = str(Path(sa.__file__).resolve().parents[1])
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    client.execute(env=env)
    outputs = notebook.cells[0]["outputs"]
    assert len(outputs) == 1, outputs
    (shown,) = outputs
    assert shown["output_type"] == "display_data"
    assert "Watched" in shown["data"]["text/plain"]  # the last update: the summary
    with Store(tmp_path / "w.sqlite") as store:
        assert len(store.history_records()) > 8  # several rounds ran
