"""From API answers to typed frames: ``flatten(answers)`` (pure) and ``load_frames(store)``.

``flatten`` never raises on the shape of an answer: an answer that is not a success becomes a row
of ``errors``; every success is a rental (``core.schema.is_rental``), a row of ``rentals`` even
without a ``location`` object; values that cannot be typed become missing, with one
``DataWarning`` per column naming the column and the tokens. The work is one pass in plain Python
collecting column lists, then one vectorised conversion per column (``engine``).
"""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Final, Protocol

import numpy as np
import pandas as pd

from smspartner_analytics.client.xmlanswer import load_answer_text
from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.labels import Labels
from smspartner_analytics.core.schema import (
    RENTAL_COLUMNS,
    STATUS_BY_CODE,
    AnswerRecord,
)
from smspartner_analytics.frames.attempts import Attempts, LastAttempts, rows_by_token
from smspartner_analytics.frames.cache import BODY_PROBLEM, CacheSource, cache_dir, read_tables
from smspartner_analytics.frames.cachefiles import token_metadata
from smspartner_analytics.frames.coercion import DataWarning, Problems, to_timestamp
from smspartner_analytics.frames.dtypes import (
    HISTORY_DTYPES,
    OUTCOME_DTYPE,
    STATUS_DTYPE,
    TEXT,
    Frames,
    empty_frame,
)
from smspartner_analytics.frames.engine import Collector, build_frames, paused_gc
from smspartner_analytics.frames.finishing import Tables, finish_frames
from smspartner_analytics.frames.metadata import join_metadata_by_position
from smspartner_analytics.frames.records import add_record, broken_message

__all__ = ["DataWarning", "StoreLike", "flatten", "join_metadata", "load_frames"]

_EMPTY: Final[Mapping[str, object]] = {}


def flatten(
    answers: Iterable[object], *, labels: Labels | None = None, fetched_at: datetime | None = None
) -> Frames:
    """Turn API answers into typed ``Frames``.

    Each answer is a parsed dict (as the API sends it), or a saved answer: its text (``str`` or
    ``bytes``, JSON or the API's XML form) or the ``Path`` of a file holding it. One ``rentals``
    row per success answer, one ``localisations`` row per ``details_localisation`` entry, one
    ``errors`` row per other answer (a saved answer that cannot be read says why, quoting it).
    ``fetched_at`` (UTC) fills the ``fetched_at`` columns; ``labels`` defaults to
    ``load_labels()``. Never raises on the answers' shape.
    """
    with paused_gc():
        columns = Collector()
        for answer in answers:
            if isinstance(answer, (str, bytes, os.PathLike)):
                saved, problem = _saved_answer(answer)
                if problem is not None:
                    columns.add_error(None, None, problem, None, None, fetched_at)
                    continue
                answer = saved
            columns.add_answer(answer, None, fetched_at)
        frames = build_frames(columns, labels)
        del columns  # freed by reference counting, before the collector is back on
    return frames


def _saved_answer(item: str | bytes | os.PathLike[str]) -> tuple[object, str | None]:
    """(answer, None) from saved text or a saved file, or (None, why it cannot be read)."""
    where = ""
    if isinstance(item, os.PathLike):
        where = f" ({Path(item).name})"
        try:
            item = Path(item).read_bytes()
        except OSError as exc:
            return None, f"saved answer{where} cannot be read: {exc.strerror or exc}"
    try:
        return load_answer_text(item), None
    except (ValueError, RecursionError) as exc:
        return None, f"saved answer{where} is not an API answer: {exc}"


class StoreLike(Protocol):
    """What ``load_frames`` reads from a store (``store.Store`` has it)."""

    def shown_records(self) -> list[tuple[AnswerRecord, AnswerRecord | None]]: ...
    def history_records(self) -> list[AnswerRecord]: ...
    def token_metadata(self) -> dict[str, dict[str, str]]: ...


_NO_STORE: Final = (
    "No store at {}: run `smspartner-analytics fetch TOKENS_FILE` first (or pass --store)."
)
_CODE_BY_STATUS: Final = {name: code for code, name in STATUS_BY_CODE.items()}


def load_frames(
    store: StoreLike | str | os.PathLike[str],
    *,
    labels: Labels | None = None,
    cache: bool = True,
    rebuild: bool = False,
) -> Frames:
    """``Frames`` from a store (or the path of one): one row per token from its latest answer
    from the API (``core.schema.is_answer``; a token without one: its latest failed attempt),
    with the failed attempt after it in the ``last_attempt_*`` columns, the tokens' metadata
    joined as extra ``rentals`` columns, and ``history`` with every answer over time.

    Each stored answer is parsed once in its life: the typed rows are kept beside the store
    (``frames.cache``) and only answers stored since the last call are flattened. ``rebuild``
    recreates that cache from the stored answers; ``cache=False`` flattens every stored answer
    afresh (the same frames, slower). A path that does not exist raises ``StoreError`` (no empty
    store is created). The file is opened read-only, so a store on a read-only mount can be read.
    """
    if isinstance(store, (str, os.PathLike)):
        path = Path(store)
        if not path.exists():
            raise StoreError(_NO_STORE.format(path))
        from smspartner_analytics.store.db import Store

        with Store(path, read_only=True) as opened, paused_gc():
            return _load_any(opened, labels, cache=cache, rebuild=rebuild)
    with paused_gc():
        return _load_any(store, labels, cache=cache, rebuild=rebuild)


def _load_any(store: StoreLike, labels: Labels | None, *, cache: bool, rebuild: bool) -> Frames:
    if cache and isinstance(store, CacheSource):
        return _load_cached(store, labels, rebuild=rebuild)
    return _load(store, labels)


def _load_cached(store: CacheSource, labels: Labels | None, *, rebuild: bool) -> Frames:
    loaded = read_tables(store, rebuild=rebuild)
    problems = Problems()
    names = loaded.problems["column"].tolist()
    tokens = loaded.problems["token"].tolist()
    for column, group in itertools.groupby(zip(names, tokens, strict=True), key=itemgetter(0)):
        shown = [token for _, token in group]
        if column == BODY_PROBLEM:
            warnings.warn(broken_message(shown), DataWarning, stacklevel=4)
        else:
            problems.add(column, shown, range(len(shown)))
    frames = finish_frames(loaded.tables, labels, loaded.attempts)
    problems.emit(stacklevel=4)
    where, texts = token_metadata(cache_dir(store.path), store)
    frames.rentals = join_metadata_by_position(
        frames.rentals, loaded.rental_positions, where, texts, store.tokens
    )
    frames.history = _history_from(loaded.history)
    return frames


def _load(store: StoreLike, labels: Labels | None) -> Frames:
    columns = Collector()
    broken: list[str] = []
    failing: dict[str, int] = {}
    failures: list[AnswerRecord] = []
    for rec, failure in store.shown_records():
        bad = add_record(
            columns, rec.token, rec.fetched_at, rec.http_status, rec.outcome, rec.status,
            rec.error_code, rec.error_message, rec.attempts, rec.body, rec.reason, rec.persistent,
        )  # fmt: skip
        if bad:
            broken.append(rec.token)
        if failure is not None:
            failing[rec.token] = len(failures)
            failures.append(failure)
    if broken:
        warnings.warn(broken_message(broken), DataWarning, stacklevel=4)

    def attempts(tables: Tables) -> Attempts | None:
        if not failures:
            return None
        last = LastAttempts(
            to_timestamp([f.fetched_at for f in failures]),
            [f.outcome for f in failures],
            [f.reason for f in failures],
        )
        return Attempts(
            last,
            rows_by_token(tables.rentals["token"].tolist(), failing),
            rows_by_token(tables.errors["token"].tolist(), failing),
        )

    frames = build_frames(columns, labels, attempts)
    del columns  # freed by reference counting, before the collector is back on
    frames.rentals = join_metadata(frames.rentals, store.token_metadata())
    frames.history = _history_frame(store.history_records())
    return frames


def join_metadata(
    rentals: pd.DataFrame, metadata: Mapping[str, Mapping[str, object]]
) -> pd.DataFrame:
    """``rentals`` with each metadata key as an extra text column, after the standard ones.

    A key that collides with a standard column is prefixed ``meta_``.
    """
    names = list(dict.fromkeys(key for meta in metadata.values() for key in meta))
    if not names:
        return rentals
    out = rentals.copy()
    tokens = out["token"].tolist()
    rows = list(map(metadata.get, tokens, itertools.repeat(_EMPTY, len(tokens))))
    # tokens share a few metadata objects (the store parses each distinct text once): look each
    # distinct one up once, then take per row
    ids = np.fromiter(map(id, rows), dtype=np.int64, count=len(rows))
    _, where, inverse = np.unique(ids, return_index=True, return_inverse=True)
    distinct = [rows[i] for i in where]
    for name in names:
        target = f"meta_{name}" if name in RENTAL_COLUMNS else name
        lookup = pd.array([_meta_text(row.get(name)) for row in distinct], dtype=TEXT)
        out[target] = lookup.take(inverse) if len(rows) else pd.array([], dtype=TEXT)
    return out


def _meta_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _history_from(table: pd.DataFrame) -> pd.DataFrame:
    """``history`` from the cache's typed history rows (already in token then time order)."""
    if not len(table):
        return empty_frame(HISTORY_DTYPES)
    status = pd.Categorical(table["status"].array, dtype=STATUS_DTYPE)
    codes, uniques = pd.factorize(table["status"].array)
    lookup = [_CODE_BY_STATUS.get(str(u) if isinstance(u, str) else "") for u in uniques]
    status_code = pd.array([*lookup, None], dtype="Int64").take(np.asarray(codes))
    return pd.DataFrame(
        {
            "token": table["token"].array,
            "fetched_at": table["fetched_at"].array,
            "outcome": pd.Categorical(table["outcome"].array, dtype=OUTCOME_DTYPE),
            "status": status,
            "status_code": status_code,
            "http_status": table["http_status"].array,
        },
        columns=list(HISTORY_DTYPES),
    )


def _history_frame(records: list[AnswerRecord]) -> pd.DataFrame:
    if not records:
        return empty_frame(HISTORY_DTYPES)
    statuses = [r.status for r in records]
    return pd.DataFrame(
        {
            "token": pd.array([r.token for r in records], dtype=TEXT),
            "fetched_at": to_timestamp([r.fetched_at for r in records]),
            "outcome": pd.Categorical([r.outcome for r in records], dtype=OUTCOME_DTYPE),
            "status": pd.Categorical(statuses, dtype=STATUS_DTYPE),
            "status_code": pd.array(
                [_CODE_BY_STATUS.get(s or "") for s in statuses], dtype="Int64"
            ),
            "http_status": pd.array([r.http_status for r in records], dtype="Int64"),
        },
        columns=list(HISTORY_DTYPES),
    )
