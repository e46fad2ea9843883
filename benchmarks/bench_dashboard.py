"""Dashboard benchmark: from a filter change to redrawn charts, for 10,000 rentals, no browser.

``python -m benchmarks.bench_dashboard``. The sandbox's generator makes N rentals (1-3 localities
each) and ``flatten`` turns them into frames; a ``Dashboard`` is built on them. Timed, best of 5:

- a filter change through ``Dashboard.set_filter`` (status, then category; each change filters the
  frames and redraws the summary, the four charts as PNG and the table), the figure the goal is
  about (under one second);
- the baseline, in the same run: drawing the same four charts (``report.charts``) on the same
  frames (filtered, then all, as set-then-clear does) and saving each as PNG, without the
  dashboard (no filtering, summary, table or widget updates).

    SMSPARTNER_BENCH_QUICK=1: 1,000 rentals.
"""

from __future__ import annotations

import io
import os
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

from benchmarks._common import QUICK, best_of, machine, print_table
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import flatten
from smspartner_analytics.simulator.data import generate_rentals, render_rental
from smspartner_analytics.widgets import Dashboard, dashboard
from smspartner_analytics.widgets.charts import CHARTS, DPI, draw_chart

__all__ = ["main"]

N = 1_000 if QUICK else 10_000
GOAL_SECONDS = 1.0
REPEAT = 2 if QUICK else 5


def _frames() -> Frames:
    answers = [render_rental(rental) for rental in generate_rentals(N, seed=0)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return flatten(answers)


def _charts_alone(*each: Frames) -> None:
    for frames in each:
        for name in CHARTS:
            draw_chart(name, frames).savefig(io.BytesIO(), format="png", dpi=DPI)


def _toggle(board: Dashboard, name: str, values: list[str]) -> None:
    board.set_filter(name, values)
    board.set_filter(name, None)


def main() -> None:
    """Time filter changes on the dashboard against drawing the charts alone; print ratios."""
    frames = _frames()
    board = dashboard(frames)
    statuses = [value for _label, value in board.filters["status"].options][:2]
    category = [value for _label, value in board.filters["category"].options][:1]
    board.set_filter("status", statuses)
    filtered = board.filtered()
    board.set_filter("status", None)

    one_change, _ = best_of(lambda: _toggle(board, "status", statuses), REPEAT)
    per_change = one_change / 2  # set, then clear: two redraws
    category_change, _ = best_of(lambda: _toggle(board, "category", category), REPEAT)
    both, _ = best_of(lambda: _charts_alone(filtered, frames), REPEAT)
    baseline = both / 2  # the same two drawings a set-then-clear makes
    goal = "met" if per_change < GOAL_SECONDS else "NOT met"
    rows = [
        ("rentals / localities", f"{len(frames.rentals):,} / {len(frames.localisations):,}"),
        ("charts alone (plot_* + PNG, baseline)", f"{baseline:.3f} s   x1.00"),
        (
            "status filter change -> redrawn",
            f"{per_change:.3f} s = {per_change / baseline:.2f}x charts alone "
            f"(goal < {GOAL_SECONDS:g} s: {goal})",
        ),
        (
            "category filter change -> redrawn",
            f"{category_change / 2:.3f} s = {category_change / 2 / baseline:.2f}x charts alone",
        ),
    ]
    print_table(f"Dashboard filter change, {N:,} rentals ({machine()})", rows)


if __name__ == "__main__":
    main()
