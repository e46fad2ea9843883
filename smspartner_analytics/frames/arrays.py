"""Three small column operations shared by the frames, the aggregates and the charts.

- ``safe_divide``: a ratio that is missing (NaN), never infinite, where the denominator is 0 or
  missing (``coverage``, ``share_obtained``, ``cost_per_contact``).
- ``relabel_categories``: a categorical whose categories go through a function, computed once per
  category rather than per row, merging the categories that become equal (lower-cased ids, ids
  replaced by their labels).
- ``labelled_ids``: ids as people read them, ``"CSP+ (102)"`` when a label names the id, the id
  itself otherwise, ``"(none)"`` for a missing id (chart axes, dashboard filters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

import numpy as np
import pandas as pd

__all__ = ["MISSING_ID", "labelled_ids", "relabel_categories", "safe_divide"]

#: How a missing (or empty) id is shown.
MISSING_ID: Final = "(none)"


def safe_divide(numerator: Any, denominator: Any) -> np.ndarray:
    """``numerator / denominator`` as float64; NaN where the denominator is 0, negative or missing.

    Takes anything array-like (Series, pandas extension arrays with ``<NA>``, NumPy arrays)."""
    num = _floats(numerator)
    den = _floats(denominator)
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def relabel_categories(
    values: pd.Categorical, rename: Callable[[Any], str], *, dtype: str = "object"
) -> pd.Categorical:
    """``values`` with every category replaced by ``rename(category)``; missing stays missing.

    Categories that ``rename`` makes equal become one (first seen first)."""
    names = [rename(category) for category in values.categories]
    unique = list(dict.fromkeys(names))
    position = {name: i for i, name in enumerate(unique)}
    remap = np.array([position[name] for name in names] + [-1], dtype=np.int64)  # -1 stays -1
    return pd.Categorical.from_codes(remap[values.codes], categories=pd.Index(unique, dtype=dtype))


def labelled_ids(ids: Iterable[object], labels: Iterable[object] | None = None) -> list[str]:
    """``"label (id)"`` where ``labels`` names an id with other text, else the id as text.

    ``labels`` runs beside ``ids`` (the ``<column>_label`` column), or is None for no labels."""
    ids = list(ids)
    names: list[object] = [None] * len(ids) if labels is None else list(labels)
    shown = []
    for ident, label in zip(ids, names, strict=True):
        text = MISSING_ID if _missing(ident) or str(ident) == "" else str(ident)
        named = isinstance(label, str) and label and label != text and text != MISSING_ID
        shown.append(f"{label} ({text})" if named else text)
    return shown


def _floats(values: Any) -> np.ndarray:
    if isinstance(values, pd.Series | pd.api.extensions.ExtensionArray):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(values, dtype="float64")


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)
