"""Counts in the command's summaries read one way: every count of a thousand or more is grouped
(``2,000 tokens: 1,877 asked, 123 skipped``), never ``1877`` beside ``2,000``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from smspartner_analytics.cli import EXIT_OK
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.watching import WatchResult, WatchRound

_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"
_UNGROUPED = re.compile(r"(?<![\d,.])\d{4,}(?![\d,])")  # 1877, not 1,877 nor 0.1234


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = "counts-key"
    return env


def test_fetch_summary_groups_every_count(tmp_path: Path) -> None:
    with sandbox(rentals=1_050, seed=2) as url:
        tokens = url.server.write_tokens_csv(tmp_path / "t.csv")
        with tokens.open("a", encoding="utf-8") as handle:
            handle.writelines(f"unknown-{i},spring,2025-01-01,ana\n" for i in range(1_010))
        done = subprocess.run(
            [sys.executable, "-c", _CLI, "fetch", "t.csv", "--base-url", url, "--rate", "0",
             "--workers", "16"],
            cwd=tmp_path, env=_env(),
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == EXIT_OK, done.stderr
    summary = done.stdout.splitlines()[0]
    assert summary.startswith(
        "2,060 tokens: 2,060 asked, 0 skipped as final; 1,050 succeeded, 1,010 not found, "
    ), summary
    assert not _UNGROUPED.search(summary), summary


def test_watch_lines_group_every_count() -> None:
    round_ = WatchRound(
        number=3,
        started_at=datetime(2026, 1, 2, 12, 4, 5, tzinfo=UTC),
        asked=1877,
        ready=1500,
        pending=1200,
        final=1300,
        no_answer=1001,
        changes={("processing", "ready"): 1234},
    )
    line = round_.line()
    assert line == (
        "round 3 (12:04:05 UTC): asked 1,877 · 1,500 ready, 1,200 pending, 1,300 final · "
        "changed: 1,234 processing→ready · 1,001 got no answer (asked again next round)"
    )
    result = WatchResult(rounds=[round_], stopped="max_duration")
    assert result.summary() == (
        "Watched 1 round, 1,877 requests: 1,500 ready, 1,200 pending, 1,300 final; "
        "stopped: the maximum duration has passed."
    )
