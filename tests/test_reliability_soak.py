"""Fault soak (docs/promises.md, Network and Data): 2,000+ tokens through ``fetch_statuses``.

The sandbox answers ordinary tokens with random transient faults (5xx, 429 with Retry-After 0 or
1, HTML 502 pages, truncated bodies) and serves explicit fault tokens (slow answers, HTML on 200,
bad JSON, resets, Retry-After above the cap, a 1,500-locality answer, conflicting Content-Length,
connections closed mid-headers, bodies trickled past the per-attempt deadline, a Latin-1 answer,
a page echoing the raw key, firewall 403 pages) and unknown tokens. Because the sandbox's random
faults are a pure function of (seed, token, request number), the exact number of attempts every
ordinary token needs is known in advance, and the test checks it token by token.

Checked: one stored answer per token per run (none lost, none duplicated), the stored attempts
equal the requests the server saw, no token asked more than ``RETRIES + 1`` times, the outcome
of every special token, at most ``workers`` requests in flight, no more than ``rate + burst``
request arrivals in any one-second window, and a second run asks exactly the non-final tokens.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

import pytest
from helpers import busiest_window

from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.schema import AnswerRecord, Outcome
from smspartner_analytics.fetch import FetchResult, fetch_statuses
from smspartner_analytics.simulator.faults import random_fault
from smspartner_analytics.simulator.server import SandboxServer, sandbox
from smspartner_analytics.store.db import Store

pytestmark = pytest.mark.slow

RENTALS = 2000
SEED = 11
FAULT_RATE = 0.15
RATE = 250.0
WORKERS = 8
RETRIES = 3
RETRY_AFTER_CAP = 1.0  # the random 429s ask for 0 or 1 s: honoured; explicit 5 s: not slept

#: special token -> (outcome, attempts the server sees)
SPECIAL: dict[str, tuple[str, int]] = {
    **{f"fault-500-then-ok-{k}": (Outcome.SERVER_ERROR, 4) for k in range(4, 8)},
    **{f"fault-503-then-ok-{k}": (Outcome.OK, k + 1) for k in (1, 2, 3)},
    **{f"fault-html-502-then-ok-{k}": (Outcome.SERVER_ERROR, 4) for k in (4, 5)},
    **{f"fault-html-then-ok-{k}": (Outcome.PARSE_ERROR, 1) for k in (1, 2, 3)},
    **{f"fault-truncated-then-ok-{k}": (Outcome.OK, k + 1) for k in (1, 2)},
    **{f"fault-truncated-then-ok-{k}": (Outcome.TRANSPORT_ERROR, 4) for k in (4, 9)},
    **{f"fault-reset-then-ok-{k}": (Outcome.TRANSPORT_ERROR, 4) for k in (4,)},
    **{f"fault-429-ra-1-then-ok-{k}": (Outcome.OK, k + 1) for k in (1,)},
    **{f"fault-429-ra-5-then-ok-{k}": (Outcome.RATE_LIMITED, 1) for k in (1, 2)},
    **{f"fault-429-ra-abc-then-ok-{k}": (Outcome.OK, k + 1) for k in (1, 2)},
    **{f"fault-badjson-then-ok-{k}": (Outcome.PARSE_ERROR, 1) for k in (1, 2)},
    **{f"fault-wrongshape-then-ok-{k}": (Outcome.PARSE_ERROR, 1) for k in (1,)},
    **{f"fault-code-31-then-ok-{k}": (Outcome.API_ERROR, 1) for k in (1,)},
    **{f"fault-code-77-then-ok-{k}": (Outcome.API_ERROR, 1) for k in (1,)},
    **{f"fault-404-then-ok-{k}": (Outcome.SERVER_ERROR, 1) for k in (1,)},
    "fault-slow-300": (Outcome.OK, 1),
    "fault-slow-600": (Outcome.OK, 1),
    "fault-slow-1500": (Outcome.TRANSPORT_ERROR, 4),  # read timeout 1 s, every attempt
    # hostile servers: big answers, header garbage, cut headers, trickled bodies, foreign
    # charsets, raw echoes of the key, firewall pages
    "fault-big-1500": (Outcome.OK, 1),
    "fault-dup-length": (Outcome.TRANSPORT_ERROR, 1),
    "fault-headers-cut": (Outcome.TRANSPORT_ERROR, 4),
    **{f"fault-headers-cut-then-ok-{k}": (Outcome.OK, k + 1) for k in (1, 2)},
    "fault-slowloris-200": (Outcome.TRANSPORT_ERROR, 4),  # 0.8 s deadline, every attempt
    "fault-slowloris-200-then-ok-1": (Outcome.OK, 2),
    "fault-slowheaders-200": (Outcome.TRANSPORT_ERROR, 4),
    "fault-latin1": (Outcome.API_ERROR, 1),
    "fault-echo-raw": (Outcome.SERVER_ERROR, 4),
    **{f"fault-html-403-then-ok-{k}": (Outcome.SERVER_ERROR, 1) for k in (1, 2)},
    **{f"unknown-token-{i:03d}": (Outcome.NOT_FOUND, 1) for i in range(25)},
}
FAILED_OUTCOMES = {
    "429-ra-0": Outcome.RATE_LIMITED,
    "429-ra-1": Outcome.RATE_LIMITED,
    "html-502": Outcome.SERVER_ERROR,
    "truncated": Outcome.TRANSPORT_ERROR,
}


def expected_for_ordinary(token: str) -> tuple[str, int]:
    """The outcome and number of requests the sandbox's deterministic random faults lead to."""
    fault = None
    for count in range(1, RETRIES + 2):
        fault = random_fault(SEED, token, count, FAULT_RATE)
        if fault is None:
            return Outcome.OK, count
    assert fault is not None
    return FAILED_OUTCOMES.get(fault.kind, Outcome.SERVER_ERROR), RETRIES + 1


def soak_run(server: SandboxServer, url: str, tokens: list[str], store: Path) -> FetchResult:
    client = Client(
        api_key="soak-key",
        base_url=url,
        timeout=(2.0, 1.0),
        retry=RetryPolicy(
            attempts=RETRIES + 1,
            backoff_base=0.01,
            backoff_cap=0.05,
            retry_after_cap=RETRY_AFTER_CAP,
            attempt_deadline=0.8,
        ),
        rate=RATE,
        workers=WORKERS,
    )
    server.reset_counts()
    with client, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the "N tokens got no data" summary warning
        result = fetch_statuses(
            tokens, client=client, store=store, workers=WORKERS, progress=False, errors="warn"
        )
    burst = client.limiter.burst
    assert busiest_window(server.request_times()) <= RATE + burst
    assert server.max_in_flight <= WORKERS
    return result


def check_one_answer_each(result: FetchResult, asked: list[str], server: SandboxServer) -> None:
    """Exactly one record per asked token, its attempts equal to what the server saw."""
    per_token = Counter(r.token for r in result.records)
    assert sorted(per_token) == sorted(asked)
    assert set(per_token.values()) == {1}
    assert result.asked == len(asked)
    counts = {r.token: r.attempts for r in result.records}
    for token in asked:
        seen = server.request_count(token)
        assert 1 <= seen <= RETRIES + 1, token
        assert counts[token] == seen, token


def check_outcomes(records: list[AnswerRecord], ordinary: set[str]) -> None:
    for rec in records:
        known = rec.token in ordinary
        expected = expected_for_ordinary(rec.token) if known else SPECIAL[rec.token]
        assert (rec.outcome, rec.attempts) == expected, rec
        if rec.outcome == Outcome.OK:
            assert rec.http_status == 200
            assert (rec.body or "").startswith("{")


def test_fault_soak_every_token_one_outcome_and_second_run_asks_only_the_rest(
    tmp_path: Path,
) -> None:
    store_path = tmp_path / "soak.sqlite"
    with sandbox(rentals=RENTALS, seed=SEED, fault_rate=FAULT_RATE) as url:
        server = url.server
        ordinary = set(server.tokens)
        tokens = [*server.tokens, *SPECIAL]
        assert len(tokens) >= 2000
        # the mix is a real one: every kind of random fault, some tokens failing for good
        kinds = Counter(
            f.kind
            for t in server.tokens
            for n in range(1, RETRIES + 2)
            if (f := random_fault(SEED, t, n, FAULT_RATE)) is not None
        )
        assert {"429-ra-0", "429-ra-1", "500", "html-502", "truncated"} <= set(kinds)

        first = soak_run(server, url, tokens, store_path)
        check_one_answer_each(first, tokens, server)
        check_outcomes(first.records, ordinary)
        with Store(store_path) as store:
            assert store.count_answers() == len(tokens)
            assert {r.token: r for r in store.latest_records()} == {
                r.token: r for r in first.records
            }
            final = store.final_tokens()
            big = {r.token: r for r in store.latest_records()}["fault-big-1500"].body
        assert len(json.loads(big or "")["location"]["details_localisation"]) == 1500
        assert final >= {t for t in SPECIAL if t.startswith("unknown-")}
        assert 0 < len(final) < len(tokens)

        second = soak_run(server, url, tokens, store_path)
        rest = [t for t in tokens if t not in final]
        assert second.skipped == len(final)
        check_one_answer_each(second, rest, server)
        assert all(server.request_count(t) == 0 for t in final)
        check_outcomes(second.records, ordinary)  # same faults again: deterministic sandbox
    with Store(store_path) as store:
        assert store.count_answers() == len(tokens) + len(rest)
        rows = Counter(r.token for r in store.history_records())
    assert all(rows[t] == (1 if t in final else 2) for t in tokens)
