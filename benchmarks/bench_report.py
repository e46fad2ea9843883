"""Report benchmark: writing ``report.xlsx`` and ``report.html`` against writing the six CSVs.

Builds the frames of N generated rentals (``bench_flatten.make_answer``, 1-4 localities each, a
``campaign`` column), then times in one run, each through ``write_report`` into a fresh folder:
the CSVs (baseline), the workbook alone and the HTML page alone. Prints each as a ratio to the
CSVs, in wall time and in CPU time, and the file sizes. Then ``lead_times`` on a history of N
rentals (1-6 answers each), against the per-rental loop it replaced (kept as the reference in
``tests/test_leadtimes_vectorised.py``), as a ratio new/old in the same run.

    python -m benchmarks.bench_report      (SMSPARTNER_BENCH_QUICK=1: 5,000 rentals)
"""

from __future__ import annotations

import importlib.util
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._common import QUICK, best_of, machine, print_table
from benchmarks.bench_flatten import make_answer
from smspartner_analytics.core.schema import AnswerRecord, Outcome
from smspartner_analytics.frames.flattening import _history_frame, flatten, join_metadata
from smspartner_analytics.leadtimes import lead_times
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
    bench_lead_times(rng)


_PATHS = (
    ["requested", "processing", "processing", "ready", "ready", "downloaded"],
    ["requested", "ready", "downloaded"],
    ["processing", "failed"],
    ["ready"],
)


def bench_lead_times(rng: random.Random) -> None:
    """``lead_times`` against the former per-rental loop, on the same history, one run each."""
    t0 = datetime(2026, 3, 2, tzinfo=UTC)
    records = []
    for i in range(N):
        path = rng.choice(_PATHS)
        moment = t0 + timedelta(seconds=rng.randrange(86_400))
        for status in path[: rng.randint(1, len(path))]:
            moment += timedelta(seconds=rng.randrange(60, 7_200))
            records.append(AnswerRecord(f"tok{i:07d}", moment, Outcome.OK, status=status))
    history = _history_frame(records)
    new_s, new = best_of(lambda: lead_times(history), 1)
    old_s, old = best_of(lambda: _reference()(history), 1)
    same = new.equals(old) and list(new.dtypes) == list(old.dtypes)
    rows = [
        ("history", f"{N:,} rentals, {len(history):,} answers"),
        ("former loop (baseline)", f"{old_s:.2f} s"),
        ("lead_times (vectorised)", f"{new_s:.3f} s = {new_s / old_s:.3f}x the loop"),
        ("same table", "yes" if same else "NO"),
    ]
    print_table(f"Lead times ({machine()})", rows)


def _reference() -> Callable[[Any], Any]:
    """The former loop, from the test that keeps it as the definition of the right answer."""
    path = Path(__file__).resolve().parent.parent / "tests" / "test_leadtimes_vectorised.py"
    spec = importlib.util.spec_from_file_location("leadtimes_reference", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function: Callable[[Any], Any] = module.reference_lead_times
    return function


if __name__ == "__main__":
    main()
