"""``fetch_statuses``: the entry point of a fetch (settings, the store, the client, the end).

The package docstring (``smspartner_analytics.fetch``) says what a fetch promises.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from smspartner_analytics.core.config import DEFAULT_RATE, DEFAULT_WORKERS, resolve_store_path
from smspartner_analytics.core.errors import AuthenticationError, BatchStoppedError, RequestError
from smspartner_analytics.core.numbers import count, counted
from smspartner_analytics.core.schema import TokenEntry, is_answer
from smspartner_analytics.fetch.batch import Batch
from smspartner_analytics.fetch.lock import one_writer
from smspartner_analytics.fetch.result import (
    FetchDiskFull,
    FetchInterrupted,
    FetchResult,
    auth_message,
)
from smspartner_analytics.store.db import Store
from smspartner_analytics.store.tokens import dedupe_entries, read_tokens, warn_duplicates

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client

__all__ = ["ErrorsMode", "fetch_statuses"]

ErrorsMode = Literal["warn", "raise", "ignore"]


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
    A refused API key raises ``AuthenticationError``, and a batch stopped early (a TLS failure,
    or first answers that all failed the same way with none from the API: a wrong base URL)
    raises ``BatchStoppedError``; with ``errors="ignore"`` the result comes back with
    ``auth_failed=True`` or ``stopped`` (the one-line reason) instead. Ctrl-C raises
    ``FetchInterrupted``; a full disk raises ``FetchDiskFull`` (both carry the partial result).
    Another fetch writing the same store raises ``StoreBusyError`` at once (``fetch.lock``).
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', not {errors!r}")
    if workers < 1:
        raise ValueError(f"workers must be 1 or more, not {workers!r}")
    entries = _entries(tokens)
    where = store.path if isinstance(store, Store) else resolve_store_path(store)
    with (
        one_writer(where),
        _client(client, api_key, base_url, rate, workers) as api,
        _opened(store, where) as db,
    ):
        db.add_tokens(entries)
        final = set() if refresh else db.final_tokens()
        todo = [e.token for e in entries if e.token not in final]
        result = FetchResult(total=len(entries), skipped=len(entries) - len(todo))
        if final:
            result.persistent = len(db.persistent_tokens() & {e.token for e in entries})
        result.store_path = db.path
        result.key_source = getattr(api, "key_source", None)
        started = time.monotonic()
        try:
            first_error = Batch(api, db, result, workers, progress).run(todo)
        finally:
            result.seconds = time.monotonic() - started
        if not result.interrupted:
            failed = [r.token for r in result.records if not is_answer(r.outcome)]
            result.kept_rentals = len(db.rentals_among(failed)) if failed else 0
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
def _opened(store: Store | str | Path | None, path: Path) -> Iterator[Store]:
    if isinstance(store, Store):
        yield store
        return
    with Store(path) as own:
        yield own


def _finish(result: FetchResult, first_error: RequestError | None, errors: str) -> FetchResult:
    if result.interrupted:
        raise FetchInterrupted(result)
    if result.disk_full:
        raise FetchDiskFull(result)
    if result.auth_failed and errors != "ignore":
        raise AuthenticationError(auth_message(result))
    if result.stopped and errors != "ignore":
        raise BatchStoppedError(result.stopped)
    problems = result.not_found + result.api_errors + result.failed
    if errors == "raise" and first_error is not None:
        raise first_error
    if errors == "warn" and problems:
        warnings.warn(
            f"{count(problems)} of {counted(result.asked, 'token')} got no data: "
            f"{count(result.not_found)} not found, {counted(result.api_errors, 'API error')}, "
            f"{count(result.failed)} failed "
            "(run again to retry). "
            "See FetchResult.records or the 'errors' frame.",
            UserWarning,
            stacklevel=3,
        )
    return result
