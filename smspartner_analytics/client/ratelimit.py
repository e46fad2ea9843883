"""A thread-safe token bucket shared by all workers of a ``Client`` (docs/promises.md).

``RateLimiter(rate, burst=1)``: at most ``burst + rate * T`` acquisitions in any window of ``T``
seconds. ``burst`` defaults to 1, so requests are spaced ``1/rate`` apart and a one-second window
holds at most ``rate + 1``. ``rate=None`` or ``0`` means no cap (``acquire`` never waits).

Slowing down: ``penalise()`` (after a 429) halves the current rate, never below ``MIN_RATE``;
``reward()`` (after a success) raises it by ``RECOVERY_FACTOR`` back toward the configured rate.
Without a cap both are no-ops: ``Retry-After`` and backoff still space the retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Final

__all__ = ["MIN_RATE", "RECOVERY_FACTOR", "RateLimiter"]

#: The floor ``penalise`` never goes below (requests per second).
MIN_RATE: Final = 0.5
#: Each success multiplies the current rate by this, up to the configured rate.
RECOVERY_FACTOR: Final = 1.1


class RateLimiter:
    """Token bucket: ``acquire()`` blocks until a request may start."""

    def __init__(
        self,
        rate: float | None,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate is not None and (rate < 0 or rate != rate or rate == float("inf")):
            raise ValueError(f"rate must be a finite number of requests per second, not {rate}")
        if burst < 1:
            raise ValueError(f"burst must be 1 or more, not {burst}")
        self.configured_rate: float | None = rate if rate else None
        self.burst = burst
        self._rate = self.configured_rate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._last = clock()

    def __repr__(self) -> str:
        return (
            f"RateLimiter(rate={self._rate}, configured={self.configured_rate}, burst={self.burst})"
        )

    @property
    def rate(self) -> float | None:
        """The current rate (requests per second), None without a cap."""
        with self._lock:
            return self._rate

    def acquire(self) -> float:
        """Wait for a slot; return the seconds waited.

        Each caller reserves its slot under the lock (the bucket may go negative, a debt paid by
        waiting), so concurrent callers are spaced correctly without spinning.
        """
        with self._lock:
            if self._rate is None:
                return 0.0
            self._refill()
            self._tokens -= 1.0
            wait = -self._tokens / self._rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait

    def _refill(self) -> None:
        now = self._clock()
        assert self._rate is not None
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self._rate)
        self._last = now

    def penalise(self) -> None:
        """Halve the current rate (not below ``MIN_RATE``), after a 429."""
        with self._lock:
            if self._rate is None:
                return
            self._refill()
            self._rate = max(min(MIN_RATE, self.configured_rate or MIN_RATE), self._rate / 2.0)

    def reward(self) -> None:
        """Move the current rate back toward the configured one, after a success."""
        with self._lock:
            if self._rate is None or self.configured_rate is None:
                return
            if self._rate < self.configured_rate:
                self._refill()
                self._rate = min(self.configured_rate, self._rate * RECOVERY_FACTOR)
