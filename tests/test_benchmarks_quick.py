"""CI's quick mode of the benchmarks: each one runs and prints its ratios (speed is not checked)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.run_all import BENCHMARKS, parse_rows

ROOT = Path(__file__).resolve().parents[1]


def test_parse_rows_keeps_ratios_and_goals() -> None:
    output = (
        "\nSome bench (machine)\n"
        "  wall time                        1.15 s\n"
        "  efficiency (limit / wall time)   91% (goal >= 85%)\n"
        "  speed-up                         5.7x\n"
        "  requests.get (baseline)           690 req/s   x1.00\n"
    )
    rows = parse_rows("b", output)
    assert [(r.measure, r.figure, r.goal) for r in rows] == [
        ("efficiency (limit / wall time)", "91%", ">= 85%"),
        ("speed-up", "5.7x", "-"),
        ("requests.get (baseline)", "690 req/s   x1.00", "-"),
    ]


@pytest.mark.slow
def test_run_all_quick_runs_every_benchmark() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run_all", "--quick"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    summary = done.stdout.split("All benchmarks (quick")[1]
    for name in BENCHMARKS:
        lines = [line for line in summary.splitlines() if line.strip().startswith(name)]
        assert lines, f"{name} is missing from the table"
        assert not any("skipped" in line or "no ratio" in line for line in lines), lines
    assert "rate 20/s: achieved" in summary
    assert "frames per rental vs raw JSON" in summary
    assert "B/row" in summary
    assert "smspartner-analytics --help" in summary
