"""The rate limiter's achieved rate against its target, measured by the sandbox.

``python -m benchmarks.bench_ratelimit``. For each target rate R, 4 threads share one ``Client``
(``rate=R``) and ask the sandbox (no latency) for as many tokens as R x DURATION. The sandbox
records when each request arrived: the achieved rate is (requests - 1) / (last - first arrival),
and the busiest one-second window is compared with the promise ``R + burst``
(docs/promises.md, Network: rate limit). Nothing is asserted; ratios are printed.

    SMSPARTNER_BENCH_QUICK=1: 1 s per rate instead of 3 s.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from benchmarks._common import QUICK, busiest_window, machine, print_table
from smspartner_analytics.client.http import Client
from smspartner_analytics.simulator.server import sandbox

__all__ = ["main", "measure"]

RATES = (20.0, 100.0)
DURATION = 1.0 if QUICK else 3.0
WORKERS = 4
KEY = "bench-key"


def measure(rate: float) -> tuple[float, int, int]:
    """(achieved requests/s, busiest one-second window, burst) at ``rate``."""
    count = int(rate * DURATION) + 1
    with sandbox(rentals=50) as url:
        tokens = [url.server.tokens[i % 50] for i in range(count)]
        with (
            Client(api_key=KEY, base_url=url, rate=rate, workers=WORKERS) as client,
            ThreadPoolExecutor(WORKERS) as pool,
        ):
            list(pool.map(client.get_status, tokens))
            burst = client.limiter.burst
        times = sorted(url.server.request_times())
    achieved = (len(times) - 1) / (times[-1] - times[0])
    return achieved, busiest_window(times), burst


def main() -> None:
    """Measure each target rate and print the table."""
    rows: list[tuple[str, str]] = []
    for rate in RATES:
        achieved, busiest, burst = measure(rate)
        rows.append(
            (
                f"rate {rate:g}/s: achieved",
                f"{achieved:.2f} req/s = {achieved / rate:.3f}x target (goal 0.95x to 1.01x)",
            )
        )
        rows.append(
            (
                f"rate {rate:g}/s: busiest 1 s window",
                f"{busiest} requests = {busiest / (rate + burst):.3f}x rate + burst "
                f"(goal <= 1x, {rate + burst:g})",
            )
        )
    print_table(
        f"Rate limiter, {WORKERS} threads on one Client, {DURATION:g} s per rate ({machine()})",
        rows,
    )


if __name__ == "__main__":
    main()
