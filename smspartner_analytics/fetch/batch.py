"""One run of ``fetch_statuses``: worker threads asking the API, one writer committing their
answers in small groups, and the rules that stop the batch early.

Workers take the next token, ask, judge the answer (stop rules, persistent failures) and put it on
a completion queue. The calling thread is the only writer: it commits what the queue holds in one
transaction every ``GROUP_ANSWERS`` answers or ``GROUP_SECONDS``, whichever comes first
(``Store.record_many``), and only then counts the answers (summary, progress bar): an answer
counted as saved is committed. A kill loses at most the answers of the group being gathered and
the requests in flight, never a counted one; Ctrl-C and every stop commit what was received.
In the main thread the first Ctrl-C only sets the stop flag (a ``KeyboardInterrupt`` raised in the
middle of a commit, or between taking an answer off the queue and keeping it, lost that answer);
a second Ctrl-C raises as usual.

Stops (no new request is sent; the requests in flight get ``DRAIN_SECONDS`` to be recorded):
the API refused the key (codes 1/10); a TLS failure (the same for every token: at once); the
first ``EARLY_STOP_AFTER`` answers (fewer when the batch is smaller) all failed the same
"wrong place" way and none came from the API; Ctrl-C; a full disk. Once any answer has come from
the API, failures stay per token.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
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

__all__ = ["DRAIN_SECONDS", "EARLY_STOP_AFTER", "GROUP_ANSWERS", "GROUP_SECONDS", "Batch"]

#: Seconds the batch waits for requests in flight after a stop.
DRAIN_SECONDS: Final = 2.0
#: The first answers that, all failing the same "wrong place" way, stop the batch.
EARLY_STOP_AFTER: Final = 5
#: A group of answers is committed at this size, or this long after its first answer.
GROUP_ANSWERS: Final = 50
GROUP_SECONDS: Final = 0.2
_POLL_SECONDS: Final = 0.2
_FINISHED: Final = object()  # a worker's last item on the queue

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
        self._wrong_place: AnswerRecord | None = None
        self._stop_after = EARLY_STOP_AFTER
        self._done: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._next_lock = threading.Lock()
        self._group: list[tuple[AnswerRecord, RequestError | None]] = []
        self._alive = 0

    def ask(self, token: str) -> _Answer:
        """Worker: one request, judged. ``None`` when the batch stopped first."""
        if self.stop.is_set():
            return None
        try:
            rec, error = to_record(token, self.client.get_status(token)), None
        except RequestError as exc:
            rec, error = to_record(token, exc), exc
        return self._judge(rec), error

    def _work(self, tokens: Iterator[str]) -> None:
        """Worker thread: ask tokens until none is left or the batch stops."""
        try:
            while not self.stop.is_set():
                with self._next_lock:
                    token = next(tokens, None)
                if token is None:
                    break
                answer = self.ask(token)
                if answer is not None:
                    self._done.put(answer)
        except BaseException as exc:  # handed to the writer, which raises it
            self._done.put(exc)
        finally:
            self._done.put(_FINISHED)

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
            self._wrong_place = first[0]
            self._halt(self._wrong_place_message(first[0]))

    def _wrong_place_message(self, rec: AnswerRecord) -> str:
        """The stop's one line: the URL asked (key redacted) and, once known, how many were
        asked before the stop, so it agrees with the summary printed above it."""
        count = min(len(self._first), self._stop_after)
        return wrong_place_message(
            self.client.base_url,
            count,
            rec.reason or rec.outcome,
            url=self.client.shown_url(rec.token),
            http_status=rec.http_status,
            asked=self.result.asked if self.result.asked > count else None,
        )

    def _halt(self, message: str) -> None:
        if self.result.stopped is None:
            self.result.stopped = message
        self.stop.set()

    def run(self, todo: list[str]) -> RequestError | None:
        """Ask every token of ``todo``; return the first request error (for ``errors="raise"``)."""
        from tqdm.auto import tqdm

        self._stop_after = max(1, min(EARLY_STOP_AFTER, len(todo)))
        self.bar = tqdm(total=len(todo), disable=not self.progress, unit="token", desc="fetch")
        tokens = iter(todo)
        workers = [
            threading.Thread(
                target=self._work, args=(tokens,), name=f"smspartner-fetch-{i}", daemon=True
            )
            for i in range(min(self.workers, len(todo)))
        ]
        for worker in workers:
            worker.start()
        try:
            with self._ctrl_c_stops():
                try:
                    self._write(len(workers))
                except KeyboardInterrupt:  # a second Ctrl-C, or outside the main thread
                    self.result.interrupted = True
                finally:
                    self.stop.set()
                    self._drain()
        finally:
            self.bar.close()
        self.result.disk_full = self.disk_full.is_set()
        self.result.not_asked = len(todo) - self.result.asked
        if self._wrong_place is not None and self.result.stopped is not None:
            self.result.stopped = self._wrong_place_message(self._wrong_place)  # final "asked"
        return self.first_error

    @contextmanager
    def _ctrl_c_stops(self) -> Iterator[None]:
        """While the batch runs in the main thread, the first Ctrl-C sets ``stop`` (the writer
        then commits what it holds and drains the requests in flight); the handler in place
        before comes back at once, so a second Ctrl-C raises ``KeyboardInterrupt``."""
        previous = signal.getsignal(signal.SIGINT)
        if threading.current_thread() is not threading.main_thread() or not callable(previous):
            yield  # another thread, or SIGINT ignored / set outside Python: leave it alone
            return

        def on_ctrl_c(signum: int, frame: FrameType | None) -> None:
            self.result.interrupted = True
            self.stop.set()
            signal.signal(signal.SIGINT, previous)

        signal.signal(signal.SIGINT, on_ctrl_c)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def _write(self, alive: int) -> None:
        """The writer: gather answers from the queue, commit them in groups, count them."""
        self._alive = alive
        deadline = 0.0
        while self._alive:
            wait = GROUP_SECONDS if not self._group else max(0.0, deadline - time.monotonic())
            if self._take(min(wait, _POLL_SECONDS)) and len(self._group) == 1:
                deadline = time.monotonic() + GROUP_SECONDS
            if self._group and (
                len(self._group) >= GROUP_ANSWERS
                or time.monotonic() >= deadline
                or self.stop.is_set()
            ):
                self._commit()
            if self.stop.is_set():
                return  # the drain gives the requests in flight their moment

    def _take(self, timeout: float) -> bool:
        """One item off the queue into the group; True when it was an answer."""
        try:
            item = self._done.get(timeout=timeout)
        except queue.Empty:
            return False
        if item is _FINISHED:
            self._alive -= 1
            return False
        if isinstance(item, BaseException):
            raise item
        self._group.append(item)  # type: ignore[arg-type]
        return True

    def _commit(self) -> None:
        """Commit the group in one transaction, then count it (never the other way round)."""
        group, self._group = self._group, []
        records = [rec for rec, _ in group]
        try:
            self.store.record_many(records)
        except StoreFullError:
            group = group[: self._save_one_by_one(records)]
            self.disk_full.set()  # what could not be saved is not counted either
            self.stop.set()
        except StoreError:
            if not self.stop.is_set():
                raise
            return
        for rec, error in group:
            self._count(rec, error)

    def _save_one_by_one(self, records: list[AnswerRecord]) -> int:
        """On a full disk: save what still fits, in order; how many were saved."""
        for saved, rec in enumerate(records):
            try:
                self.store.record(rec)
            except StoreError:
                return saved
        return len(records)

    def _count(self, rec: AnswerRecord, error: RequestError | None) -> None:
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

    def _drain(self) -> None:
        """After a stop: give the requests in flight ``DRAIN_SECONDS`` to arrive; commit all."""
        end = time.monotonic() + DRAIN_SECONDS
        try:
            while self._alive and not self.disk_full.is_set():
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._take(min(left, _POLL_SECONDS))
        except KeyboardInterrupt:
            self.result.interrupted = True
        except BaseException:
            if self._group:
                self._commit()
            raise
        if self._group and not self.disk_full.is_set():
            self._commit()
