"""Report benchmark: writing ``report.xlsx`` and ``report.html`` against writing the six CSVs.

Builds the frames of N generated rentals (``bench_flatten.make_answer``, 1-4 localities each, a
``campaign`` column), then times in one run, each through ``write_report`` into a fresh folder:
the CSVs (baseline), the workbook alone and the HTML page alone. Prints each as a ratio to the
CSVs, in wall time and in CPU time, and the file sizes.

    python -m benchmarks.bench_report      (SMSPARTNER_BENCH_QUICK=1: 5,000 rentals)
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._common import QUICK, machine, print_table
from benchmarks.bench_flatten import make_answer
from smspartner_analytics.frames.flattening import flatten, join_metadata
from smspartner_analytics.report.writer import CSV_FILES, HTML_FILE, XLSX_FILE, write_report

N = 5_000 if QUICK else 100_000


def timed(fn: Callable[[], Path], repeat: int) -> tuple[float, float, Path]:
    """Best wall time and best CPU time (this process) of ``repeat`` runs, and the last result.

    CPU time is printed too: on a machine shared with other jobs it moves less than wall time."""
    wall, cpu = float("inf"), float("inf")
    result = Path()
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, result


def main() -> None:
    rng = random.Random(0)
    frames = flatten([make_answer(rng, i) for i in range(N)])
    tokens = frames.rentals["token"].tolist()
    frames.rentals = join_metadata(
        frames.rentals, {t: {"campaign": f"campaign {i % 7}"} for i, t in enumerate(tokens)}
    )
    repeat = 3 if QUICK else 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def write(name: str, *, csv: bool = False, xlsx: bool = False, html: bool = False) -> Path:
            out = folder / name
            write_report(
                frames, out, csv=csv, xlsx=xlsx, html=html, charts=False, timezone="Europe/Paris"
            )
            return out

        csv_s, csv_cpu, csv_dir = timed(lambda: write("csv", csv=True), repeat)
        xlsx_s, xlsx_cpu, xlsx_dir = timed(lambda: write("xlsx", xlsx=True), repeat)
        html_s, html_cpu, html_dir = timed(lambda: write("html", html=True), repeat)
        csv_bytes = sum((csv_dir / name).stat().st_size for name in CSV_FILES)
        xlsx_bytes = (xlsx_dir / XLSX_FILE).stat().st_size
        html_bytes = (html_dir / HTML_FILE).stat().st_size
    rows = [
        ("rentals", f"{N:,} ({len(frames.localisations):,} localities)"),
        ("the CSVs (baseline)", f"{csv_s:.2f} s ({csv_cpu:.2f} s CPU), {csv_bytes / 1e6:.1f} MB"),
        ("report.xlsx", f"{xlsx_s:.2f} s = {xlsx_s / csv_s:.1f}x the CSVs"),
        ("report.xlsx, CPU time", f"{xlsx_cpu:.2f} s = {xlsx_cpu / csv_cpu:.1f}x the CSVs"),
        ("report.xlsx size", f"{xlsx_bytes / 1e6:.1f} MB = {xlsx_bytes / csv_bytes:.2f}x the CSVs"),
        ("report.html", f"{html_s:.2f} s = {html_s / csv_s:.2f}x the CSVs"),
        ("report.html, CPU time", f"{html_cpu:.2f} s = {html_cpu / csv_cpu:.2f}x the CSVs"),
        ("report.html size", f"{html_bytes / 1e3:.0f} kB"),
    ]
    print_table(f"Report formats, best of {repeat} ({machine()})", rows)


if __name__ == "__main__":
    main()
