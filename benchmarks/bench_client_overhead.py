"""What the Client costs per request over plain ``requests``, on the sandbox with no latency.

``python -m benchmarks.bench_client_overhead``. Both sides talk to the same in-process sandbox
in the same run: plain ``requests.get`` in a loop (the vendor's sample; a new connection each
time), a plain ``requests.Session`` (keep-alive), and ``Client.get_status`` (keep-alive, retry
loop, bounded body read, parsing and the rate limiter switched off), sequentially and through a
thread pool of 4. Figures are requests per second and ratios against ``requests.get``;
nothing is asserted.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

from benchmarks._common import QUICK, best_of, machine, print_table
from smspartner_analytics.client.http import Client
from smspartner_analytics.simulator.server import sandbox

__all__ = ["main"]

REQUESTS = 60 if QUICK else 1000
REPEAT = 1 if QUICK else 3
WORKERS = 4
KEY = "bench-key"


def _plain_get(url: str, tokens: list[str]) -> Callable[[], int]:
    def run() -> int:
        for token in tokens:
            params = {"apiKey": KEY, "token": token}
            requests.get(f"{url}/location/status", params=params, timeout=10).json()
        return len(tokens)

    return run


def _plain_session(url: str, tokens: list[str]) -> Callable[[], int]:
    def run() -> int:
        with requests.Session() as session:
            for token in tokens:
                params = {"apiKey": KEY, "token": token}
                session.get(f"{url}/location/status", params=params, timeout=10).json()
        return len(tokens)

    return run


def _client(url: str, tokens: list[str], workers: int) -> Callable[[], int]:
    def run() -> int:
        with Client(api_key=KEY, base_url=url, rate=None, workers=workers) as client:
            if workers == 1:
                for token in tokens:
                    client.get_status(token)
            else:
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(client.get_status, tokens))
        return len(tokens)

    return run


def main() -> None:
    """Measure and print requests per second and ratios."""
    with sandbox(rentals=200, seed=0) as url:
        tokens = [url.server.tokens[i % 200] for i in range(REQUESTS)]
        cases = [
            ("requests.get in a loop (baseline)", _plain_get(url, tokens)),
            ("requests.Session in a loop", _plain_session(url, tokens)),
            ("Client.get_status, sequential", _client(url, tokens, 1)),
            (f"Client.get_status, {WORKERS} threads", _client(url, tokens, WORKERS)),
        ]
        rates = []
        for name, fn in cases:
            seconds, count = best_of(fn, REPEAT)
            rates.append((name, count / seconds))
    baseline = rates[0][1]
    rows = [(name, f"{rate:8.0f} req/s   x{rate / baseline:.2f}") for name, rate in rates]
    print_table(
        f"Client overhead, {REQUESTS} requests, sandbox without latency ({machine()})", rows
    )


if __name__ == "__main__":
    main()
