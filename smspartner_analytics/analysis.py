"""Aggregates over the frames: each a plain DataFrame in, a plain DataFrame out.

``spend_by`` / ``spend_by_category``: rentals, quantity and spend per category (or any column);
``volume_by_location``: desired versus available contacts per locality; ``status_summary``: rentals
and spend per status; ``spend_over_time``: spend per month (or any period) of a date column that
came with the tokens. Column names are those of ``docs/data-dictionary.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import RENTAL_COLUMNS
from smspartner_analytics.frames.dtypes import STATUS_DTYPE

__all__ = [
    "DATE_COLUMN_NAMES",
    "spend_by",
    "spend_by_category",
    "spend_over_time",
    "status_summary",
    "volume_by_location",
]

#: Metadata column names tried, in order, when ``spend_over_time`` is given no ``date_column``.
DATE_COLUMN_NAMES: Final[tuple[str, ...]] = (
    "ordered_on",
    "ordered_at",
    "order_date",
    "date",
    "placed_on",
    "created_at",
    "created_on",
)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} needs the column(s) {', '.join(missing)}: pass the frame from "
            "flatten() or load_frames() (frames.rentals / frames.localisations)."
        )


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as float64, missing (not infinite) where den is 0 or missing."""
    n = num.to_numpy(dtype="float64", na_value=np.nan)
    d = den.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(n), np.nan)
    np.divide(n, d, out=out, where=d > 0)
    return pd.Series(out, index=num.index, dtype="float64")


def spend_by(rentals: pd.DataFrame, by: str | Sequence[str] = "category") -> pd.DataFrame:
    """Rentals, quantity, spend and spend per contact per value of ``by`` (most spent first).

    ``by`` is any column or list of columns: ``category``, ``interest``, ``sexe``, ``status``, a
    metadata column such as ``campaign``... For a column with labels (``category``,
    ``interest``), the label column follows it. Missing values form their own group.
    Columns: ``*by``, [``<by>_label``], rentals, quantity, cost_total, cost_per_contact.
    """
    keys = [by] if isinstance(by, str) else list(by)
    _require(rentals, [*keys, "token", "quantity", "cost_total"], "spend_by")
    labels = [f"{k}_label" for k in keys if f"{k}_label" in rentals.columns]
    groups = [*keys, *labels]
    grouped = rentals.groupby(groups, dropna=False, observed=True, sort=True)
    out = grouped.agg(
        rentals=("token", "size"),
        quantity=("quantity", "sum"),
        cost_total=("cost_total", "sum"),
    ).reset_index()
    order = [c for k in keys for c in (k, f"{k}_label") if c in groups]
    out = out[[*order, "rentals", "quantity", "cost_total"]]
    out["rentals"] = out["rentals"].astype("Int64")
    out["quantity"] = out["quantity"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    out["cost_per_contact"] = _ratio(out["cost_total"], out["quantity"])
    return out.sort_values(["cost_total", "rentals"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def spend_by_category(rentals: pd.DataFrame) -> pd.DataFrame:
    """Columns: category, category_label, rentals, quantity, cost_total, cost_per_contact."""
    return spend_by(rentals, "category")


def volume_by_location(
    localisations: pd.DataFrame, by: str | Sequence[str] = ("type", "location")
) -> pd.DataFrame:
    """Desired versus available contacts per locality, summed over all rentals.

    Columns: ``*by`` (default type, location), rentals (distinct tokens), volume_desired,
    volume_available (each rental's own answer, summed), shortfall (the rentals' shortfalls
    summed), coverage (available / desired, missing when desired is 0). Largest shortfall first,
    then largest desired volume.
    """
    keys = [by] if isinstance(by, str) else list(by)
    cols = ["token", "volume_desired", "volume_available", "shortfall"]
    _require(localisations, [*keys, *cols], "volume_by_location")
    grouped = localisations.groupby(keys, dropna=False, observed=True, sort=True)
    out = grouped.agg(
        rentals=("token", "nunique"),
        volume_desired=("volume_desired", "sum"),
        volume_available=("volume_available", "sum"),
        shortfall=("shortfall", "sum"),
    ).reset_index()
    for name in ("rentals", "volume_desired", "volume_available", "shortfall"):
        out[name] = out[name].astype("Int64")
    out["coverage"] = _ratio(out["volume_available"], out["volume_desired"])
    out = out.sort_values(["shortfall", "volume_desired"], ascending=False, kind="stable")
    return out.reset_index(drop=True)


def status_summary(rentals: pd.DataFrame) -> pd.DataFrame:
    """Rentals and spend per status: every status, in lifecycle order, zeros included.

    Columns: status, rentals, cost_total. The six rows are always there, so tables and charts
    keep the same shape from one report to the next.
    """
    _require(rentals, ["status", "cost_total"], "status_summary")
    status = rentals["status"].astype(STATUS_DTYPE)
    grouped = rentals["cost_total"].groupby(status, observed=False)
    out = pd.DataFrame(
        {
            "status": pd.Categorical(list(STATUS_DTYPE.categories), dtype=STATUS_DTYPE),
            "rentals": grouped.size().reindex(STATUS_DTYPE.categories, fill_value=0).to_numpy(),
            "cost_total": grouped.sum().reindex(STATUS_DTYPE.categories, fill_value=0.0).to_numpy(),
        }
    )
    out["rentals"] = out["rentals"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    return out


def _date_column(rentals: pd.DataFrame) -> str:
    extra = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
    lowered = {c.lower(): c for c in extra}
    for name in DATE_COLUMN_NAMES:
        if name in lowered:
            return lowered[name]
    for column in extra:
        if "date" in column.lower():
            return column
    raise InputError(
        "No date column among the tokens' metadata (tried "
        f"{', '.join(DATE_COLUMN_NAMES)}): pass date_column='...' naming the column that holds "
        "each rental's date, or add such a column to the tokens file."
    )


def spend_over_time(
    rentals: pd.DataFrame, *, date_column: str | None = None, freq: str = "M"
) -> pd.DataFrame:
    """Rentals, quantity and spend per period (``freq``: "M" month, "W" week, "D" day, "Q"...).

    ``date_column`` names a date column that came with the tokens; by default the first of
    ``DATE_COLUMN_NAMES`` present (else any metadata column with "date" in its name); none raises
    ``InputError``. Rows whose date cannot be read are left out. Columns: period, rentals,
    quantity, cost_total (periods in time order, empty periods not listed).
    """
    column = date_column or _date_column(rentals)
    _require(rentals, [column, "token", "quantity", "cost_total"], "spend_over_time")
    dates = pd.to_datetime(rentals[column], errors="coerce", utc=True, format="mixed")
    naive = dates.dt.tz_convert("UTC").dt.tz_localize(None)
    try:
        periods = naive.dt.to_period(freq)
    except ValueError:
        raise InputError(
            f"freq={freq!r} is not a period pandas knows: use 'M' (month), 'W', 'D' or 'Q'."
        ) from None
    frame = pd.DataFrame(
        {
            "period": periods,
            "token": rentals["token"],
            "quantity": rentals["quantity"],
            "cost_total": rentals["cost_total"],
        }
    ).dropna(subset=["period"])
    out = (
        frame.groupby("period", sort=True)
        .agg(
            rentals=("token", "size"),
            quantity=("quantity", "sum"),
            cost_total=("cost_total", "sum"),
        )
        .reset_index()
    )
    out["rentals"] = out["rentals"].astype("Int64")
    out["quantity"] = out["quantity"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    return out
