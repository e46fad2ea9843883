"""The last step of the flattener: typed tables in, the ``Frames`` of the data dictionary out.

The engine types every value on its own (``engine.typed_tables``), keeping the columns that become
categorical as text; those tables can be typed in parts and stacked (the frames cache,
``frames.cache``, keeps them on disk). This step works on whole columns only: it turns the text
columns into categoricals (categories sorted, as ``pandas.Categorical`` sorts them), lower-cases
``type``, and adds the label columns from ``labels``. Flattening from scratch and reading the
cache both end here, which is what makes their frames equal.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

import numpy as np
import pandas as pd

from smspartner_analytics.core.labels import Labels, load_labels
from smspartner_analytics.frames.arrays import relabel_categories
from smspartner_analytics.frames.attempts import Attempts, attempt_columns
from smspartner_analytics.frames.dtypes import (
    ATTEMPT_DTYPES,
    ERROR_DTYPES,
    HISTORY_DTYPES,
    LOCALISATION_DTYPES,
    RENTAL_DTYPES,
    STATUS_DTYPE,
    TEXT,
    Frames,
    empty_frame,
)

__all__ = [
    "ERROR_TYPED",
    "LOCALISATION_TYPED",
    "RENTAL_TYPED",
    "Tables",
    "categorise",
    "finish_frames",
]

_LABELLED: Final = ("interest_label", "category_label")
_TEXT_IN_TABLES: Final = ("status", "sexe", "interest", "category", "type")

#: Rentals as typed row by row: no label columns, no ``last_attempt_*`` columns (added here from
#: the store's failed attempts), categorical columns still text.
RENTAL_TYPED: Final[dict[str, object]] = {
    name: (TEXT if name in _TEXT_IN_TABLES else dtype)
    for name, dtype in RENTAL_DTYPES.items()
    if name not in _LABELLED and name not in ATTEMPT_DTYPES
}
#: Errors as typed row by row: without the ``last_attempt_*`` columns.
ERROR_TYPED: Final[dict[str, object]] = {
    name: dtype for name, dtype in ERROR_DTYPES.items() if name not in ATTEMPT_DTYPES
}
#: Localisations as typed row by row: ``type`` still text (not yet lower-cased).
LOCALISATION_TYPED: Final[dict[str, object]] = {
    name: (TEXT if name in _TEXT_IN_TABLES else dtype)
    for name, dtype in LOCALISATION_DTYPES.items()
}


class Tables(NamedTuple):
    """Rentals, localisations and errors typed row by row (``RENTAL_TYPED``, ...)."""

    rentals: pd.DataFrame
    localisations: pd.DataFrame
    errors: pd.DataFrame


def categorise(values: Any, *, lower: bool = False) -> pd.Categorical:
    """A categorical of text values, categories sorted (missing stays missing); ``lower`` trims
    and lower-cases the categories, merging those that become equal (first sorted first)."""
    codes, uniques = pd.factorize(values, sort=True)
    names = [str(u) for u in uniques]
    raw: pd.Categorical = pd.Categorical.from_codes(  # type: ignore[assignment]
        np.asarray(codes, dtype=np.int64), categories=pd.Index(names)
    )
    if not lower:
        return raw
    return relabel_categories(raw, lambda category: str(category).strip().lower(), dtype="str")


def _labelled(ids: pd.Categorical, labels: Labels, kind: str) -> pd.Categorical:
    """Labels of a categorical of ids (unknown ids shown as themselves), computed per category."""
    return relabel_categories(ids, lambda category: labels.label(kind, str(category)))


def finish_frames(
    tables: Tables, labels: Labels | None, attempts: Attempts | None = None
) -> Frames:
    """``Frames`` (without ``history``) from typed tables: categoricals, label columns and the
    ``last_attempt_*`` columns (``attempts``: the failed attempts after the answers shown)."""
    return Frames(
        rentals=_finish_rentals(tables.rentals, labels, attempts),
        localisations=_finish_localisations(tables.localisations),
        errors=_finish_errors(tables.errors, attempts),
        history=empty_frame(HISTORY_DTYPES),
    )


def _finish_errors(table: pd.DataFrame, attempts: Attempts | None) -> pd.DataFrame:
    if not len(table):
        return empty_frame(ERROR_DTYPES)
    data = {name: table[name].array for name in ERROR_TYPED}
    last, which = (None, None) if attempts is None else (attempts.last, attempts.error_rows)
    data.update(attempt_columns(last, which, len(table)))
    return pd.DataFrame(data, columns=list(ERROR_DTYPES))


def _finish_rentals(
    table: pd.DataFrame, labels: Labels | None, attempts: Attempts | None
) -> pd.DataFrame:
    if not len(table):
        return empty_frame(RENTAL_DTYPES)
    labels = labels or load_labels()
    interest = categorise(table["interest"].array)
    category = categorise(table["category"].array)
    data = {name: table[name].array for name in RENTAL_TYPED}
    data["status"] = pd.Categorical(table["status"].array, dtype=STATUS_DTYPE)
    data["sexe"] = categorise(table["sexe"].array)
    data["interest"] = interest
    data["interest_label"] = _labelled(interest, labels, "interest")
    data["category"] = category
    data["category_label"] = _labelled(category, labels, "category")
    last, which = (None, None) if attempts is None else (attempts.last, attempts.rental_rows)
    data.update(attempt_columns(last, which, len(table)))
    return pd.DataFrame(data, columns=list(RENTAL_DTYPES))


def _finish_localisations(table: pd.DataFrame) -> pd.DataFrame:
    if not len(table):
        return empty_frame(LOCALISATION_DTYPES)
    data = {name: table[name].array for name in LOCALISATION_DTYPES}
    data["type"] = categorise(table["type"].array, lower=True)
    return pd.DataFrame(data, columns=list(LOCALISATION_DTYPES))
