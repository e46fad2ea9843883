"""Many tokens through one ``Client`` into a ``Store``: ``fetch_statuses(tokens, ...)``.

- At most ``workers`` requests in flight (a bounded thread pool fed from a small window, so even
  100,000 tokens never sit in memory as futures), one shared client (its rate limit holds).
- Incremental: tokens whose stored answer is final (not found, failed, downloaded) are skipped
  unless ``refresh=True``. Each answer is committed to the store as it arrives, so an interrupted
  or killed run loses only the requests in flight, and a rerun asks what is still missing.
- A batch never dies on one token: failures are recorded, counted and summarised according to
  ``errors=`` (``"warn"``, ``"raise"`` or ``"ignore"``). An API key refused by the API (codes 1/10,
  HTTP 401/403) stops the batch at once: every other request would be refused as well.
- Ctrl-C stops submitting, lets the requests in flight finish briefly, and raises
  ``FetchInterrupted`` (a ``KeyboardInterrupt`` carrying the partial ``FetchResult``).
- A full disk stops the batch the same way and raises ``FetchDiskFull`` (a ``StoreFullError``
  carrying the partial ``FetchResult``): every answer counted in it is saved.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from smspartner_analytics.core.config import (
    DEFAULT_RATE,
    DEFAULT_WORKERS,
    ENV_API_KEY,
    resolve_store_path,
)
from smspartner_analytics.core.errors import (
    APIError,
    AuthenticationError,
    RateLimitError,
    RentalNotFoundError,
    RequestError,
    ResponseParseError,
    ServerError,
    StoreError,
    StoreFullError,
    TransportError,
)
from smspartner_analytics.core.redaction import redact
from smspartner_analytics.core.schema import AnswerRecord, Outcome, TokenEntry, normalise_status
from smspartner_analytics.store.db import Store
from smspartner_analytics.store.tokens import dedupe_entries, read_tokens, warn_duplicates

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client, StatusResponse

__all__ = [
    "RETRYABLE_OUTCOMES",
    "FetchDiskFull",
    "FetchInterrupted",
    "FetchResult",
    "auth_message",
    "fetch_statuses",
]

#: Outcomes that mean "no answer from the API yet": the token is asked again on the next run.
RETRYABLE_OUTCOMES = frozenset(
    {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.TRANSPORT_ERROR, Outcome.PARSE_ERROR}
)
#: Seconds the batch waits for requests in flight after Ctrl-C or a refused key.
DRAIN_SECONDS = 2.0
_POLL_SECONDS = 0.2

ErrorsMode = Literal["warn", "raise", "ignore"]


@dataclass
class FetchResult:
    """What one ``fetch_statuses`` run did. ``records`` are this run's answers, in arrival order.

    ``asked``: tokens asked this run · ``skipped``: already final in the store · ``succeeded``,
    ``not_found``, ``api_errors`` (other API refusals, the key's included), ``failed`` (no answer
    after retries: run again) · ``not_asked``: left out because the batch stopped early.
    """

    total: int = 0
    asked: int = 0
    skipped: int = 0
    succeeded: int = 0
    not_found: int = 0
    api_errors: int = 0
    failed: int = 0
    not_asked: int = 0
    auth_failed: bool = False
    interrupted: bool = False
    disk_full: bool = False
    store_path: Path | None = None
    records: list[AnswerRecord] = field(default_factory=list, repr=False)

    @property
    def failed_tokens(self) -> list[str]:
        """Tokens of this run that got no answer from the API (transport, 5xx, 429, parse)."""
        return [r.token for r in self.records if r.outcome in RETRYABLE_OUTCOMES]

    def add(self, rec: AnswerRecord) -> None:
        """Count one answer of this run."""
        self.records.append(rec)
        self.asked += 1
        if rec.outcome == Outcome.OK:
            self.succeeded += 1
        elif rec.outcome == Outcome.NOT_FOUND:
            self.not_found += 1
        elif rec.outcome in RETRYABLE_OUTCOMES:
            self.failed += 1
        else:
            self.api_errors += 1
            self.auth_failed = self.auth_failed or rec.outcome == Outcome.AUTH_ERROR

    def summary(self) -> str:
        """One line: what was asked and what came back."""
        line = (
            f"{self.total} tokens: {self.asked} asked, {self.skipped} skipped as final; "
            f"{self.succeeded} succeeded, {self.not_found} not found, "
            f"{self.api_errors} API errors, {self.failed} failed"
        )
        if self.failed:
            line += " (run again to retry)"
        if self.not_asked:
            line += f", {self.not_asked} not asked"
        if self.auth_failed:
            line += " [API key refused]"
        elif self.disk_full:
            line += " [disk full]"
        elif self.interrupted:
            line += " [interrupted]"
        return line + "."


class FetchInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``fetch_statuses``; ``result`` holds what was saved before it."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(result.summary())
        self.result = result


class FetchDiskFull(StoreFullError):
    """The disk filled up during ``fetch_statuses``; ``result`` counts the answers saved before."""

    def __init__(self, result: FetchResult) -> None:
        super().__init__(
            f"Disk full while saving answers: {result.asked} answers of this run are saved in "
            f"{result.store_path}; free some space and run the same command again."
        )
        self.result = result


def fetch_statuses(
    tokens: str | Path | Iterable[str | TokenEntry],
    *,
    client: Client | None = None,
    store: Store | str | Path | None = None,
    workers: int = DEFAULT_WORKERS,
    rate: float | None = DEFAULT_RATE,
    refresh: bool = False,
    progress: bool = True,
    errors: ErrorsMode = "warn",
    api_key: str | None = None,
    base_url: str | None = None,
) -> FetchResult:
    """Ask the API for every token's status and keep every answer in the store.

    ``tokens``: a file path (text or CSV, see ``read_tokens``) or an iterable of tokens or
    ``TokenEntry``. ``client``: a ``Client``, else one is built from ``api_key``, ``base_url``,
    ``rate`` (requests per second; ``None`` or 0 for no cap) and ``workers``. ``store``: a
    ``Store``, a path, or ``None`` for ``SMSPARTNER_STORE`` / ``./smspartner.sqlite``.

    ``errors="warn"`` warns once when tokens got no data, ``"raise"`` raises the first
    ``RequestError`` after the batch (every answer is stored first), ``"ignore"`` only returns.
    A refused API key raises ``AuthenticationError`` (with ``errors="ignore"`` the result comes
    back with ``auth_failed=True`` instead). Ctrl-C raises ``FetchInterrupted``; a full disk
    raises ``FetchDiskFull`` (both carry the partial result).
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', not {errors!r}")
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers!r}")
    entries = _entries(tokens)
    with _client(client, api_key, base_url, rate, workers) as api, _opened(store) as db:
        db.add_tokens(entries)
        final = set() if refresh else db.final_tokens()
        todo = [e.token for e in entries if e.token not in final]
        result = FetchResult(total=len(entries), skipped=len(entries) - len(todo))
        result.store_path = db.path
        first_error = _Batch(api, db, result, workers, progress).run(todo)
    return _finish(result, first_error, errors)


def _entries(tokens: str | Path | Iterable[str | TokenEntry]) -> list[TokenEntry]:
    if isinstance(tokens, (str, Path)):
        return read_tokens(tokens)
    entries: list[TokenEntry] = []
    for item in tokens:
        entry = item if isinstance(item, TokenEntry) else TokenEntry(str(item).strip(), {})
        if entry.token.strip():
            entries.append(entry)
    kept, dropped = dedupe_entries(entries)
    if dropped:
        warn_duplicates(dropped, stacklevel=4)
    return kept


@contextmanager
def _client(
    client: Client | None,
    api_key: str | None,
    base_url: str | None,
    rate: float | None,
    workers: int,
) -> Iterator[Client]:
    """The given client, or one built (and closed afterwards) from the settings."""
    if client is not None:
        yield client
        return
    from smspartner_analytics.client.http import Client

    with Client(api_key=api_key, base_url=base_url, rate=rate, workers=workers) as own:
        yield own


@contextmanager
def _opened(store: Store | str | Path | None) -> Iterator[Store]:
    if isinstance(store, Store):
        yield store
        return
    with Store(resolve_store_path(store)) as own:
        yield own


def _finish(result: FetchResult, first_error: RequestError | None, errors: str) -> FetchResult:
    if result.interrupted:
        raise FetchInterrupted(result)
    if result.disk_full:
        raise FetchDiskFull(result)
    if result.auth_failed and errors != "ignore":
        raise AuthenticationError(auth_message(result))
    problems = result.not_found + result.api_errors + result.failed
    if errors == "raise" and first_error is not None:
        raise first_error
    if errors == "warn" and problems:
        warnings.warn(
            f"{problems} of {result.asked} tokens got no data: {result.not_found} not found, "
            f"{result.api_errors} API errors, {result.failed} failed (run again to retry). "
            "See FetchResult.records or the 'errors' frame.",
            UserWarning,
            stacklevel=3,
        )
    return result


def auth_message(result: FetchResult) -> str:
    """The one-line message for a refused key: what happened, how to set the key, what is saved."""
    return (
        f"The API refused the API key (missing or wrong): set {ENV_API_KEY} in the environment "
        f"or in a .env file (working folder or a parent), then run again. The batch stopped after "
        f"{result.asked} requests; answers so far are saved in {result.store_path}."
    )


def _to_record(token: str, outcome: StatusResponse | RequestError) -> AnswerRecord:
    """Turn a ``StatusResponse`` or a ``RequestError`` into the record the store keeps."""
    now = datetime.now(UTC)
    if isinstance(outcome, RequestError):
        code = outcome.code if isinstance(outcome, APIError) else None
        message = outcome.api_message if isinstance(outcome, APIError) else None
        return AnswerRecord(
            token=token,
            fetched_at=now,
            outcome=_outcome_of(outcome),
            http_status=outcome.http_status,
            body=outcome.body,
            error_code=code,
            error_message=redact(message or outcome.message),
            attempts=outcome.attempts,
            reason=outcome.reason,
        )
    data = outcome.data
    return AnswerRecord(
        token=token,
        fetched_at=now,
        outcome=Outcome.OK,
        http_status=outcome.http_status,
        body=outcome.body,
        attempts=outcome.attempts,
        status=normalise_status(data.get("status") if isinstance(data, dict) else None)[0],
    )


_OUTCOME_BY_ERROR: tuple[tuple[type[RequestError], str], ...] = (
    (RentalNotFoundError, Outcome.NOT_FOUND),
    (AuthenticationError, Outcome.AUTH_ERROR),
    (APIError, Outcome.API_ERROR),
    (RateLimitError, Outcome.RATE_LIMITED),
    (ServerError, Outcome.SERVER_ERROR),
    (ResponseParseError, Outcome.PARSE_ERROR),
    (TransportError, Outcome.TRANSPORT_ERROR),
)


def _outcome_of(exc: RequestError) -> str:
    for kind, outcome in _OUTCOME_BY_ERROR:
        if isinstance(exc, kind):
            return outcome
    return Outcome.TRANSPORT_ERROR


_Answer = tuple[AnswerRecord, RequestError | None] | None


class _Batch:
    """One run: a bounded window of futures over a thread pool, recording as answers arrive."""

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

    def ask(self, token: str) -> _Answer:
        """Worker: one request, recorded at once. ``None`` when the batch stopped first."""
        if self.stop.is_set():
            return None
        try:
            rec, error = _to_record(token, self.client.get_status(token)), None
        except RequestError as exc:
            rec, error = _to_record(token, exc), exc
        if rec.outcome == Outcome.AUTH_ERROR:
            self.stop.set()
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

    def run(self, todo: list[str]) -> RequestError | None:
        """Ask every token of ``todo``; return the first request error (for ``errors="raise"``)."""
        from tqdm.auto import tqdm

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
