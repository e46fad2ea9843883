"""The demo: the whole job on the built-in sandbox, with no key and no network.

Starts the sandbox in-process, fetches a few hundred generated rentals (with campaign metadata,
a few unknown tokens and a small share of transient faults, so retries and the errors table are
shown too) through the real ``Client`` over HTTP, writes the full report (CSVs, charts,
``report.xlsx`` and ``report.html``) and summarises it. The store is kept beside the report
folder, never inside it (``smspartner-report-demo.sqlite`` for ``smspartner-report/``): the report
folder holds only the report, which a new report replaces whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from smspartner_analytics.analysis import (
    rental_labels,
    spend_by_category,
    status_summary,
    volume_by_location,
)
from smspartner_analytics.client.http import Client
from smspartner_analytics.core.config import DEFAULT_REPORT_DIR
from smspartner_analytics.core.numbers import count, counted, money
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.fetch import FetchResult, fetch_statuses
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.report.writer import write_report
from smspartner_analytics.simulator.server import sandbox

__all__ = ["DEMO_KEY", "DemoResult", "demo_store_path", "run_demo"]

#: The sandbox accepts any non-empty key; the demo uses this one, which is no secret.
DEMO_KEY = "sandbox-demo-key"
#: Tokens the sandbox does not know: the API answers code 32 (rental not found) for them.
UNKNOWN_TOKENS = ("0" * 40, "deadbeef" * 5, "f" * 40)


@dataclass
class DemoResult:
    """What the demo did: where the report is, the fetch counts and the frames."""

    out_dir: Path
    store_path: Path
    base_url: str
    seconds: float
    fetch: FetchResult
    frames: Frames
    files: list[Path]

    def summary_lines(self) -> list[str]:
        """A few lines a person reads after the run."""
        rentals = self.frames.rentals
        statuses = status_summary(rentals)
        present = statuses[statuses["rentals"] > 0]
        by_status = " · ".join(f"{r.status} {_count(r.rentals)}" for r in present.itertuples())
        spend = spend_by_category(rentals)
        by_cat = " · ".join(
            f"{label} {money(cost)}"
            for label, cost in zip(spend["category_label"], spend["cost_total"], strict=True)
        )
        total = float(rentals["cost_total"].sum())
        quantity = int(rentals["quantity"].sum())
        retried = sum(1 for rec in self.fetch.records if rec.attempts > 1)
        lines = [
            f"Fetched {counted(self.fetch.total, 'rental token')} from the sandbox at "
            f"{self.base_url} "
            f"(no key, no network) in {self.seconds:.1f} s.",
            f"  {self.fetch.summary()}",
            f"  {counted(retried, 'request')} needed retries after transient faults "
            "(5xx, 429, cut bodies).",
            f"Rentals per status: {by_status}",
            f"Spend: {money(total)} for {counted(quantity, 'contact')} ({by_cat})",
        ]
        lines.extend(self._shortfall_lines())
        if len(self.frames.errors):
            lines.append(f"Tokens without data: {count(len(self.frames.errors))} (see errors.csv)")
        lines.append(f"Report: {counted(len(self.files), 'file')} in {self.out_dir}/")
        charts = [p.name for p in self.files if p.suffix == ".png"]
        if charts:
            lines.append(f"  charts: {', '.join(charts)}")
        if any(p.suffix == ".xlsx" for p in self.files):
            lines.append("  open report.xlsx in Excel, or report.html in a browser (one file)")
        lines.append(f"Store: {self.store_path} (open it with smspartner_analytics.load_frames)")
        return lines

    def _shortfall_lines(self) -> list[str]:
        """Localities short (counted once each), then the three largest single shortfalls."""
        loc = self.frames.localisations
        short = loc[loc["shortfall"] > 0]
        if short.empty:
            return []
        places = volume_by_location(loc)
        places = places[places["shortfall"] > 0]
        worst = short.sort_values("shortfall", ascending=False, kind="stable").head(3)
        names = rental_labels(self.frames.rentals, tokens=worst["token"])
        lines = [
            f"Shortfalls: {counted(len(short), '(rental, locality) pair')} short, in "
            f"{counted(len(places), 'distinct locality', 'distinct localities')}; "
            f"{counted(float(places['shortfall'].sum()), 'contact')} short in all.",
            "Largest shortfalls of one rental in one locality:",
        ]
        lines.extend(
            f"  {r.type} {r.location}, {names.get(str(r.token), str(r.token)[:8])}: desired "
            f"{_count(r.volume_desired)}, available {_count(r.volume_available)}, "
            f"short {_count(r.shortfall)}"
            for r in worst.itertuples()
        )
        return lines


def _count(value: object) -> str:
    return count(float(value))  # type: ignore[arg-type]


def demo_store_path(out_dir: str | Path) -> Path:
    """Where the demo keeps its store: beside the report folder, ``DIR-demo.sqlite`` for ``DIR``
    (a name of its own: each run starts it afresh)."""
    folder = Path(os.path.abspath(out_dir))
    return folder.with_name(f"{folder.name}-demo.sqlite")


def _fresh_store(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def run_demo(
    out_dir: str | Path = DEFAULT_REPORT_DIR,
    *,
    rentals: int = 300,
    seed: int = 0,
    progress: bool = True,
    latency_ms: float = 15.0,
    fault_rate: float = 0.03,
) -> DemoResult:
    """Run the demo end to end and return what it did (the report is in ``out_dir``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_path = demo_store_path(out)
    _fresh_store(store_path)
    start = time.perf_counter()
    with sandbox(rentals=rentals, seed=seed, latency_ms=latency_ms, fault_rate=fault_rate) as url:
        entries: Iterable[TokenEntry] = [
            *url.server.entries,
            *(TokenEntry(token, {"campaign": "Unknown"}) for token in UNKNOWN_TOKENS),
        ]
        with Client(api_key=DEMO_KEY, base_url=url, rate=None, workers=8) as client:
            result = fetch_statuses(
                entries, client=client, store=store_path, progress=progress, errors="ignore"
            )
    seconds = time.perf_counter() - start
    frames = load_frames(store_path)
    files = write_report(frames, out, xlsx=True, html=True, source=store_path)
    return DemoResult(out, store_path, str(url), seconds, result, frames, files)
