"""The token bucket: no more than rate + burst acquisitions in any one-second window."""

from __future__ import annotations

import threading

import pytest
from helpers import FakeClock, VirtualClock, busiest_window

from smspartner_analytics.client.ratelimit import MIN_RATE, RateLimiter


@pytest.mark.parametrize(("rate", "burst"), [(5.0, 1), (5.0, 5), (2.0, 3), (50.0, 1)])
def test_window_holds_rate_plus_burst_on_a_fake_clock(rate: float, burst: int) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, burst=burst, clock=clock.time, sleep=clock.sleep)
    times = []
    for _ in range(200):
        limiter.acquire()
        times.append(clock.time())
    assert busiest_window(times) <= rate + burst
    # and the limiter is not needlessly slow: the whole run takes about (n - burst) / rate
    assert clock.now - 100.0 == pytest.approx((200 - burst) / rate, rel=0.01)


@pytest.mark.parametrize(("threads", "rate", "burst"), [(4, 20.0, 1), (8, 5.0, 3)])
def test_window_holds_across_threads(threads: int, rate: float, burst: int) -> None:
    """Threads share one limiter on a virtual clock: the bound holds, deterministically, however
    loaded the machine is (a real-time version once saw 22 in a window of 21 under load)."""
    clock = VirtualClock(threads)
    limiter = RateLimiter(rate, burst=burst, clock=clock.time, sleep=clock.sleep)
    times: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(8):
                limiter.acquire()
                with lock:
                    times.append(clock.time())
        finally:
            clock.done()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert len(times) == 8 * threads
    assert busiest_window(times) <= rate + burst
    # and not needlessly slow: after the burst, one request every 1/rate seconds
    assert max(times) == pytest.approx((8 * threads - burst) / rate)


def test_the_window_check_can_fail() -> None:
    """A limiter that lets every thread through at once is caught."""
    assert busiest_window([0.0] * 5 + [0.999]) == 6
    assert busiest_window([0.0, 1.0, 2.0]) == 1


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
    assert busiest_window(times) <= 5 + 1


@pytest.mark.parametrize("rate", [-1.0, float("inf"), float("nan")])
def test_bad_rate_is_refused(rate: float) -> None:
    with pytest.raises(ValueError, match="rate"):
        RateLimiter(rate)
