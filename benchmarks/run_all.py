"""Run every benchmark, each in its own process, and print one table of their ratios.

    python -m benchmarks.run_all            full sizes (minutes; the figures for BENCHMARKS.md)
    python -m benchmarks.run_all --quick    small sizes (CI: proves each one runs, not its speed)

Each benchmark prints its own table (``_common.print_table``); this collects the rows whose figure
is a ratio (``1.23x``, ``x1.23``, a percentage) or bytes per row, with the goal taken from
``(goal ...)`` when the figure states one, and exits non-zero when a benchmark failed. A module
that is not there (yet) is reported as skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks._common import QUICK, machine

__all__ = ["BENCHMARKS", "Row", "main", "parse_rows", "run_one"]

BENCHMARKS = (
    "bench_fetch",
    "bench_client_overhead",
    "bench_flatten",
    "bench_store",
    "bench_ratelimit",
    "bench_memory",
    "bench_startup",
    "bench_report",
    "bench_dashboard",
    "bench_million",
    "bench_fetch_workers",
)
ROOT = Path(__file__).resolve().parents[1]
_RATIO = re.compile(r"\d(?:\.\d+)?x\b|\bx\d|\d%| B/row")
_GOAL = re.compile(r"\s*\(goal ([^)]*)\)")
_TIMEOUT = 900


@dataclass(frozen=True)
class Row:
    """One line of the final table."""

    benchmark: str
    measure: str
    figure: str
    goal: str = "-"


def parse_rows(benchmark: str, output: str) -> list[Row]:
    """The ratio rows of a benchmark's printed table(s)."""
    rows: list[Row] = []
    for line in output.splitlines():
        if not line.startswith("  ") or line.startswith("   "):
            continue
        parts = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        if len(parts) != 2 or not _RATIO.search(parts[1]):
            continue
        measure, figure = parts
        goal = _GOAL.search(figure)
        shown = _GOAL.sub("", figure).strip()
        rows.append(Row(benchmark, measure, shown, goal.group(1) if goal else "-"))
    return rows


def run_one(name: str, quick: bool) -> tuple[list[Row], float]:
    """Run ``benchmarks.<name>`` in a new process; echo its output; return its rows and time."""
    if importlib.util.find_spec(f"benchmarks.{name}") is None:
        print(f"\n[{name}] not present: skipped", flush=True)
        return [Row(name, "(not present)", "skipped")], 0.0
    env = dict(os.environ)
    if quick:
        env["SMSPARTNER_BENCH_QUICK"] = "1"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=_TIMEOUT,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr, flush=True)
        return [Row(name, "(run)", f"FAILED with exit code {done.returncode}")], seconds
    rows = parse_rows(name, done.stdout)
    return rows or [Row(name, "(output)", "no ratio printed")], seconds


def print_summary(rows: Sequence[Row], title: str) -> None:
    """The final table: benchmark, measure, figure, goal."""
    header = Row("benchmark", "measure", "figure", "goal")
    table = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in ("benchmark", "measure", "figure")]
    print(f"\n{title}")
    for number, row in enumerate(table):
        cells = (row.benchmark, row.measure, row.figure)
        print(
            "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)),
            row.goal,
            sep="  ",
        )
        if number == 0:
            print("  " + "  ".join("-" * w for w in widths), "-" * 4, sep="  ")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks named (all by default); return 1 if any failed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_all", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (what CI runs)")
    parser.add_argument("names", nargs="*", metavar="NAME", help="; ".join(BENCHMARKS))
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}: choose from the list above")
    rows: list[Row] = []
    total = 0.0
    quick = args.quick or QUICK
    for name in args.names or BENCHMARKS:
        found, seconds = run_one(name, quick)
        rows += found
        total += seconds
    mode = "quick" if quick else "full"
    print_summary(rows, f"All benchmarks ({mode}, {total:.0f} s, {machine()})")
    return 1 if any(r.figure.startswith("FAILED") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
