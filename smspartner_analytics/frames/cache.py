"""The frames cache: every stored answer parsed once in its life, kept as typed columns on disk.

Beside the store ``NAME.sqlite`` lives the folder ``NAME.sqlite.frames/``: Arrow IPC files
(``pyarrow``; memory-mapped, read without decoding) holding, for a range of answer ids
``(first, last]``, the rows the flattener makes of them (``engine.typed_tables``: typed value by
value, categorical columns still text) for each token's latest attempt in the range and its latest
answer from the API in the range (``core.schema.is_answer``), the history rows (every answer, no
body), and the untypeable values (to warn as a fresh flatten would), each row tagged with its
answer id and its token's position. ``manifest.json`` lists the segments, the flattener's version
and a mark of the last answer covered.

``load_frames`` reads the segments, flattens only the answers stored since (a new segment), keeps
the rows of the answer each token is shown from, its latest answer from the API, else its latest
attempt (answers are append-only, so an answer once superseded never comes back), in token order,
takes the failed attempt after it (``frames.attempts``, from its ``errors`` and history rows) and
finishes the frames as a flatten from scratch does (``finishing``). The raw answers in the store
stay the source of truth: the cache is rebuilt from them when the flattener's version changes,
when it does not match the store (another file at the same path), or on
``load_frames(..., rebuild=True)``. A store folder that cannot be written (read-only mount) gets
no cache: its frames are flattened in memory.

Hand-written because no library keeps a derived table in step with an append-only SQLite log.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa

from smspartner_analytics.frames.attempts import (
    Attempts,
    failed_attempts,
    rows_by_position,
    shown_ids,
)
from smspartner_analytics.frames.cachefiles import (
    drop_metadata,
    read_segment,
    save,
    valid_manifest,
)
from smspartner_analytics.frames.coercion import Problems
from smspartner_analytics.frames.dtypes import TEXT, TIMESTAMP
from smspartner_analytics.frames.engine import PROBLEM_COLUMNS, Collector, typed_tables
from smspartner_analytics.frames.finishing import (
    ERROR_TYPED,
    LOCALISATION_TYPED,
    RENTAL_TYPED,
    Tables,
)
from smspartner_analytics.frames.records import add_record

__all__ = ["BODY_PROBLEM", "FLATTENER_VERSION", "CacheSource", "Loaded", "cache_dir", "read_tables"]

#: Bump when the flattener's output for a stored answer changes, or which answers a segment keeps
#: (2: a token's latest answer from the API besides its latest attempt): caches are then rebuilt.
FLATTENER_VERSION: Final = 2
_FORMAT: Final = f"frames-cache-1/flattener-{FLATTENER_VERSION}/pandas-{pd.__version__}"
_CHUNK: Final = 100_000  # answers flattened at a time (bounded memory on a million)
_MAX_SEGMENTS: Final = 24  # merged into one beyond this
_KEY: Final = ("answer_id", "position")
BODY_PROBLEM: Final = "__body__"  # the problem "column" of rentals whose body could not be read
_HISTORY_TYPED: Final[dict[str, object]] = {
    "token": TEXT,
    "fetched_at": TIMESTAMP,
    "outcome": TEXT,
    "status": TEXT,
    "http_status": pd.Int64Dtype(),
}
_PROBLEM_TYPED: Final[dict[str, object]] = {"column": TEXT, "seq": pd.Int64Dtype(), "token": TEXT}
_TYPED: Final[dict[str, dict[str, object]]] = {
    "rentals": RENTAL_TYPED,
    "localisations": LOCALISATION_TYPED,
    "errors": ERROR_TYPED,
    "history": _HISTORY_TYPED,
    "problems": _PROBLEM_TYPED,
}


@runtime_checkable
class CacheSource(Protocol):
    """What the cache reads from a store (``store.Store`` has it)."""

    @property
    def path(self) -> Path: ...
    def last_answer_id(self) -> int: ...
    def answer_mark(self, answer_id: int) -> tuple[str, str, int] | None: ...
    def answer_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]: ...
    def history_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]: ...
    def metadata_texts(self, after: int = -1) -> list[tuple[int, str]]: ...
    def tokens_mark(self) -> str | None: ...
    def tokens(self) -> list[str]: ...


@dataclass
class Loaded:
    """Latest answers' typed tables in token order, history in (position, id) order."""

    tables: Tables
    history: pd.DataFrame
    problems: pd.DataFrame  # column, token of each untypeable value, in report order
    rental_positions: np.ndarray  # each rentals row's token position
    attempts: Attempts  # the failed attempts after the answers shown


def cache_dir(store_path: Path) -> Path:
    """Where the frames cache of the store at ``store_path`` lives."""
    return store_path.with_name(store_path.name + ".frames")


def read_tables(store: CacheSource, *, rebuild: bool = False) -> Loaded:
    """The latest answers' typed tables, from the cache plus whatever is new (cache updated)."""
    folder = cache_dir(store.path)
    upto = store.last_answer_id()
    manifest = None if rebuild else valid_manifest(folder, store, _FORMAT)
    segments: list[dict[str, Any]] = [] if manifest is None else manifest["segments"]
    if manifest is None:
        drop_metadata(folder)  # rebuilt from the store: all of it
    done = segments[-1]["last"] if segments else 0
    parts = [read_segment(folder, seg, tuple(_TYPED)) for seg in segments]
    if parts and any(p is None for p in parts):
        segments, parts, done = [], [], 0  # a file went missing: rebuild
    new_segments: list[dict[str, Any]] = []
    new_parts: list[dict[str, pa.Table]] = []
    first = done
    while first < upto:
        last = min(first + _CHUNK, upto) if not segments else upto  # a build: in chunks
        new_parts.append(_flatten_range(store, first, last))
        new_segments.append({"first": first, "last": last, "name": uuid.uuid4().hex})
        first = last
    all_parts = [p for p in parts if p is not None] + new_parts
    all_segments = segments + new_segments
    if len(new_segments) > 1 or len(all_segments) > _MAX_SEGMENTS:  # a build, or compaction
        all_parts = [_concat(all_parts)]
        all_segments = [{"first": 0, "last": upto, "name": uuid.uuid4().hex}]
        new_parts, new_segments = all_parts, all_segments
    if new_segments:
        save(folder, store, _FORMAT, all_segments, new_segments, new_parts, upto)
    combined = _concat(all_parts) if all_parts else _empty_part()
    del parts, new_parts, all_parts  # ``_latest`` lets go of each table once it is picked
    return _latest(combined)


# -- flattening a range of answers --------------------------------------------------------------


def _flatten_range(store: CacheSource, after: int, upto: int) -> dict[str, pa.Table]:
    columns = Collector()
    ids: dict[str, list[int]] = {"rentals": [], "localisations": [], "errors": []}
    pos: dict[str, list[int]] = {"rentals": [], "localisations": [], "errors": []}
    skipped: list[tuple[int, int, str]] = []
    broken: list[tuple[int, int, str]] = []
    for row in store.answer_rows(after, upto):
        aid, position, token, fetched_at = row[:4]
        sizes = (len(columns.rental_rows), len(columns.loc_rows), len(columns.error_rows))
        n_skipped = len(columns.skipped_entries)
        bad = add_record(
            columns, token, datetime.fromisoformat(fetched_at), row[4], row[5], row[6], row[7],
            row[8], row[9], row[10], row[11], bool(row[12]),
        )  # fmt: skip
        if bad:
            broken.append((aid, position, token))
        new = (len(columns.rental_rows), len(columns.loc_rows), len(columns.error_rows))
        for name, before, after_ in zip(ids, sizes, new, strict=True):
            ids[name].extend([aid] * (after_ - before))
            pos[name].extend([position] * (after_ - before))
        skipped.extend((aid, position, t) for t in columns.skipped_entries[n_skipped:])
    problems = Problems(keep_rows=True)
    tables = typed_tables(columns, problems)
    del columns
    out = {
        name: _to_arrow(getattr(tables, name), ids[name], pos[name])
        for name in ("rentals", "localisations", "errors")
    }
    out["history"] = _history_part(store.history_rows(after, upto))
    out["problems"] = _problem_part(problems, tables, ids, pos, skipped, broken)
    return out


def _to_arrow(frame: pd.DataFrame, ids: list[int], positions: list[int]) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    table = table.add_column(0, "position", pa.array(positions, type=pa.int64()))
    return table.add_column(0, "answer_id", pa.array(ids, type=pa.int64()))


def _history_part(rows: list[tuple[Any, ...]]) -> pa.Table:
    cols = list(zip(*rows, strict=True)) if rows else [()] * 7
    stamps = pd.to_datetime(pd.Series(cols[3], dtype=object), utc=True, format="ISO8601")
    return pa.table(
        {
            "answer_id": pa.array(cols[0], type=pa.int64()),
            "position": pa.array(cols[1], type=pa.int64()),
            "token": pa.array(cols[2], type=pa.string()),
            "fetched_at": pa.array(stamps.astype(TIMESTAMP), type=pa.timestamp("ns", tz="UTC")),
            "outcome": pa.array(cols[4], type=pa.string()),
            "status": pa.array(cols[5], type=pa.string()),
            "http_status": pa.array(cols[6], type=pa.int64()),
        }
    )


def _problem_part(
    problems: Problems,
    tables: Tables,
    ids: dict[str, list[int]],
    pos: dict[str, list[int]],
    skipped: list[tuple[int, int, str]],
    broken: list[tuple[int, int, str]],
) -> pa.Table:
    where = {c: n for n, t in zip(ids, tables, strict=True) for c in t.columns if c != "token"}
    out: dict[str, list[Any]] = {k: [] for k in ("answer_id", "position", "column", "seq", "token")}

    def add(aid: int, position: int, column: str, seq: int, token: object) -> None:
        for key, value in zip(out, (aid, position, column, seq, token), strict=True):
            out[key].append(value)

    for column, rows in problems.rows or []:
        if column == "details_localisation":
            for seq in rows:
                aid, position, token = skipped[seq]
                add(aid, position, column, seq, token)
            continue
        name = where[column]
        tokens = getattr(tables, name)["token"].array
        for seq in rows:
            token = tokens[seq]
            add(
                ids[name][seq],
                pos[name][seq],
                column,
                seq,
                token if isinstance(token, str) else None,
            )
    for seq, (aid, position, token) in enumerate(broken):
        add(aid, position, BODY_PROBLEM, seq, token)
    return pa.table(
        {
            "answer_id": pa.array(out["answer_id"], type=pa.int64()),
            "position": pa.array(out["position"], type=pa.int64()),
            "column": pa.array(out["column"], type=pa.string()),
            "seq": pa.array(out["seq"], type=pa.int64()),
            "token": pa.array(out["token"], type=pa.string()),
        }
    )


# -- reading: the answer shown per token (its latest answer from the API) ----------------------


def _latest(part: dict[str, pa.Table]) -> Loaded:
    """The rows shown; ``part`` is emptied on the way, so every row of every answer (all of
    them, superseded ones too) and the rows kept are not all in memory at once."""
    history = part.pop("history")
    hpos = history.column("position").to_numpy()
    hid = history.column("answer_id").to_numpy()
    order = np.lexsort((hid, hpos))
    shown, last = shown_ids(history, order)
    latest = np.zeros(int(hid.max()) + 2 if len(hid) else 1, dtype=bool)
    latest[shown[shown >= 0]] = True

    def pick(name: str) -> pa.Table:
        table = part.pop(name)
        aid = table.column("answer_id").to_numpy()
        keep = np.flatnonzero(latest[aid])
        keep = keep[np.argsort(table.column("position").to_numpy()[keep], kind="stable")]
        return table.take(pa.array(keep))

    probs = part.pop("problems")
    pkeep = np.flatnonzero(latest[probs.column("answer_id").to_numpy()])
    cols = probs.column("column").to_numpy(zero_copy_only=False)[pkeep]
    rank = np.array([_problem_rank(c) for c in cols], dtype=np.int64)
    pkeep = pkeep[
        np.lexsort((probs.column("seq").to_numpy()[pkeep],
                    probs.column("position").to_numpy()[pkeep], rank))
    ]  # fmt: skip
    failing, failures = failed_attempts(part["errors"], history, shown, last)
    localisations = _to_pandas(pick("localisations"), LOCALISATION_TYPED)
    rentals, errors = pick("rentals"), pick("errors")
    rental_positions = rentals.column("position").to_numpy()
    return Loaded(
        tables=Tables(
            _to_pandas(rentals, RENTAL_TYPED),
            localisations,
            _to_pandas(errors, ERROR_TYPED),
        ),
        history=_to_pandas(history.take(pa.array(order)), _HISTORY_TYPED),
        problems=_to_pandas(probs.take(pa.array(pkeep)), _PROBLEM_TYPED),
        rental_positions=rental_positions,
        attempts=Attempts(
            failures,
            rows_by_position(rental_positions, failing),
            rows_by_position(errors.column("position").to_numpy(), failing),
        ),
    )


def _problem_rank(column: str) -> int:
    return PROBLEM_COLUMNS.index(column) if column in PROBLEM_COLUMNS else len(PROBLEM_COLUMNS)


def _to_pandas(table: pa.Table, dtypes: dict[str, object]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for name, dtype in dtypes.items():
        column = table.column(name)
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not isinstance(
            dtype, pd.DatetimeTZDtype
        ):
            data[name] = dtype.__from_arrow__(column)  # type: ignore[attr-defined]
        elif isinstance(dtype, pd.DatetimeTZDtype):
            data[name] = pd.DatetimeIndex(column.to_pandas()).astype(TIMESTAMP).array
        elif dtype == "boolean":
            data[name] = pd.BooleanDtype().__from_arrow__(column)  # type: ignore[attr-defined]
        elif dtype == "float64":
            data[name] = column.to_numpy().astype("float64")
        else:
            data[name] = pd.Series(column.to_pandas()).astype(dtype)  # type: ignore[call-overload]
    return pd.DataFrame(data, columns=list(dtypes))


# -- files -------------------------------------------------------------------------------------


def _empty_part() -> dict[str, pa.Table]:
    return _flatten_range(_NoAnswers(), 0, 0)


class _NoAnswers:
    path = Path()

    def last_answer_id(self) -> int:
        return 0

    def answer_mark(self, answer_id: int) -> None:
        return None

    def answer_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        return []

    def history_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        return []

    def metadata_texts(self, after: int = -1) -> list[tuple[int, str]]:
        return []

    def tokens_mark(self) -> None:
        return None

    def tokens(self) -> list[str]:
        return []


def _concat(parts: Sequence[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    return {
        name: pa.concat_tables([p[name] for p in parts], promote_options="permissive")
        for name in _TYPED
    }
