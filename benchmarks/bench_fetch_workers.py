"""``fetch_statuses`` at zero latency against a plain thread pool, with 16 and 64 workers.

``python -m benchmarks.bench_fetch_workers``. Both sides ask the same in-process sandbox (no
latency, no rate cap) for the same tokens in the same run. The peer is the plain way: a
``ThreadPoolExecutor`` of W threads, a ``requests.Session`` per thread, ``json.loads`` of each
answer, nothing stored. Our side is the whole ``fetch_statuses``: the client (retry loop,
bounded reads, parsing), the workers, the one writer committing groups of answers to a real store.
Figures: answers per second and our ratio to the peer (goal >= 0.95x).
"""

from __future__ import annotations

import json
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import requests

from benchmarks._common import QUICK, best_of, machine, print_table
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import sandbox

__all__ = ["main"]

TOKENS = 300 if QUICK else 3000
REPEAT = 1 if QUICK else 3
KEY = "bench-key"


def _peer(url: str, tokens: list[str], workers: int) -> int:
    local = threading.local()

    def ask(token: str) -> object:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
        answer = session.get(
            f"{url}/location/status", params={"apiKey": KEY, "token": token}, timeout=10
        )
        return json.loads(answer.content)

    with ThreadPoolExecutor(workers) as pool:
        return len(list(pool.map(ask, tokens)))


def _ours(url: str, tokens: list[str], workers: int, folder: Path) -> int:
    path = folder / f"bench-{workers}-{threading.get_ident()}.sqlite"
    path.unlink(missing_ok=True)
    result = fetch_statuses(
        tokens, store=path, api_key=KEY, base_url=url, rate=None, workers=workers,
        progress=False, errors="ignore",
    )  # fmt: skip
    return result.asked


def main() -> None:
    """Measure and print answers per second and ratios."""
    rows = []
    with sandbox(rentals=TOKENS, seed=0) as url, tempfile.TemporaryDirectory() as tmp:
        tokens = url.server.tokens
        for workers in (16, 64):
            peer_s, peer_n = best_of(partial(_peer, url, tokens, workers), REPEAT)
            ours_s, ours_n = best_of(partial(_ours, url, tokens, workers, Path(tmp)), REPEAT)
            peer, ours = peer_n / peer_s, ours_n / ours_s
            rows.append(
                (
                    f"fetch_statuses + store vs plain pool, {workers} workers",
                    f"{ours:,.0f} vs {peer:,.0f} answers/s = {ours / peer:.2f}x (goal >= 0.95x)",
                )
            )
    print_table(f"Fetch at zero latency, {TOKENS:,} tokens ({machine()})", rows)


if __name__ == "__main__":
    main()
