"""The token bucket: no more than rate + burst acquisitions in any one-second window."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left

import pytest

from smspartner_analytics.client.ratelimit import MIN_RATE, RateLimiter


class FakeClock:
    """A clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.lock = threading.Lock()

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def max_in_window(times: list[float], window: float = 1.0) -> int:
    ordered = sorted(times)
    return max(bisect_left(ordered, t + window) - i for i, t in enumerate(ordered))


@pytest.mark.parametrize(("rate", "burst"), [(5.0, 1), (5.0, 5), (2.0, 3), (50.0, 1)])
def test_window_holds_rate_plus_burst_on_a_fake_clock(rate: float, burst: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, burst=burst, clock=clock.time, sleep=clock.sleep)
    times = []
    for _ in range(200):
        limiter.acquire()
        times.append(clock.time())
    assert max_in_window(times) <= rate + burst
    # and the limiter is not needlessly slow: the whole run takes about (n - burst) / rate
    assert clock.now - 100.0 == pytest.approx((200 - burst) / rate, rel=0.01)


def test_window_holds_across_threads_in_real_time() -> None:
    limiter = RateLimiter(20.0)
    times: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(8):
            limiter.acquire()
            with lock:
                times.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(times) == 32
    assert max_in_window(times) <= 20 + 1


@pytest.mark.parametrize("rate", [None, 0, 0.0])
def test_no_cap(rate: float | None) -> None:
    limiter = RateLimiter(rate)
    assert limiter.rate is None
    assert all(limiter.acquire() == 0.0 for _ in range(1000))
    limiter.penalise()
    limiter.reward()
    assert limiter.rate is None


def test_penalise_halves_down_to_a_floor_and_reward_recovers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(8.0, clock=clock.time, sleep=clock.sleep)
    limiter.penalise()
    assert limiter.rate == 4.0
    limiter.penalise()
    assert limiter.rate == 2.0
    for _ in range(10):
        limiter.penalise()
    assert limiter.rate == MIN_RATE
    rates = []
    for _ in range(100):
        limiter.reward()
        rates.append(limiter.rate)
    assert rates[0] is not None
    assert MIN_RATE < rates[0] < 8.0
    assert rates == sorted(rates, key=lambda r: r or 0.0)
    assert limiter.rate == 8.0  # back to the configured rate, never above


def test_penalised_rate_spaces_acquisitions_further() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock.time, sleep=clock.sleep)
    limiter.penalise()
    times = []
    for _ in range(50):
        limiter.acquire()
        times.append(clock.time())
    assert max_in_window(times) <= 5 + 1


@pytest.mark.parametrize("rate", [-1.0, float("inf"), float("nan")])
def test_bad_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate)
