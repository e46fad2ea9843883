"""Group commits by one writer: an answer is counted only once it is committed.

``Batch`` commits answers in groups (``GROUP_ANSWERS`` or ``GROUP_SECONDS``); these tests watch
every count from outside: when the batch counts an answer (``FetchResult.add``), a second,
read-only connection to the store must already see it. Also: groups really hold several answers
(one transaction each, not one per answer), and a stop commits what was received.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from smspartner_analytics.client.http import Client
from smspartner_analytics.client.retry import RetryPolicy
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.fetch.batch import GROUP_ANSWERS, Batch
from smspartner_analytics.fetch.result import FetchResult
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

KEY = "group-commit-key-1a2b"


class _Watched(FetchResult):
    """A result that checks, at each count, that a separate connection sees the answer."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.unseen: list[str] = []

    def add(self, rec: AnswerRecord) -> None:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
            seen = db.execute(
                "SELECT COUNT(*) FROM answers WHERE token = ? AND fetched_at = ?",
                (rec.token, rec.fetched_at.isoformat(timespec="microseconds")),
            ).fetchone()[0]
        if not seen:
            self.unseen.append(rec.token)
        super().add(rec)


class _CountingStore(Store):
    """Counts the transactions that recorded answers."""

    groups: list[int]

    def record_many(self, records: object) -> int:
        count = super().record_many(records)  # type: ignore[arg-type]
        self.groups.append(count)
        return count


def _client(url: str, workers: int) -> Client:
    return Client(
        api_key=KEY,
        base_url=url,
        rate=None,
        workers=workers,
        retry=RetryPolicy(attempts=2, backoff_base=0.01, backoff_cap=0.02),
        timeout=(2.0, 2.0),
    )


def test_every_counted_answer_is_already_committed(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    store = _CountingStore(path)
    store.groups = []
    with sandbox(rentals=400, seed=3) as url, store:
        tokens = [*url.server.tokens, "unknown-token-1"]
        store.add_tokens(TokenEntry(t, {}) for t in tokens)
        result = _Watched(path)
        Batch(_client(url, 16), store, result, workers=16, progress=False).run(tokens)
        assert result.asked == len(tokens) == store.count_answers()
        assert result.unseen == []
        assert max(store.groups) > 1  # answers committed in groups, not one by one
        assert max(store.groups) <= GROUP_ANSWERS
        assert sum(store.groups) == len(tokens)


def test_a_stop_commits_what_was_received(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with sandbox(rentals=60, seed=4, latency_ms=30) as url, Store(path) as store:
        tokens = url.server.tokens
        store.add_tokens(TokenEntry(t, {}) for t in tokens)
        result = _Watched(path)
        batch = Batch(_client(url, 4), store, result, workers=4, progress=False)
        batch.stop.set()  # stopped before anything: nothing asked, nothing counted
        batch.run(tokens)
        assert result.asked == store.count_answers() == 0
        assert result.not_asked == len(tokens)


class _CtrlCInCommit(Store):
    """Ctrl-C reaches the process while the writer is inside its first commit."""

    interrupted = False

    def record_many(self, records: object) -> int:
        if not self.interrupted:
            self.interrupted = True
            signal.raise_signal(signal.SIGINT)  # delivered in this, the main, thread
        return super().record_many(records)  # type: ignore[arg-type]


def test_ctrl_c_during_a_commit_loses_no_answer(tmp_path: Path) -> None:
    """Every answer the server gave is saved and counted; the batch says it was interrupted."""
    path = tmp_path / "s.sqlite"
    with sandbox(rentals=80, seed=6, latency_ms=20) as url, _CtrlCInCommit(path) as store:
        tokens = url.server.tokens
        store.add_tokens(TokenEntry(t, {}) for t in tokens)
        result = _Watched(path)
        Batch(_client(url, 4), store, result, workers=4, progress=False).run(tokens)
        assert result.interrupted
        assert 0 < store.count_answers() < len(tokens)  # stopped mid-run
        assert store.count_answers() == url.server.request_count() == result.asked
        assert result.unseen == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler given back
