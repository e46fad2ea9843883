"""Shared helpers for the benchmarks: timing in one process, ratios, a table printer, and the
busiest-window counter (also used by the rate-limit tests, through ``tests/helpers.py``).

Benchmarks print ratios against a baseline measured in the same run (these machines are noisy);
nothing here asserts a speed.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Set by ``benchmarks/run_all.py --quick`` (and CI): small sizes, proves the code runs.
QUICK = os.environ.get("SMSPARTNER_BENCH_QUICK", "") not in ("", "0")


def best_of(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """Run ``fn`` ``repeat`` times; return the best wall time in seconds and the last result."""
    best = float("inf")
    result: T | None = None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    assert result is not None or best >= 0
    return best, result  # type: ignore[return-value]


def machine() -> str:
    """One line describing the machine the figures came from."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def print_table(title: str, rows: Sequence[tuple[str, str]]) -> None:
    """Print ``rows`` of (measure, figure) under a title, aligned."""
    width = max((len(name) for name, _ in rows), default=0)
    print(f"\n{title}")
    for name, figure in rows:
        print(f"  {name.ljust(width)}  {figure}")


def busiest_window(times: Sequence[float], width: float = 1.0) -> int:
    """The most arrivals in any window ``[t, t + width)`` (two pointers over the sorted times)."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - width:
            start += 1
        most = max(most, end - start + 1)
    return most
