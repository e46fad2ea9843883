"""One million rentals on one machine: a store of N rentals (about 2.5 localities each) plus a
second answer for 20 % of them, built through the real store code (``Store.add_tokens`` and
``Store.record_many``, 10,000 answers a transaction), then timed against baselines of the same run.

    python -m benchmarks.bench_million            1,000,000 rentals (minutes; BENCHMARKS.md)
    python -m benchmarks.bench_million 200000     another size
    SMSPARTNER_BENCH_QUICK=1 ...                  5,000 rentals (CI)

Rows: building the frames cache (every body parsed once); ``load_frames`` when the cache is
current, as a fraction of ``json.loads`` of the stored bodies (goal <= 1/5); ``load_frames``
after 1,000 new answers, against a current read (goal <= 2x); the columnar peers
(``pyarrow.json``, and ``polars.read_ndjson`` when installed) on the same bodies; ``write_report``
(CSVs and charts) against ``DataFrame.to_csv`` of the same frames; peak memory of the whole run
(goal <= 2 GB) and store size, per rental; one dashboard filter change and redraw (goal < 1 s).
Bodies come from the sandbox's generator: 5,000 distinct rentals, each stored under many tokens.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.json as pajson

from benchmarks._common import QUICK, machine, print_table
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry, normalise_status
from smspartner_analytics.frames import cache as frames_cache
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.data import generate_rentals, render_rental
from smspartner_analytics.store.db import Store

__all__ = ["main"]

_TEMPLATES = 5_000
_BATCH = 10_000
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _records(
    n: int, offset: int, bodies: list[tuple[str, str]], second: bool
) -> list[AnswerRecord]:
    out = []
    for i in range(offset, offset + n):
        body, status = bodies[i % len(bodies)]
        if second:
            body = body.replace('"status": 2', '"status": 3', 1)
        out.append(
            AnswerRecord(
                token=f"bench{i:09d}",
                fetched_at=_START + timedelta(seconds=i, days=30 if second else 0),
                outcome="ok",
                http_status=200,
                body=body,
                status=status,
            )
        )
    return out


def _build(path: Path, n: int) -> float:
    templates = generate_rentals(_TEMPLATES, seed=7)
    bodies = []
    for rental in templates:
        answer = render_rental(rental)
        bodies.append(
            (json.dumps(answer, ensure_ascii=False), normalise_status(answer["status"])[0])
        )
    start = time.perf_counter()
    with Store(path) as store:
        for first in range(0, n, _BATCH):
            size = min(_BATCH, n - first)
            store.add_tokens(
                TokenEntry(f"bench{i:09d}", {"campaign": f"c{i % 40}", "client": f"k{i % 7}"})
                for i in range(first, first + size)
            )
            store.record_many(_records(size, first, bodies, second=False))
        for first in range(0, n // 5, _BATCH):  # a second answer for 20 % of them
            store.record_many(_records(min(_BATCH, n // 5 - first), first, bodies, True))
    return time.perf_counter() - start


def _loads_latest(path: Path) -> tuple[float, int, Path]:
    """SELECT + json.loads of every latest body; also writes them as NDJSON for the peers."""
    ndjson = path.with_suffix(".ndjson")
    start = time.perf_counter()
    count = 0
    with Store(path, read_only=True) as store, ndjson.open("w", encoding="utf-8") as out:
        upto = store.last_answer_id()
        step = 100_000
        for after in range(0, upto, step):
            rows = store.answer_rows(after, min(after + step, upto))
            for row in rows:
                json.loads(row[10])
            count += len(rows)
            pause = time.perf_counter()
            out.write("\n".join(r[10] for r in rows) + "\n")
            start += time.perf_counter() - pause  # writing the file is not the baseline
    return time.perf_counter() - start, count, ndjson


def _peer(fn: object, loads: float) -> str:
    """A columnar peer's time as a ratio to json.loads, or why it could not read the bodies."""
    try:
        return f"{_timed(fn) / loads:.2f}x"
    except Exception as exc:  # the peers refuse a column whose JSON type varies
        return f"cannot read them: {str(exc).splitlines()[0][:70]}"


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    """Build the store, time the steps and print the ratios."""
    n = 5_000 if QUICK else int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "million.sqlite"
        build = _build(path, n)
        store_bytes = path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob("million.sqlite-*")
        )
        loads, bodies, ndjson = _loads_latest(path)
        arrow = _peer(lambda: pajson.read_json(str(ndjson)), loads)
        try:
            import polars  # type: ignore[import-not-found, unused-ignore]

            polars_time: str | None = _peer(lambda: polars.read_ndjson(str(ndjson)), loads)
        except ImportError:
            polars_time = None
        ndjson.unlink()
        first = _timed(lambda: load_frames(path))
        current = min(_timed(lambda: load_frames(path)) for _ in range(2))
        with Store(path) as store:
            templates = [(json.dumps(render_rental(r)), "delivered") for r in generate_rentals(50)]
            store.record_many(_records(1_000, n, templates, second=False))
        after_new = _timed(lambda: load_frames(path))
        frames = load_frames(path)  # kept only now: one set of frames alive at a time
        cache_bytes = sum(p.stat().st_size for p in frames_cache.cache_dir(path).iterdir())
        rentals, locs = len(frames.rentals), len(frames.localisations)
        plain = Path(tmp) / "plain"
        plain.mkdir()
        names = ("rentals", "localisations", "errors", "history")
        to_csv = _timed(
            lambda: [getattr(frames, n).to_csv(plain / f"{n}.csv", index=False) for n in names]
        )
        from smspartner_analytics.report.writer import write_report

        report = _timed(lambda: write_report(frames, Path(tmp) / "report"))
        redraw = _dashboard_change(frames)
        mem = {"python": frames_bytes(frames)}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rows = [
        ("store", f"{n:,} rentals, {bodies:,} bodies, {locs:,} localities, {rentals:,} rows"),
        ("build through Store.record_many", f"{build:.1f} s ({n * 1.2 / build:,.0f} answers/s)"),
        ("cache build (every body parsed once) vs json.loads", f"{first / loads:.2f}x"),
        ("load_frames, cache current vs json.loads", f"{current / loads:.2f}x (goal <= 0.2x)"),
        ("load_frames after 1,000 new vs current", f"{after_new / current:.2f}x (goal <= 2x)"),
        ("pyarrow.json.read_json vs json.loads", arrow),
        ("write_report (CSVs, charts) vs DataFrame.to_csv", f"{report / to_csv:.2f}x"),
        ("dashboard: status filter change and redraw", f"{redraw[1]:.2f} s (goal < 1 s)"),
        ("dashboard: filter cleared, all rentals redrawn", f"{redraw[2]:.2f} s (goal < 1 s)"),
        ("dashboard: opened (filters, positions, first drawing)", f"{redraw[0]:.2f} s"),
        ("frames in memory", f"{mem['python'] / rentals:,.0f} B/row per rental"),
        ("peak memory of the run", f"{peak / 2**20:,.0f} MiB, {peak / n:,.0f} B/row (goal 2 GB)"),
        ("store on disk", f"{store_bytes / n:,.0f} B/row; cache {cache_bytes / n:,.0f} B/row"),
        ("seconds", f"json.loads {loads:.2f}, current {current:.2f}, after new {after_new:.2f}, "
                    f"first {first:.2f}, to_csv {to_csv:.2f}, report {report:.2f}"),
    ]  # fmt: skip
    if polars_time is not None:
        rows.insert(6, ("polars.read_ndjson vs json.loads", polars_time))
    print_table(f"One million rentals, {n:,} rentals ({machine()}, pid {os.getpid()})", rows)


def _dashboard_change(frames: Frames) -> tuple[float, float, float]:
    """Seconds to open the dashboard, then for a status filter change and redraw, and for
    clearing it (all rentals redrawn), best of 3 each."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from smspartner_analytics.widgets import dashboard

    start = time.perf_counter()
    board = dashboard(frames)
    opened = time.perf_counter() - start
    statuses = [value for _label, value in board.filters["status"].options][:2]
    changes, clears = [], []
    for _ in range(3):
        changes.append(_timed(lambda: board.set_filter("status", statuses)))
        clears.append(_timed(lambda: board.set_filter("status", None)))
    return opened, min(changes), min(clears)


def frames_bytes(frames: object) -> int:
    """Deep memory of the four frames."""
    return sum(
        int(getattr(frames, name).memory_usage(deep=True, index=True).sum())
        for name in ("rentals", "localisations", "errors", "history")
    )


if __name__ == "__main__":
    main()
