"""The retry policy: a frozen ``RetryPolicy`` and two small pure functions.

``RetryPolicy(attempts=4, backoff_base=0.5, backoff_cap=8.0, jitter=True, retry_after_cap=60.0,
max_total_wait=120.0, attempt_deadline=60.0)`` is given to ``Client(retry=...)``; tests build
small ones (``RetryPolicy(attempts=2, backoff_base=0.001)``). ``attempt_deadline`` bounds one
attempt from the request to the last body byte, whatever pace the server keeps (a server that
sends one byte a second never resets it).

- ``should_retry(http_status, error=None)``: is this attempt worth repeating?
  Retried: HTTP 429, 500, 502, 503, 504, and transport failures (refused or reset connections,
  connect/read timeouts, bodies cut off mid-read). Not retried: every other status (400, 401,
  403, 404, 3xx, API codes such as 31 and 32), TLS and URL errors.
- ``retry_delay(attempt, retry_after, now=...)``: how long to wait before the next attempt.
  ``Retry-After`` wins when it is a usable number of seconds (fractions round *up*: 1.5 -> 2) or an
  HTTP date; garbage (``-1``, ``abc``, ``inf``, ``nan``, empty) falls back to backoff; a value
  above the cap returns ``None``: do not wait, give up at once (the token is rate-limited).
  Backoff is capped exponential with full jitter: ``uniform(0, min(cap, base * 2**attempt))``.

Transport failures arrive already classified (``transport.Failure``, which knows whether it is
worth another attempt). A truncated body is a transport failure (the HTTP layer sees fewer bytes
than announced) and is retried. A *complete* body that is not JSON is a parse error and is not:
asking again for the same bytes wastes a request.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from smspartner_analytics.client.transport import Failure
from smspartner_analytics.core.errors import ConfigurationError

__all__ = [
    "ATTEMPT_DEADLINE",
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_ATTEMPTS",
    "MAX_TOTAL_WAIT",
    "RETRYABLE_STATUSES",
    "RETRY_AFTER_CAP",
    "RetryPolicy",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
]

#: Attempts per token: the first one and 3 retries.
DEFAULT_ATTEMPTS: Final = 4
#: HTTP statuses worth another attempt.
RETRYABLE_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: First backoff ceiling in seconds; doubles with each attempt up to ``BACKOFF_CAP``.
BACKOFF_BASE: Final = 0.5
BACKOFF_CAP: Final = 8.0
#: The longest ``Retry-After`` the client honours; above it the token is recorded rate-limited.
RETRY_AFTER_CAP: Final = 60.0
#: The most one token may spend sleeping between attempts, whatever the server asks.
MAX_TOTAL_WAIT: Final = 120.0
#: The longest one attempt may take, from sending the request to the last byte of the body.
ATTEMPT_DEADLINE: Final = 60.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a ``Client`` retries and how long one attempt may last.

    ``attempts``: tries per token (1 = no retry). Backoff before retry n (from 0) is
    ``min(backoff_cap, backoff_base * 2**n)``, drawn uniformly below that ceiling when ``jitter``
    (full jitter), exactly that without. A ``Retry-After`` up to ``retry_after_cap`` seconds is
    honoured instead; above it the token is given up at once. One token never sleeps more than
    ``max_total_wait`` seconds in all, and one attempt never lasts more than ``attempt_deadline``
    seconds (slow bodies included).
    """

    attempts: int = DEFAULT_ATTEMPTS
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    jitter: bool = True
    retry_after_cap: float = RETRY_AFTER_CAP
    max_total_wait: float = MAX_TOTAL_WAIT
    attempt_deadline: float = ATTEMPT_DEADLINE

    def __post_init__(self) -> None:
        if isinstance(self.attempts, bool) or not isinstance(self.attempts, int):
            raise ConfigurationError(f"attempts must be a whole number, not {self.attempts!r}.")
        if self.attempts < 1:
            raise ConfigurationError(f"attempts must be 1 or more, not {self.attempts}.")
        for name in ("backoff_base", "backoff_cap", "retry_after_cap", "max_total_wait"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise ConfigurationError(f"{name} must be 0 or more seconds, not {value!r}.")
        deadline = self.attempt_deadline
        if not isinstance(deadline, int | float) or not 0 < deadline < math.inf:
            raise ConfigurationError(
                f"attempt_deadline must be positive seconds, not {deadline!r}."
            )

    def delay(self, retry: int, retry_after: str | None, rng: random.Random) -> float | None:
        """Seconds to wait before retry number ``retry + 1`` (None: give up now)."""
        return retry_delay(
            retry,
            retry_after,
            base=self.backoff_base,
            cap=self.backoff_cap,
            retry_after_cap=self.retry_after_cap,
            jitter=self.jitter,
            rng=rng,
        )


def should_retry(http_status: int | None, failure: Failure | None = None) -> bool:
    """True when an attempt that ended this way is worth repeating.

    ``http_status`` is the answer's status, or None when no complete answer came, in which case
    the transport ``failure`` decides.
    """
    if http_status is not None:
        return http_status in RETRYABLE_STATUSES
    return failure is not None and failure.retried


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks for, or None when absent or unusable.

    Whole seconds as given; fractions rounded up; an HTTP date counts from ``now`` (UTC, default
    the current time) and is rounded up too; negative, non-finite or garbage values give None.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return float(math.ceil(seconds))


def _seconds_until(text: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return float(max(0, math.ceil((when - current).total_seconds())))


def retry_delay(
    attempt: int,
    retry_after: str | None = None,
    *,
    now: datetime | None = None,
    base: float = BACKOFF_BASE,
    cap: float = BACKOFF_CAP,
    retry_after_cap: float = RETRY_AFTER_CAP,
    jitter: bool = True,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    A usable ``retry_after`` header value wins; above ``retry_after_cap`` the answer is None
    (do not wait: give up now). Otherwise full-jitter backoff in ``[0, min(cap, base*2**attempt)]``
    (the ceiling itself without ``jitter``).
    """
    asked = parse_retry_after(retry_after, now=now)
    if asked is not None:
        return None if asked > retry_after_cap else asked
    ceiling = min(cap, base * (2.0 ** min(max(attempt, 0), 60)))
    return (rng or random).uniform(0.0, ceiling) if jitter else ceiling
