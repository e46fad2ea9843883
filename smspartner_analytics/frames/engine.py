"""The flattener's engine: raw column lists collected in one pass, then typed tables built once.

``Collector`` walks answers in plain Python and appends raw values to per-column lists;
``build_frames`` turns each list into its declared dtype with one vectorised conversion
(``coercion``), derives ``shortfall`` and ``coverage``, labels the ids and emits at most one
``DataWarning`` per column. Used by ``flatten`` and ``load_frames``.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, Final, TypeGuard

import numpy as np
import pandas as pd

from smspartner_analytics.core.labels import Labels
from smspartner_analytics.core.schema import normalise_status
from smspartner_analytics.frames.arrays import safe_divide
from smspartner_analytics.frames.attempts import Attempts
from smspartner_analytics.frames.coercion import (
    Problems,
    describe,
    to_float,
    to_int,
    to_text,
    to_timestamp,
)
from smspartner_analytics.frames.dtypes import TEXT, Frames, empty_frame
from smspartner_analytics.frames.finishing import (
    ERROR_TYPED,
    LOCALISATION_TYPED,
    RENTAL_TYPED,
    Tables,
    finish_frames,
)

__all__ = [
    "PROBLEM_COLUMNS",
    "Collector",
    "Tables",
    "build_frames",
    "paused_gc",
    "shortfall",
    "typed_tables",
]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building frames (restored afterwards).

    Collecting hundreds of thousands of row tuples otherwise triggers full collections that
    re-scan every parsed answer: about 40% of flatten's time on 100,000 answers.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


_NO_PLACE: Final = (None,) * 6
_NOT_OBJECT: Final = "answer is not a JSON object"
_FAILED: Final = "the API answered success: false"


def _is_map(value: object) -> TypeGuard[Mapping[Any, Any]]:
    return type(value) is dict or isinstance(value, Mapping)


class Collector:
    """Raw rows of the three tables, filled in one pass over the answers (one tuple per row)."""

    def __init__(self) -> None:
        self.rental_rows: list[tuple[Any, ...]] = []
        self.loc_rows: list[tuple[Any, ...]] = []
        self.error_rows: list[tuple[Any, ...]] = []
        self.skipped_entries: list[str] = []

    def add_answer(
        self,
        answer: object,
        token: str | None,
        fetched_at: datetime | None,
        http_status: int | None = None,
        attempts: int | None = None,
    ) -> None:
        """Add one parsed answer; ``token`` (from the store) wins over the answer's own."""
        if not _is_map(answer):
            self.add_error(token, None, _NOT_OBJECT, http_status, attempts, fetched_at)
            return
        if token is None:
            token = _token(answer.get("token"))
        if answer.get("success") is not True:
            message = answer.get("message")
            text = message if isinstance(message, str) else describe(message) or _FAILED
            self.add_error(token, answer.get("code"), text, http_status, attempts, fetched_at)
            return
        location = answer.get("location")
        if not _is_map(location):
            # Still a rental (core.schema.is_rental): its status is known, its targeting not.
            file = answer.get("file")
            phones = file.get("phoneNumbers") if _is_map(file) else None
            row = (token, answer.get("status"), *_NO_PLACE, None, None, None, phones, fetched_at)
            self.rental_rows.append(row)
            return
        # one rentals row; the hot path, kept inline (no per-answer method calls). itemgetter
        # reads several keys in one C call; a missing key falls back to .get (missing values).
        try:
            head = _LOCATION_KEYS(location)
        except KeyError:
            head = tuple(map(location.get, _LOCATION_NAMES))
        cost = location.get("cost")
        if _is_map(cost):
            try:
                money = _COST_KEYS(cost)
            except KeyError:
                money = tuple(map(cost.get, _COST_NAMES))
        else:
            money = (None, None, None)
        file = answer.get("file")
        phones = file.get("phoneNumbers") if _is_map(file) else None
        self.rental_rows.append((token, answer.get("status"), *head, *money, phones, fetched_at))
        details = location.get("details_localisation")
        if type(details) is not list:
            return
        append = self.loc_rows.append
        for entry in details:
            if type(entry) is dict or _is_map(entry):
                try:
                    append((token, *_ENTRY_KEYS(entry)))
                except KeyError:
                    append((token, *map(entry.get, _ENTRY_NAMES)))
            else:
                self.skipped_entries.append(token or "(no token)")

    def add_error(
        self,
        token: str | None,
        code: object,
        message: str | None,
        http_status: object,
        attempts: object,
        fetched_at: datetime | None,
        reason: str | None = None,
        persistent: bool = False,
    ) -> None:
        """Add one ``errors`` row (``reason`` and ``persistent`` come from the store's records)."""
        self.error_rows.append(
            (token, code, message, http_status, attempts, fetched_at, reason, persistent)
        )

    def columns(self) -> tuple[_Raw, _Raw, _Raw]:
        """The rows transposed: raw value sequences per column, for rentals, locs, errors."""
        return (
            _transpose(self.rental_rows, _RENTAL_RAW),
            _transpose(self.loc_rows, _LOC_RAW),
            _transpose(self.error_rows, tuple(ERROR_TYPED)),
        )


_Raw = dict[str, Sequence[Any]]
#: The columns whose untypeable values are reported, in the order ``typed_tables`` meets them.
PROBLEM_COLUMNS: Final = (
    "details_localisation", "sexe", "min_age", "max_age", "zipcode", "interest", "category",
    "quantity", "cost_total", "cost_unit", "phone_numbers", "volume_desired", "volume_available",
    "type", "location", "error_code", "http_status", "attempts",
)  # fmt: skip


def _transpose(rows: list[tuple[Any, ...]], names: tuple[str, ...]) -> _Raw:
    if not rows:
        return {name: () for name in names}
    return dict(zip(names, zip(*rows, strict=True), strict=True))


_LOCATION_NAMES: Final = ("sexe", "minAge", "maxAge", "zipcode", "interest", "category")
_COST_NAMES: Final = ("quantity", "total", "cost_unity")
_ENTRY_NAMES: Final = ("Type", "Location", "VolumeDesired", "Volume")
_LOCATION_KEYS: Final = itemgetter(*_LOCATION_NAMES)
_COST_KEYS: Final = itemgetter(*_COST_NAMES)
_ENTRY_KEYS: Final = itemgetter(*_ENTRY_NAMES)
_RENTAL_RAW: Final = (
    "token", "status", "sexe", "min_age", "max_age", "zipcode", "interest", "category",
    "quantity", "cost_total", "cost_unit", "phone_numbers", "fetched_at",
)  # fmt: skip
_LOC_RAW: Final = ("token", "type", "location", "volume_desired", "volume_available")


def _token(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _statuses(raw: Sequence[Any]) -> tuple[list[str], list[int | None], list[str | None]]:
    """Normalise every ``status``: (name, code, the API's words), cached per distinct value."""
    if set(map(type, raw)) <= _PLAIN:  # hashable, and no bool/float equal to an int
        table = {value: _status(value) for value in set(raw)}
        out = list(map(table.__getitem__, raw))
    else:
        out = _statuses_slow(raw)
    if not out:
        return [], [], []
    names, codes, texts = zip(*out, strict=True)
    return list(names), list(codes), list(texts)


_PLAIN: Final = frozenset({str, int, type(None)})


def _status(value: object) -> tuple[str, int | None, str | None]:
    name, code = normalise_status(value)
    return name, code, value if isinstance(value, str) else describe(value)


def _statuses_slow(raw: Sequence[Any]) -> list[tuple[str, int | None, str | None]]:
    cache: dict[tuple[type, object], tuple[str, int | None, str | None]] = {}
    out: list[tuple[str, int | None, str | None]] = []
    for value in raw:
        key = (type(value), value) if isinstance(value, (str, int, float)) else None
        hit = cache.get(key) if key is not None else None
        if hit is None:
            hit = _status(value)
            if key is not None:
                cache[key] = hit
        out.append(hit)
    return out


def _rentals_table(raw: _Raw, problems: Problems) -> pd.DataFrame:
    """Rentals typed row by row; categorical columns still text (``finishing`` makes them)."""
    tokens = raw["token"]
    if not tokens:
        return empty_frame(RENTAL_TYPED)
    names, codes, texts = _statuses(raw["status"])
    data = {
        "token": pd.array(tokens, dtype=TEXT),
        "status": pd.array(names, dtype=TEXT),
        "status_code": pd.array(codes, dtype="Int64"),
        "status_text": pd.array(texts, dtype=TEXT),
        "sexe": to_text(raw["sexe"], "sexe", tokens, problems),
        "min_age": to_int(raw["min_age"], "min_age", tokens, problems),
        "max_age": to_int(raw["max_age"], "max_age", tokens, problems),
        "zipcode": to_text(raw["zipcode"], "zipcode", tokens, problems),
        "interest": to_text(raw["interest"], "interest", tokens, problems),
        "category": to_text(raw["category"], "category", tokens, problems),
        "quantity": to_int(raw["quantity"], "quantity", tokens, problems),
        "cost_total": to_float(raw["cost_total"], "cost_total", tokens, problems),
        "cost_unit": to_float(raw["cost_unit"], "cost_unit", tokens, problems),
        "phone_numbers": to_int(raw["phone_numbers"], "phone_numbers", tokens, problems),
        "fetched_at": to_timestamp(raw["fetched_at"]),
    }
    return pd.DataFrame(data, columns=list(RENTAL_TYPED))


def _localisations_table(raw: _Raw, problems: Problems) -> pd.DataFrame:
    tokens = raw["token"]
    if not tokens:
        return empty_frame(LOCALISATION_TYPED)
    desired = to_int(raw["volume_desired"], "volume_desired", tokens, problems)
    available = to_int(raw["volume_available"], "volume_available", tokens, problems)
    return pd.DataFrame(
        {
            "token": pd.array(tokens, dtype=TEXT),
            "type": to_text(raw["type"], "type", tokens, problems),
            "location": to_text(raw["location"], "location", tokens, problems),
            "volume_desired": desired,
            "volume_available": available,
            "shortfall": shortfall(desired, available),
            "coverage": safe_divide(available, desired),
        },
        columns=list(LOCALISATION_TYPED),
    )


def shortfall(
    desired: pd.arrays.IntegerArray, available: pd.arrays.IntegerArray
) -> pd.arrays.IntegerArray:
    """max(desired - available, 0); missing when either is missing (or the difference overflows)."""
    d = desired.to_numpy(dtype="int64", na_value=0)
    a = available.to_numpy(dtype="int64", na_value=0)
    with np.errstate(over="ignore"):
        diff = np.where(d > a, d - a, 0)
    mask = np.asarray(desired.isna() | available.isna()) | (diff < 0)
    return pd.arrays.IntegerArray(diff, mask)


def _errors_table(raw: _Raw, problems: Problems) -> pd.DataFrame:
    tokens = raw["token"]
    if not tokens:
        return empty_frame(ERROR_TYPED)
    return pd.DataFrame(
        {
            "token": pd.array(tokens, dtype=ERROR_TYPED["token"]),  # type: ignore[call-overload]
            "error_code": to_int(raw["error_code"], "error_code", tokens, problems),
            "error_message": pd.array(raw["error_message"], dtype=ERROR_TYPED["error_message"]),  # type: ignore[call-overload]
            "http_status": to_int(raw["http_status"], "http_status", tokens, problems),
            "attempts": to_int(raw["attempts"], "attempts", tokens, problems),
            "fetched_at": to_timestamp(raw["fetched_at"]),
            "reason": pd.array(raw["reason"], dtype=ERROR_TYPED["reason"]),  # type: ignore[call-overload]
            "persistent": pd.array(raw["persistent"], dtype="boolean"),
        },
        columns=list(ERROR_TYPED),
    )


def typed_tables(columns: Collector, problems: Problems) -> Tables:
    """The collected rows typed column by column (each value on its own: the result for a row
    does not depend on the other rows, so tables typed in parts can be stacked)."""
    if columns.skipped_entries:
        problems.add("details_localisation", columns.skipped_entries,
                     list(range(len(columns.skipped_entries))))  # fmt: skip
    rentals, locs, errors = columns.columns()
    return Tables(
        _rentals_table(rentals, problems),
        _localisations_table(locs, problems),
        _errors_table(errors, problems),
    )


def build_frames(
    columns: Collector,
    labels: Labels | None,
    attempts: Callable[[Tables], Attempts | None] | None = None,
) -> Frames:
    """Typed frames from the collected columns; warns once per column with untypeable values.

    ``attempts`` gives, from the typed tables, the failed attempts after the answers shown (the
    ``last_attempt_*`` columns; all missing without it)."""
    problems = Problems()
    tables = typed_tables(columns, problems)
    frames = finish_frames(tables, labels, None if attempts is None else attempts(tables))
    problems.emit(stacklevel=4)
    return frames
