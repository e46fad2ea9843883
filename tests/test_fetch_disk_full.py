"""A full disk during fetch: one line saying how many answers are saved, the summary, exit 5,
and every answer counted is in the store (capped page count in process; a tiny tmpfs for the CLI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mounts import fill, small_tmpfs

from smspartner_analytics.cli import EXIT_DISK_FULL
from smspartner_analytics.fetch import FetchDiskFull, fetch_statuses
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

KEY = "disk-full-key-5b1e"


def test_fetch_stops_on_a_full_store_and_counts_what_is_saved(tmp_path: Path) -> None:
    with sandbox(rentals=120, seed=4) as url:
        tokens = url.server.tokens
        store = Store(tmp_path / "s.sqlite")
        store.add_tokens([])
        (pages,) = store._db().execute("PRAGMA page_count").fetchone()
        store._db().execute(f"PRAGMA max_page_count = {pages + 8}")  # room for a few answers
        with pytest.raises(FetchDiskFull) as info:
            fetch_statuses(tokens, store=store, api_key=KEY, base_url=url, rate=0, progress=False)
        store.close()
    result = info.value.result
    message = str(info.value)
    assert "\n" not in message
    assert result.disk_full
    assert 0 < result.asked < len(tokens)
    assert f"{result.asked} answers of this run are saved" in message
    assert "[disk full]" in result.summary()
    with Store(tmp_path / "s.sqlite", read_only=True) as again:
        assert again.count_answers() == result.asked  # every answer counted is saved


def test_cli_fetch_on_a_full_disk_exits_5_with_one_line(tmp_path: Path) -> None:
    with sandbox(rentals=400, seed=5) as url, small_tmpfs(tmp_path / "disk", 2048) as disk:
        tokens = url.server.write_tokens_csv(tmp_path / "tokens.csv")
        fill(disk)
        os.truncate(disk / "filler", (disk / "filler").stat().st_size - 320 * 1024)
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "SMSPARTNER_API_KEY": KEY, "PYTHONPATH": root}
        store = disk / "s.sqlite"
        command = [sys.executable, "-m", "smspartner_analytics", "fetch", str(tokens)]
        command += ["--store", str(store), "--base-url", url, "--rate", "0"]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == EXIT_DISK_FULL, done.stderr
        assert "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: Disk full while saving answers: ")
        assert "free some space and run the same command again" in lines[0]
        assert "[disk full]" in done.stdout
        saved = int(lines[0].split("answers: ")[1].split(" answers")[0])
        with Store(store, read_only=True) as again:
            assert again.count_answers() == saved
        assert 0 < saved < 400
        assert KEY not in done.stdout + done.stderr
