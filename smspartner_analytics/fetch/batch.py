"""One run of ``fetch_statuses``: a bounded window of futures over a thread pool, each answer
recorded as it arrives, and the rules that stop the batch early.

Stops (no new request is sent; the requests in flight get ``DRAIN_SECONDS`` to be recorded):
the API refused the key (codes 1/10); a TLS failure (the same for every token: at once); the
first ``EARLY_STOP_AFTER`` answers (fewer when the batch is smaller) all failed the same
"wrong place" way and none came from the API; Ctrl-C; a full disk. Once any answer has come from
the API, failures stay per token.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Final

from smspartner_analytics.core.errors import RequestError, StoreError, StoreFullError
from smspartner_analytics.core.schema import AnswerRecord, Outcome
from smspartner_analytics.fetch.outcomes import (
    API_ANSWERS,
    PERSISTENT_RUNS,
    is_tls_failure,
    mark_persistent,
    may_persist,
    to_record,
    wrong_place,
)
from smspartner_analytics.fetch.result import FetchResult, tls_message, wrong_place_message
from smspartner_analytics.store.db import Store

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client

__all__ = ["DRAIN_SECONDS", "EARLY_STOP_AFTER", "Batch"]

#: Seconds the batch waits for requests in flight after a stop.
DRAIN_SECONDS: Final = 2.0
#: The first answers that, all failing the same "wrong place" way, stop the batch.
EARLY_STOP_AFTER: Final = 5
_POLL_SECONDS: Final = 0.2

_Answer = tuple[AnswerRecord, RequestError | None] | None


class Batch:
    """One run over ``todo`` tokens; ``run()`` fills ``result`` and returns the first error."""

    def __init__(
        self, client: Client, store: Store, result: FetchResult, workers: int, progress: bool
    ) -> None:
        self.client = client
        self.store = store
        self.result = result
        self.workers = workers
        self.progress = progress
        self.stop = threading.Event()
        self.disk_full = threading.Event()
        self.first_error: RequestError | None = None
        self.bar: Any = None
        self._lock = threading.Lock()
        self._api_answered = False
        self._first: list[AnswerRecord] = []
        self._stop_after = EARLY_STOP_AFTER

    def ask(self, token: str) -> _Answer:
        """Worker: one request, recorded at once. ``None`` when the batch stopped first."""
        if self.stop.is_set():
            return None
        try:
            rec, error = to_record(token, self.client.get_status(token)), None
        except RequestError as exc:
            rec, error = to_record(token, exc), exc
        rec = self._judge(rec)
        try:
            self.store.record(rec)
        except StoreFullError:
            self.disk_full.set()  # this answer is not saved: it is not counted either
            self.stop.set()
            return None
        except StoreError:
            if not self.stop.is_set():
                raise
        return rec, error

    def _judge(self, rec: AnswerRecord) -> AnswerRecord:
        """Stop the batch when this answer says so; mark a repeated failure persistent."""
        with self._lock:
            if rec.outcome == Outcome.AUTH_ERROR:
                self.stop.set()
            elif is_tls_failure(rec):
                self._halt(tls_message(self.client.base_url))
            elif rec.outcome in API_ANSWERS:
                self._api_answered = True
            elif not self._api_answered:
                self._first.append(rec)
                self._check_first()
            answered = self._api_answered
        if answered and may_persist(rec):
            return mark_persistent(rec, self.store.recent_records(rec.token, PERSISTENT_RUNS - 1))
        return rec

    def _check_first(self) -> None:
        first = self._first
        if len(first) < self._stop_after or self.stop.is_set():
            return
        kinds = {(r.outcome, r.http_status, r.reason) for r in first}
        if len(kinds) == 1 and wrong_place(first[0]):
            reason = first[0].reason or first[0].outcome
            self._halt(wrong_place_message(self.client.base_url, len(first), reason))

    def _halt(self, message: str) -> None:
        if self.result.stopped is None:
            self.result.stopped = message
        self.stop.set()

    def run(self, todo: list[str]) -> RequestError | None:
        """Ask every token of ``todo``; return the first request error (for ``errors="raise"``)."""
        from tqdm.auto import tqdm

        self._stop_after = max(1, min(EARLY_STOP_AFTER, len(todo)))
        self.bar = tqdm(total=len(todo), disable=not self.progress, unit="token", desc="fetch")
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="smspartner-fetch")
        pending: set[Future[_Answer]] = set()
        queue = iter(todo)
        try:
            while not self.stop.is_set():
                while len(pending) < 2 * self.workers and (token := next(queue, None)):
                    pending.add(pool.submit(self.ask, token))
                if not pending:
                    break
                done, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
                self._collect(done)
        except KeyboardInterrupt:
            self.result.interrupted = True
        finally:
            self.stop.set()
            self._drain(pool, pending)
            self.bar.close()
        self.result.disk_full = self.disk_full.is_set()
        self.result.not_asked = len(todo) - self.result.asked
        return self.first_error

    def _collect(self, done: Iterable[Future[_Answer]]) -> None:
        for future in done:
            answer = None if future.cancelled() else future.result()
            if answer is None:
                continue
            rec, error = answer
            self.result.add(rec)
            if error is not None and self.first_error is None:
                self.first_error = error
            self.bar.update(1)
            if rec.outcome != Outcome.OK:
                self.bar.set_postfix(
                    ok=self.result.succeeded,
                    other=self.result.asked - self.result.succeeded,
                    refresh=False,
                )

    def _drain(self, pool: ThreadPoolExecutor, pending: set[Future[_Answer]]) -> None:
        """Cancel what has not started; give the requests in flight a moment to be recorded."""
        for future in pending:
            future.cancel()
        done, _ = wait(pending, timeout=DRAIN_SECONDS)
        self._collect(done)
        pool.shutdown(wait=False, cancel_futures=True)
