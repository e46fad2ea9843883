"""Memory of the frames for 100,000 rentals, in bytes per row, against the raw answers.

``python -m benchmarks.bench_memory``. The sandbox's generator makes N realistic answers (1-3
localities each, numbers as strings where the API sends strings); ``flatten`` turns them into
frames. Figures are ``DataFrame.memory_usage(deep=True)`` per row of ``rentals`` and
``localisations``, compared in the same run with the JSON text of the answers (what the store
keeps) and with ``pandas.json_normalize`` of the same answers (object columns, no typing).

    SMSPARTNER_BENCH_QUICK=1: 5,000 rentals.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pandas as pd

from benchmarks._common import QUICK, machine, print_table
from smspartner_analytics.frames.flattening import flatten
from smspartner_analytics.simulator.data import generate_rentals, render_rental

__all__ = ["frame_bytes", "main"]

N = 5_000 if QUICK else 100_000


def frame_bytes(frame: pd.DataFrame) -> int:
    """Deep memory of a frame, index included."""
    return int(frame.memory_usage(deep=True, index=True).sum())


def _answers() -> list[dict[str, Any]]:
    return [render_rental(rental) for rental in generate_rentals(N, seed=0)]


def main() -> None:
    """Build the frames and print bytes per row and ratios."""
    answers = _answers()
    json_bytes = sum(len(json.dumps(a, ensure_ascii=False).encode()) for a in answers)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # generated data is clean: a warning would be a bug
        frames = flatten(answers)
    rentals, localities = frames.rentals, frames.localisations
    rental_bytes, locality_bytes = frame_bytes(rentals), frame_bytes(localities)
    normalized = frame_bytes(pd.json_normalize(answers))
    normalized += frame_bytes(
        pd.json_normalize(answers, record_path=["location", "details_localisation"], meta=["token"])
    )
    ours = rental_bytes + locality_bytes
    rows = [
        ("rentals", f"{len(rentals):,} rows, {rental_bytes / len(rentals):.0f} B/row"),
        (
            "localisations",
            f"{len(localities):,} rows, {locality_bytes / len(localities):.0f} B/row",
        ),
        (
            "frames per rental vs raw JSON",
            f"{ours / N:.0f} B vs {json_bytes / N:.0f} B = {ours / json_bytes:.2f}x",
        ),
        (
            "frames per rental vs json_normalize",
            f"{ours / N:.0f} B vs {normalized / N:.0f} B = {ours / normalized:.2f}x (goal < 1x)",
        ),
        ("total frames", f"{ours / 2**20:.1f} MiB for {N:,} rentals"),
    ]
    print_table(f"Frames memory, {N:,} rentals ({machine()})", rows)


if __name__ == "__main__":
    main()
