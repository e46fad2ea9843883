"""``frames.earlier.earlier_answers``: the one count of tokens shown from an earlier answer, and
its words (``core.earlier``), on frames from a real store filled over HTTP from the sandbox.

Good answers first; then a refused key for some tokens (a not-found one among them) and a dead
port for others: both kinds are counted, rentals and errors alike, commonest first, and the
frames' ``repr`` (what a notebook shows) and the report's summary say the same.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.earlier import EARLIER_LABEL, EarlierAnswers, failure_kind
from smspartner_analytics.core.schema import is_answer
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.frames.earlier import earlier_answers
from smspartner_analytics.frames.flattening import flatten, load_frames
from smspartner_analytics.report.summary import summarise
from smspartner_analytics.report.writer import report_tables
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

KEY = "earlier-key-6a0f93"
UNKNOWN = "0" * 40  # the sandbox answers "not found": an answer from the API


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _fetch(url: str, path: Path, tokens: list[str], key: str = KEY) -> set[str]:
    """Ask ``tokens`` (refresh); the tokens whose attempt failed."""
    retry = RetryPolicy(attempts=1, backoff_base=0.001)
    with (
        Client(api_key=key, base_url=url, rate=None, workers=2, retry=retry) as client,
        Store(path) as store,
    ):
        result = fetch_statuses(
            tokens, client=client, store=store, progress=False, errors="ignore", refresh=True
        )
    return {r.token for r in result.records if not is_answer(r.outcome)}


def test_both_kinds_of_failure_are_counted_in_rentals_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with sandbox(rentals=14, seed=4, api_key=KEY) as url:
        tokens = [UNKNOWN, *url.server.tokens]
        assert not _fetch(url, path, tokens)
        refused = _fetch(url, path, tokens[:7], key="not-the-key")
        dead = _fetch(_dead_url(), path, tokens[7:])
    assert UNKNOWN in refused  # asked first: its "not found" is kept, in errors
    assert dead
    assert not refused & dead

    frames = load_frames(path)
    earlier = earlier_answers(frames.rentals, frames.errors)
    assert earlier.count == len(refused) + len(dead)
    assert dict(earlier.kinds) == {"refused key": len(refused), "connection refused": len(dead)}
    assert [n for _, n in earlier.kinds] == sorted((len(refused), len(dead)), reverse=True)
    assert earlier_answers(frames.errors).count == 1
    first, second = earlier.kinds
    assert earlier.why() == (
        f"latest attempt failed: {first[0]} for {first[1]}, {second[0]} for {second[1]}"
    )
    assert earlier.phrase() == f"{earlier.count} shown from an earlier answer ({earlier.why()})"
    assert repr(frames).endswith(f"; {earlier.phrase()})")  # what a notebook shows

    summary = summarise(report_tables(frames))
    facts = {fact.label: fact.value for fact in summary.facts}
    assert facts[EARLIER_LABEL] == earlier.count
    assert earlier.note() in summary.notes


def test_frames_without_failures_count_none() -> None:
    frames = flatten([{"success": True, "status": 2, "token": "t"}])
    assert not earlier_answers(frames.rentals, frames.errors)
    assert "earlier" not in repr(frames)


@pytest.mark.parametrize(
    ("outcome", "reason", "kind"),
    [
        ("auth_error", "API code 10", "refused key"),
        ("server_error", "HTTP 404 page", "HTTP 404 page"),
        ("rate_limited", "", "rate limited"),
        ("", "", "failed"),
    ],
)
def test_failure_kind(outcome: str, reason: str, kind: str) -> None:
    assert failure_kind(outcome, reason) == kind


def test_many_kinds_name_the_two_commonest() -> None:
    earlier = EarlierAnswers(10, (("refused key", 6), ("HTTP 404 page", 3), ("timeout", 1)))
    assert earlier.why() == (
        "latest attempt failed: refused key for 6, HTTP 404 page for 3, other failures for 1"
    )
    assert earlier.phrase(locale="fr").startswith("10 shown from an earlier answer")
