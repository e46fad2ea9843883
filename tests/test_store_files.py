"""Commands leave only the store behind: no ``-wal``, ``-shm`` or ``.lock`` file after ``fetch``,
``report`` or ``demo`` (a clean close of the last connection removes SQLite's files, a read-only
connection would not), and the demo keeps its store beside the report folder, not in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smspartner_analytics.cli import EXIT_OK
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = "files-key"
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(
        [sys.executable, "-c", _CLI, *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_fetch_and_report_leave_only_the_store_and_its_cache(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sandbox(rentals=15, seed=4) as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        fetched = _run(tmp_path, "fetch", "t.csv", "--store", "data/s.sqlite",
                       "--base-url", url, "--rate", "0")  # fmt: skip
    assert fetched.returncode == EXIT_OK, fetched.stderr
    assert sorted(p.name for p in data.iterdir()) == ["s.sqlite"]
    reported = _run(tmp_path, "report", "--store", "data/s.sqlite", "--out", "rep", "--xlsx")
    assert reported.returncode == 0, reported.stderr
    assert sorted(p.name for p in data.iterdir()) == ["s.sqlite", "s.sqlite.frames"]
    again = _run(tmp_path, "report", "--store", "data/s.sqlite", "--out", "rep")  # cached read
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in data.iterdir()) == ["s.sqlite", "s.sqlite.frames"]
    with Store(data / "s.sqlite", read_only=True) as store:  # the answers are in the file itself
        assert store.count_answers() == 15


def test_demo_keeps_its_store_beside_the_report_folder(tmp_path: Path) -> None:
    done = _run(tmp_path, "demo", "--rentals", "12", "--quiet")
    assert done.returncode == 0, done.stderr
    report = tmp_path / "smspartner-report"
    assert not [p.name for p in report.iterdir() if ".sqlite" in p.name]
    beside = sorted(p.name for p in tmp_path.iterdir() if p != report)
    assert beside == ["smspartner-report-demo.sqlite", "smspartner-report-demo.sqlite.frames"]
    assert f"Store: {tmp_path / 'smspartner-report-demo.sqlite'}" in done.stdout
