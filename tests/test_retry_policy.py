"""The retry policy: ``RetryPolicy`` and its pure functions (what is retried, how long to wait)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from smspartner_analytics.client import transport
from smspartner_analytics.client.retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    RETRY_AFTER_CAP,
    RetryPolicy,
    parse_retry_after,
    retry_delay,
    should_retry,
)
from smspartner_analytics.core.errors import ConfigurationError

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert should_retry(status)


@pytest.mark.parametrize("status", [200, 201, 301, 302, 400, 401, 403, 404, 405, 501, 505])
def test_other_statuses_are_not_retried(status: int) -> None:
    assert not should_retry(status)


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.ConnectionError(),
        requests.exceptions.ConnectTimeout(),
        requests.exceptions.ReadTimeout(),
        requests.exceptions.ChunkedEncodingError(),
        ConnectionResetError(),
        TimeoutError(),
    ],
)
def test_transport_failures_are_retried(error: BaseException) -> None:
    assert should_retry(None, transport.classify(error))


@pytest.mark.parametrize(
    "error",
    [
        requests.exceptions.SSLError(),
        requests.exceptions.InvalidURL(),
        requests.exceptions.MissingSchema(),
        requests.exceptions.InvalidHeader(),
        ValueError(),
    ],
)
def test_hopeless_transport_failures_are_not_retried(error: BaseException) -> None:
    assert not should_retry(None, transport.classify(error))
    assert not should_retry(None, None)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("2", 2.0), ("0", 0.0), ("1.5", 2.0), ("0.1", 1.0), (" 7 ", 7.0), ("60", 60.0)],
)
def test_retry_after_seconds_round_up(header: str, seconds: float) -> None:
    assert parse_retry_after(header) == seconds
    assert retry_delay(0, header) == seconds


def test_retry_after_http_date_is_honoured() -> None:
    header = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert retry_delay(0, header, now=NOW) == 30.0
    past = format_datetime(NOW - timedelta(seconds=30), usegmt=True)
    assert retry_delay(0, past, now=NOW) == 0.0


@pytest.mark.parametrize("header", ["-1", "abc", "inf", "-inf", "nan", "", "   ", "1e999", "2 s"])
def test_garbage_retry_after_falls_back_to_backoff(header: str) -> None:
    assert parse_retry_after(header) is None
    for attempt in range(4):
        delay = retry_delay(attempt, header, rng=random.Random(attempt))
        assert delay is not None
        assert 0.0 <= delay <= min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)


def test_retry_after_above_the_cap_means_do_not_wait() -> None:
    assert retry_delay(0, "999") is None
    assert retry_delay(0, str(int(RETRY_AFTER_CAP) + 1)) is None
    assert retry_delay(0, "30", retry_after_cap=10) is None
    far = format_datetime(NOW + timedelta(hours=2), usegmt=True)
    assert retry_delay(0, far, now=NOW) is None


def test_backoff_is_capped_exponential_with_full_jitter() -> None:
    rng = random.Random(42)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 5.0), (30, 5.0), (10_000, 5.0)]:
        draws = [retry_delay(attempt, None, base=1.0, cap=5.0, rng=rng) for _ in range(400)]
        values = [d for d in draws if d is not None]
        assert len(values) == 400
        assert max(values) <= ceiling
        # full jitter: spread over the whole range, not clustered near the ceiling
        assert min(values) < 0.1 * ceiling
        assert max(values) > 0.9 * ceiling


def test_total_backoff_is_bounded() -> None:
    """Ten retries never wait more than the sum of their ceilings, which stop doubling at the cap;
    without jitter the wait is exactly that sum (the bound is reached, not loose)."""
    ceilings = [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]  # base 0.5 doubling, cap 8
    exact = [retry_delay(a, None, jitter=False) for a in range(10)]
    assert exact == ceilings
    rng = random.Random(0)
    totals = [sum(retry_delay(a, None, rng=rng) or 0.0 for a in range(10)) for _ in range(300)]
    assert max(totals) <= sum(ceilings)
    assert min(totals) < sum(ceilings) / 2 < max(totals)  # jittered: spread, not pinned


def test_policy_without_jitter_waits_the_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=3.0, jitter=False)
    rng = random.Random(1)
    assert [policy.delay(n, None, rng) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(0, "2", rng) == 2.0  # Retry-After still wins
    assert RetryPolicy(retry_after_cap=1.0).delay(0, "2", rng) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"attempts": 0},
        {"attempts": 2.5},
        {"attempts": True},
        {"backoff_base": -1.0},
        {"backoff_cap": float("inf")},
        {"max_total_wait": float("nan")},
        {"attempt_deadline": 0},
        {"attempt_deadline": -5.0},
    ],
)
def test_policy_refuses_impossible_values(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError) as info:
        RetryPolicy(**bad)  # type: ignore[arg-type]
    assert next(iter(bad)) in str(info.value)


def test_policy_is_frozen() -> None:
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.attempts = 9  # type: ignore[misc]
