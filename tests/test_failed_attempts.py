"""A failed attempt never hides the last good answer, over real HTTP against the sandbox.

Good answers are fetched, then the same tokens are asked again with a refused key, a wrong base
URL (an HTML 404 page) or a dead port (connection refused). ``load_frames`` (through the frames
cache and from scratch), the report and the "final" rule must still show the good answers, each
with its failed attempt in the ``last_attempt_*`` columns; a good fetch afterwards clears them.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.earlier import EARLIER
from smspartner_analytics.core.schema import ATTEMPT_COLUMNS, AnswerRecord, Outcome, is_answer
from smspartner_analytics.fetch import FetchResult, fetch_statuses
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.report.summary import STALE_FACT
from smspartner_analytics.report.writer import write_report
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store

KEY = "test-key-5b2e9a71-attempts"
UNKNOWN = "0" * 40  # the sandbox answers 404, code 32: an answer from the API ("not found")


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxURL]:
    with sandbox(rentals=24, seed=11, api_key=KEY) as url:
        yield url


def _dead_url() -> str:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _fetch(
    url: str, path: Path, tokens: list[str], *, key: str = KEY, refresh: bool = False
) -> FetchResult:
    client = Client(
        api_key=key,
        base_url=url,
        rate=None,
        workers=4,
        retry=RetryPolicy(attempts=1, backoff_base=0.001),
    )
    with client, Store(path) as store:
        return fetch_statuses(
            tokens, client=client, store=store, progress=False, errors="ignore", refresh=refresh
        )


def _without_attempts(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=list(ATTEMPT_COLUMNS))


def _assert_failure_shown(frame: pd.DataFrame, failed: dict[str, AnswerRecord]) -> None:
    """Rows of tokens that failed carry that failure; the others carry none."""
    columns = [frame[name].tolist() for name in ("token", *ATTEMPT_COLUMNS)]
    for token, at, outcome, reason in zip(*columns, strict=True):
        rec = failed.get(token)
        if rec is None:
            assert at is pd.NaT
            assert outcome != outcome  # NaN: missing category
            continue
        assert outcome == rec.outcome
        assert at == pd.Timestamp(rec.fetched_at)
        assert reason == rec.reason


@pytest.mark.parametrize("kind", ["refused key", "wrong base URL", "dead port"])
def test_a_failed_fetch_keeps_the_good_answers_shown(
    box: SandboxURL, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "store.sqlite"
    tokens = [*box.server.tokens, UNKNOWN]
    first = _fetch(box, path, tokens)
    assert first.succeeded == len(box.server.tokens)
    assert first.not_found == 1
    good = load_frames(path)
    with Store(path, read_only=True) as store:
        final_before = store.final_tokens()
    assert final_before
    assert len(good.rentals) == len(box.server.tokens)

    if kind == "refused key":
        result = _fetch(box, path, tokens, key="not-the-key", refresh=True)
        assert result.auth_failed
    elif kind == "wrong base URL":  # the server, but not under /v1: an HTML 404 page
        result = _fetch(box.removesuffix("/v1"), path, tokens, refresh=True)
        assert result.stopped
    else:
        result = _fetch(_dead_url(), path, tokens, refresh=True)
        assert result.stopped
    failed = {r.token: r for r in result.records}
    assert failed
    assert not any(is_answer(r.outcome) for r in failed.values())
    assert set(failed) & set(good.rentals["token"])  # some rentals did fail this time
    assert result.succeeded + result.not_found == 0  # the summary counts each asked token once
    assert result.asked == len(failed)

    for cache in (True, False, True):  # cache built, from scratch, cache read again
        after = load_frames(path, cache=cache)
        # every good answer is still shown, status, costs and localities included
        assert_frame_equal(_without_attempts(after.rentals), _without_attempts(good.rentals))
        assert_frame_equal(after.localisations, good.localisations)
        assert_frame_equal(_without_attempts(after.errors), _without_attempts(good.errors))
        # ... each with the failed attempt after it
        _assert_failure_shown(after.rentals, failed)
        _assert_failure_shown(after.errors, failed)
        assert len(after.history) == len(good.history) + len(failed)

    _assert_report_says_so(after, tmp_path / "report", stale=len(failed))

    # the tokens that were final stay final: a default fetch does not ask them again
    with Store(path, read_only=True) as store:
        assert store.final_tokens() == final_before
    again = _fetch(box, path, tokens)
    assert again.skipped == len(final_before)
    assert again.asked == len(tokens) - len(final_before)
    # a good answer after the failure: shown, and the failure is gone from the frames
    healed = load_frames(path)
    refreshed = {r.token for r in again.records}
    stale = healed.rentals[healed.rentals["last_attempt_at"].notna()]
    assert set(stale["token"]) == set(failed) - refreshed - {UNKNOWN}
    assert_frame_equal(healed.rentals, load_frames(path, cache=False).rentals)


def _assert_report_says_so(frames: Frames, out: Path, *, stale: int) -> None:
    write_report(frames, out, charts=False, html=True)
    rentals = pd.read_csv(out / "rentals.csv", dtype=str)
    assert len(rentals) == len(frames.rentals)
    assert (
        rentals["last_attempt_outcome"].notna().sum()
        + (pd.read_csv(out / "errors.csv", dtype=str)["last_attempt_outcome"].notna().sum())
        == stale
    )
    page = (out / "report.html").read_text(encoding="utf-8")
    assert STALE_FACT in page
    assert f"{stale:,} {EARLIER} (latest attempt failed: " in page


def test_a_token_never_answered_shows_its_latest_failure(box: SandboxURL, tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    tokens = box.server.tokens[:3]
    _fetch(_dead_url(), path, tokens)
    _fetch(box, path, tokens, key="not-the-key")
    frames = load_frames(path)
    assert frames.rentals.empty
    errors = frames.errors
    assert set(errors["token"]) == set(tokens)
    with Store(path, read_only=True) as store:
        latest = {r.token: r for r in store.latest_records()}
    # the latest failure, and no earlier answer to show instead
    assert errors["fetched_at"].tolist() == [pd.Timestamp(latest[t].fetched_at) for t in tokens]
    assert errors["last_attempt_at"].isna().all()
    assert {r.outcome for r in latest.values()} <= {Outcome.AUTH_ERROR, Outcome.TRANSPORT_ERROR}
    assert_frame_equal(frames.errors, load_frames(path, cache=False).errors)
