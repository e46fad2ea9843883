"""The retry policy as named constants and two small pure functions (reliability.md 1-4).

- ``should_retry(http_status, error=None)``: is this attempt worth repeating?
  Retried: HTTP 429, 500, 502, 503, 504, and transport failures (refused or reset connections,
  connect/read timeouts, bodies cut off mid-read). Not retried: every other status (400, 401,
  403, 404, 3xx, API codes such as 31 and 32), TLS and URL errors.
- ``retry_delay(attempt, retry_after, now=...)``: how long to wait before the next attempt.
  ``Retry-After`` wins when it is a usable number of seconds (fractions round *up*: 1.5 -> 2) or an
  HTTP date; garbage (``-1``, ``abc``, ``inf``, ``nan``, empty) falls back to backoff; a value
  above the cap returns ``None``: do not wait, give up at once (the token is rate-limited).
  Backoff is capped exponential with full jitter: ``uniform(0, min(cap, base * 2**attempt))``.

A truncated body is a transport failure (the HTTP layer sees fewer bytes than announced) and is
retried. A *complete* body that is not JSON is a parse error and is not: asking again for the
same bytes wastes a request.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

import requests

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "DEFAULT_MAX_RETRIES",
    "MAX_TOTAL_WAIT",
    "RETRYABLE_STATUSES",
    "RETRY_AFTER_CAP",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
]

DEFAULT_MAX_RETRIES: Final = 3
#: HTTP statuses worth another attempt.
RETRYABLE_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
#: First backoff ceiling in seconds; doubles with each attempt up to ``BACKOFF_CAP``.
BACKOFF_BASE: Final = 0.5
BACKOFF_CAP: Final = 8.0
#: The longest ``Retry-After`` the client honours; above it the token is recorded rate-limited.
RETRY_AFTER_CAP: Final = 60.0
#: The most one token may spend sleeping between attempts, whatever the server asks.
MAX_TOTAL_WAIT: Final = 120.0

_NOT_RETRIED_TRANSPORT = (
    requests.exceptions.SSLError,
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidHeader,
    requests.exceptions.TooManyRedirects,
)
_RETRIED_TRANSPORT = (
    requests.exceptions.ConnectionError,  # refused, reset, read timeout while streaming
    requests.exceptions.Timeout,  # connect and read timeouts
    requests.exceptions.ChunkedEncodingError,  # body cut off (IncompleteRead, bad chunk)
    ConnectionError,  # OSError family raised past requests
    TimeoutError,
)


def should_retry(http_status: int | None, error: BaseException | None = None) -> bool:
    """True when an attempt that ended this way is worth repeating.

    ``http_status`` is the answer's status, or None when no complete answer came, in which case
    ``error`` (the transport exception) decides.
    """
    if http_status is not None:
        return http_status in RETRYABLE_STATUSES
    if error is None or isinstance(error, _NOT_RETRIED_TRANSPORT):
        return False
    return isinstance(error, _RETRIED_TRANSPORT)


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
    rng: random.Random | None = None,
) -> float | None:
    """Seconds to wait before retry number ``attempt + 1`` (``attempt`` counts from 0).

    A usable ``retry_after`` header value wins; above ``retry_after_cap`` the answer is None
    (do not wait: give up now). Otherwise full-jitter backoff in ``[0, min(cap, base*2**attempt)]``.
    """
    asked = parse_retry_after(retry_after, now=now)
    if asked is not None:
        return None if asked > retry_after_cap else asked
    ceiling = min(cap, base * (2.0 ** min(max(attempt, 0), 60)))
    return (rng or random).uniform(0.0, ceiling)
