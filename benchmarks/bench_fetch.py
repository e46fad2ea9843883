"""Fetch throughput against the sandbox with injected latency: concurrency efficiency and speed-up.

``python -m benchmarks.bench_fetch``. The sandbox answers every request after ``LATENCY_MS``; with
W workers and no rate cap the best possible wall time for N tokens is ``N x latency / W``.
Efficiency is that limit divided by the measured time (goal: 85% or more). The baseline is the
vendor's sample, one ``requests.get`` after another, timed on a subset and extrapolated per token.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from benchmarks._common import QUICK, machine, print_table
from smspartner_analytics.client.http import Client
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

__all__ = ["main"]

TOKENS = 64 if QUICK else 600
SEQUENTIAL_SUBSET = 10 if QUICK else 50
LATENCY_MS = 100.0
WORKERS = 16
KEY = "bench-key"


def _sequential(url: str, tokens: list[str]) -> float:
    """Seconds per token for the vendor's loop: one plain ``requests.get`` at a time."""
    start = time.perf_counter()
    for token in tokens:
        response = requests.get(
            f"{url}/location/status", params={"apiKey": KEY, "token": token}, timeout=30
        )
        response.json()
    return (time.perf_counter() - start) / len(tokens)


def main() -> None:
    """Run the benchmark and print its table."""
    with (
        sandbox(rentals=TOKENS, latency_ms=LATENCY_MS) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        tokens = url.server.tokens
        client = Client(api_key=KEY, base_url=url, rate=None, workers=WORKERS)
        start = time.perf_counter()
        result = fetch_statuses(
            tokens,
            client=client,
            store=Path(tmp) / "bench.sqlite",
            workers=WORKERS,
            progress=False,
            errors="ignore",
        )
        elapsed = time.perf_counter() - start
        client.close()
        in_flight = url.server.max_in_flight
        with Store(Path(tmp) / "bench.sqlite") as store:
            stored = store.count_answers()
        per_token = _sequential(url, tokens[:SEQUENTIAL_SUBSET])
    limit = TOKENS * LATENCY_MS / 1000 / WORKERS
    sequential = per_token * TOKENS
    print_table(
        f"fetch_statuses: {TOKENS} tokens, {LATENCY_MS:.0f} ms latency, {WORKERS} workers, "
        f"no rate cap ({machine()})",
        [
            ("answers stored", f"{stored} ({result.succeeded} succeeded)"),
            ("max requests in flight", f"{in_flight} (limit {WORKERS})"),
            ("wall time", f"{elapsed:.2f} s"),
            ("concurrency limit N*latency/W", f"{limit:.2f} s"),
            ("efficiency (limit / wall time)", f"{limit / elapsed:.0%} (goal >= 85%)"),
            (
                "sequential requests.get loop",
                f"{per_token * 1000:.0f} ms/token, timed on {SEQUENTIAL_SUBSET} tokens, "
                f"extrapolated to {TOKENS}: {sequential:.1f} s",
            ),
            ("speed-up over the sequential loop", f"{sequential / elapsed:.1f}x"),
        ],
    )


if __name__ == "__main__":
    main()
