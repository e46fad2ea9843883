"""Start-up time of ``smspartner-analytics --help`` against ``python -c pass``.

``python -m benchmarks.bench_startup``. Each command runs as a fresh process, best of REPEAT,
the three commands taking turns in every round (a burst of load from other jobs then slows all
three, not one); the ratio says what the toolkit adds to a bare interpreter's start (``--help``
imports no subcommand's code, no python-dotenv, no pandas, requests or matplotlib).
``import smspartner_analytics`` is timed the same way.

    SMSPARTNER_BENCH_QUICK=1: best of 3 instead of 15.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._common import QUICK, machine, print_table

__all__ = ["best_times", "cli_command", "main", "time_command"]

REPEAT = 3 if QUICK else 15


def cli_command() -> list[str]:
    """The installed console script, or the same entry point through this interpreter."""
    beside = Path(sys.executable).with_name("smspartner-analytics")
    found = str(beside) if beside.exists() else shutil.which("smspartner-analytics")
    if found:
        return [found]
    return [sys.executable, "-c", "from smspartner_analytics.cli import entry_point; entry_point()"]


def time_command(command: list[str]) -> float:
    """Wall time in seconds of ``command`` as a new process (output discarded)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=60)
    return time.perf_counter() - start


def best_times(commands: list[list[str]], repeat: int = REPEAT) -> list[float]:
    """Best wall time of each command over ``repeat`` rounds; each round runs them all in turn."""
    best = [float("inf")] * len(commands)
    for _ in range(repeat):
        for i, command in enumerate(commands):
            best[i] = min(best[i], time_command(command))
    return best


def main() -> None:
    """Time the three commands and print absolute figures and ratios."""
    bare, imported, helped = best_times(
        [
            [sys.executable, "-c", "pass"],
            [sys.executable, "-c", "import smspartner_analytics"],
            [*cli_command(), "--help"],
        ]
    )
    rows = [
        ("python -c pass (baseline)", f"{bare * 1000:.0f} ms"),
        ("import smspartner_analytics", f"{imported * 1000:.0f} ms = {imported / bare:.1f}x"),
        (
            "smspartner-analytics --help",
            f"{helped * 1000:.0f} ms = {helped / bare:.1f}x (goal <= 5x)",
        ),
    ]
    print_table(f"Start-up, best of {REPEAT} ({machine()})", rows)


if __name__ == "__main__":
    main()
