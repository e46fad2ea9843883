"""The flattener's engine: raw column lists collected in one pass, then typed tables built once.

``Collector`` walks answers in plain Python and appends raw values to per-column lists;
``build_frames`` turns each list into its declared dtype with one vectorised conversion
(``coerce``), derives ``shortfall`` and ``coverage``, labels the ids and emits at most one
``DataWarning`` per column. Used by ``flatten`` and ``load_frames``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import numpy as np
import pandas as pd

from .coerce import Problems, describe, to_category, to_float, to_int, to_text, to_timestamp
from .columns import ERROR_DTYPES, LOCALISATION_DTYPES, RENTAL_DTYPES, STATUS_DTYPE, empty_frame
from .frames import Frames
from .labels import Labels, load_labels
from .schema import normalise_status

__all__ = ["Collector", "build_frames", "coverage", "shortfall"]

_NO_LOCATION: Final = "success answer without a 'location' object"
_NOT_OBJECT: Final = "answer is not a JSON object"
_FAILED: Final = "the API answered success: false"


class Collector:
    """Raw column lists of the three tables, filled in one pass over the answers."""

    def __init__(self) -> None:
        self.rentals: dict[str, list[Any]] = {name: [] for name in _RENTAL_RAW}
        self.locs: dict[str, list[Any]] = {name: [] for name in _LOC_RAW}
        self.errors: dict[str, list[Any]] = {name: [] for name in ERROR_DTYPES}
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
        if not isinstance(answer, Mapping):
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
        if not isinstance(location, Mapping):
            self.add_error(token, None, _NO_LOCATION, http_status, attempts, fetched_at)
            return
        self._add_rental(answer, location, token, fetched_at)

    def _add_rental(
        self,
        answer: Mapping[Any, Any],
        location: Mapping[Any, Any],
        token: str | None,
        fetched_at: datetime | None,
    ) -> None:
        cost = location.get("cost")
        cost = cost if isinstance(cost, Mapping) else _EMPTY
        file = answer.get("file")
        file = file if isinstance(file, Mapping) else _EMPTY
        r = self.rentals
        r["token"].append(token)
        r["status"].append(answer.get("status"))
        r["sexe"].append(location.get("sexe"))
        r["min_age"].append(location.get("minAge"))
        r["max_age"].append(location.get("maxAge"))
        r["zipcode"].append(location.get("zipcode"))
        r["interest"].append(location.get("interest"))
        r["category"].append(location.get("category"))
        r["quantity"].append(cost.get("quantity"))
        r["cost_total"].append(cost.get("total"))
        r["cost_unit"].append(cost.get("cost_unity"))
        r["phone_numbers"].append(file.get("phoneNumbers"))
        r["fetched_at"].append(fetched_at)
        details = location.get("details_localisation")
        if isinstance(details, list):
            self._add_localisations(details, token)

    def _add_localisations(self, details: list[Any], token: str | None) -> None:
        ls = self.locs
        for entry in details:
            if not isinstance(entry, Mapping):
                self.skipped_entries.append(token or "(no token)")
                continue
            ls["token"].append(token)
            ls["type"].append(entry.get("Type"))
            ls["location"].append(entry.get("Location"))
            ls["volume_desired"].append(entry.get("VolumeDesired"))
            ls["volume_available"].append(entry.get("Volume"))

    def add_error(
        self,
        token: str | None,
        code: object,
        message: str | None,
        http_status: object,
        attempts: object,
        fetched_at: datetime | None,
    ) -> None:
        e = self.errors
        e["token"].append(token)
        e["error_code"].append(code)
        e["error_message"].append(message)
        e["http_status"].append(http_status)
        e["attempts"].append(attempts)
        e["fetched_at"].append(fetched_at)


_EMPTY: Final[Mapping[str, object]] = {}
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


def _statuses(raw: list[Any]) -> tuple[list[str], list[int | None], list[str | None]]:
    """Normalise every ``status`` (cached per distinct hashable value)."""
    cache: dict[tuple[type, object], tuple[str, int | None]] = {}
    names: list[str] = []
    codes: list[int | None] = []
    texts: list[str | None] = []
    for value in raw:
        key = (type(value), value) if isinstance(value, (str, int, float)) else None
        hit = cache.get(key) if key is not None else None
        if hit is None:
            hit = normalise_status(value)
            if key is not None:
                cache[key] = hit
        names.append(hit[0])
        codes.append(hit[1])
        texts.append(value if isinstance(value, str) else describe(value))
    return names, codes, texts


def _labelled(ids: pd.Categorical, labels: Labels, kind: str) -> pd.Categorical:
    """Labels of a categorical of ids (unknown ids shown as themselves), computed per category."""
    names = [labels.label(kind, str(cat)) for cat in ids.categories]
    unique = list(dict.fromkeys(names))
    index = {name: i for i, name in enumerate(unique)}
    remap = np.array([index[name] for name in names] + [-1], dtype=np.int64)  # code -1 stays -1
    return pd.Categorical.from_codes(remap[ids.codes], categories=pd.Index(unique, dtype=object))


def _rentals_frame(raw: dict[str, list[Any]], labels: Labels, problems: Problems) -> pd.DataFrame:
    tokens = raw["token"]
    if not tokens:
        return empty_frame(RENTAL_DTYPES)
    names, codes, texts = _statuses(raw["status"])
    interest = to_category(raw["interest"], "interest", tokens, problems)
    category = to_category(raw["category"], "category", tokens, problems)
    data = {
        "token": pd.array(tokens, dtype=RENTAL_DTYPES["token"]),  # type: ignore[call-overload]
        "status": pd.Categorical(names, dtype=STATUS_DTYPE),
        "status_code": pd.array(codes, dtype="Int64"),
        "status_text": pd.array(texts, dtype=RENTAL_DTYPES["status_text"]),  # type: ignore[call-overload]
        "sexe": to_category(raw["sexe"], "sexe", tokens, problems),
        "min_age": to_int(raw["min_age"], "min_age", tokens, problems),
        "max_age": to_int(raw["max_age"], "max_age", tokens, problems),
        "zipcode": to_text(raw["zipcode"], "zipcode", tokens, problems),
        "interest": interest,
        "interest_label": _labelled(interest, labels, "interest"),
        "category": category,
        "category_label": _labelled(category, labels, "category"),
        "quantity": to_int(raw["quantity"], "quantity", tokens, problems),
        "cost_total": to_float(raw["cost_total"], "cost_total", tokens, problems),
        "cost_unit": to_float(raw["cost_unit"], "cost_unit", tokens, problems),
        "phone_numbers": to_int(raw["phone_numbers"], "phone_numbers", tokens, problems),
        "fetched_at": to_timestamp(raw["fetched_at"]),
    }
    return pd.DataFrame(data, columns=list(RENTAL_DTYPES))


def _localisations_frame(raw: dict[str, list[Any]], problems: Problems) -> pd.DataFrame:
    tokens = raw["token"]
    if not tokens:
        return empty_frame(LOCALISATION_DTYPES)
    desired = to_int(raw["volume_desired"], "volume_desired", tokens, problems)
    available = to_int(raw["volume_available"], "volume_available", tokens, problems)
    return pd.DataFrame(
        {
            "token": pd.array(tokens, dtype=LOCALISATION_DTYPES["token"]),  # type: ignore[call-overload]
            "type": to_category(raw["type"], "type", tokens, problems, lower=True),
            "location": to_text(raw["location"], "location", tokens, problems),
            "volume_desired": desired,
            "volume_available": available,
            "shortfall": shortfall(desired, available),
            "coverage": coverage(desired, available),
        },
        columns=list(LOCALISATION_DTYPES),
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


def coverage(desired: pd.arrays.IntegerArray, available: pd.arrays.IntegerArray) -> np.ndarray:
    """available / desired as float64; missing (NaN, not infinite) when desired is 0 or missing."""
    d = desired.to_numpy(dtype="float64", na_value=np.nan)
    a = available.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(d), np.nan)
    ok = d > 0
    np.divide(a, d, out=out, where=ok)
    return out


def _errors_frame(raw: dict[str, list[Any]], problems: Problems) -> pd.DataFrame:
    tokens = raw["token"]
    if not tokens:
        return empty_frame(ERROR_DTYPES)
    return pd.DataFrame(
        {
            "token": pd.array(tokens, dtype=ERROR_DTYPES["token"]),  # type: ignore[call-overload]
            "error_code": to_int(raw["error_code"], "error_code", tokens, problems),
            "error_message": pd.array(raw["error_message"], dtype=ERROR_DTYPES["error_message"]),  # type: ignore[call-overload]
            "http_status": to_int(raw["http_status"], "http_status", tokens, problems),
            "attempts": to_int(raw["attempts"], "attempts", tokens, problems),
            "fetched_at": to_timestamp(raw["fetched_at"]),
        },
        columns=list(ERROR_DTYPES),
    )


def build_frames(columns: Collector, labels: Labels | None) -> Frames:
    """Typed frames from the collected columns; warns once per column with untypeable values."""
    problems = Problems()
    if columns.skipped_entries:
        problems.add("details_localisation", columns.skipped_entries,
                     list(range(len(columns.skipped_entries))))  # fmt: skip
    frames = Frames(
        rentals=_rentals_frame(columns.rentals, labels or load_labels(), problems),
        localisations=_localisations_frame(columns.locs, problems),
        errors=_errors_frame(columns.errors, problems),
    )
    problems.emit(stacklevel=4)
    return frames
