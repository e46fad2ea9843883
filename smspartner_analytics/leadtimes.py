"""How long rentals wait, from the store's history: ``lead_times`` and ``lead_time_summary``.

A status is only known when someone asks, so a change of status is never seen happening: it
happened after the last answer that still showed the old status and at or before the first answer
that showed the new one. Every duration here is therefore an interval, given by its lower and
upper bound, and its resolution (upper minus lower: the gap between those two answers). Nothing
is interpolated: a rental asked once a day has a one-day resolution, and says so.

Durations are measured from the first answer that showed the starting status (the rental may
have been in it before anyone asked; that earlier time is unknown and not counted):

- ``to_ready``: from the first answer showing it waiting (``requested`` or ``processing``) to
  becoming ready. An answer showing ``downloaded`` also proves it had been ready.
- ``ready_to_downloaded``: from the first answer showing it ``ready`` to being downloaded.

Lower bound: last answer in the old status minus the start. Upper bound: first answer in the new
status minus the start. A rental never seen in the starting status, or not yet seen in the new
one, has no bounds for that transition (missing, never guessed).
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd

from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import STATUS_LABELS, Outcome
from smspartner_analytics.frames.arrays import MISSING_ID
from smspartner_analytics.frames.dtypes import STATUS_DTYPE, TEXT, TIMESTAMP

__all__ = [
    "LEAD_TIME_COLUMNS",
    "TRANSITIONS",
    "lead_time_summary",
    "lead_times",
    "lead_times_in_seconds",
]

_SEEN: Final[tuple[str, ...]] = tuple(s for s in STATUS_LABELS if s != "unknown")
#: transition name -> (statuses it starts from, statuses that prove it happened)
TRANSITIONS: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "to_ready": (frozenset({"requested", "processing"}), frozenset({"ready", "downloaded"})),
    "ready_to_downloaded": (frozenset({"ready"}), frozenset({"downloaded"})),
}
_BOUNDS: Final[tuple[str, ...]] = ("low", "high", "resolution")
#: Columns of ``lead_times``, in order.
LEAD_TIME_COLUMNS: Final[tuple[str, ...]] = (
    "token",
    "status",
    "answers",
    *(f"first_seen_{s}" for s in _SEEN),
    *(f"{t}_{b}" for t in TRANSITIONS for b in _BOUNDS),
)
_TIMEDELTA: Final = "timedelta64[ns]"


def lead_times(history: pd.DataFrame) -> pd.DataFrame:
    """One row per rental seen with a status in ``history`` (``Frames.history``).

    Columns: ``token``; ``status`` (the latest seen); ``answers`` (successful answers read);
    ``first_seen_<status>`` for every status (UTC, missing when never seen); and for each
    transition (``to_ready``, ``ready_to_downloaded``) ``_low`` and ``_high`` (bounds of the
    duration, ``Timedelta``) and ``_resolution`` (``high - low``). See the module docstring for
    exactly what is measured. Answers that are not successes are ignored.
    """
    missing = {"token", "fetched_at", "outcome", "status"} - set(history.columns)
    if missing:
        raise InputError(
            f"lead_times needs Frames.history (columns token, fetched_at, outcome, status); "
            f"missing: {', '.join(sorted(missing))}."
        )
    seen = history[(history["outcome"] == Outcome.OK) & history["status"].isin(_SEEN)]
    seen = seen[seen["token"].notna()].sort_values(["token", "fetched_at"], kind="stable")
    # one pass over sorted arrays: rows of a rental are contiguous, in time order
    tokens = seen["token"].to_numpy(dtype=object)
    n = len(tokens)
    new_group = np.ones(n, dtype=bool)
    if n:
        new_group[1:] = tokens[1:] != tokens[:-1]
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    ends = np.append(starts[1:], n)[: len(starts)] - 1
    times = seen["fetched_at"].astype(TIMESTAMP).array.asi8
    labels = np.asarray(STATUS_DTYPE.categories, dtype=object)
    codes = np.asarray(seen["status"].cat.codes.to_numpy(), dtype=np.int64)
    data: dict[str, Any] = {
        "token": pd.array(tokens[starts], dtype=TEXT),
        "status": pd.Categorical(labels[codes[ends]], dtype=STATUS_DTYPE),
        "answers": pd.array(ends - starts + 1, dtype="Int64"),
    }
    for status in _SEEN:
        first = _first_per_group(group, codes == _code(status), len(starts))
        data[f"first_seen_{status}"] = _at(times, first, TIMESTAMP)
    positions = np.arange(n)
    for name, (start_in, end_in) in TRANSITIONS.items():
        in_start = np.isin(codes, [_code(s) for s in start_in])
        in_end = np.isin(codes, [_code(s) for s in end_in])
        start = _first_per_group(group, in_start, len(starts))
        start_row = start[group] if n else start
        # first answer in the new status after the start
        end = _first_per_group(
            group, in_end & (start_row >= 0) & (positions > start_row), len(starts)
        )
        end_row = end[group] if n else end
        # last answer in the old status before that one
        last = _last_per_group(
            group, in_start & (end_row >= 0) & (positions < end_row), len(starts)
        )
        has = end >= 0
        low = np.where(has, times[last] - times[start], np.iinfo(np.int64).min)
        high = np.where(has, times[end] - times[start], np.iinfo(np.int64).min)
        resolution = np.where(has, high - low, np.iinfo(np.int64).min)
        for bound, values in zip(_BOUNDS, (low, high, resolution), strict=True):
            data[f"{name}_{bound}"] = pd.array(values.view(_TIMEDELTA))
    return pd.DataFrame(data, columns=list(LEAD_TIME_COLUMNS))


def _code(status: str) -> int:
    return list(STATUS_DTYPE.categories).index(status)


def _first_per_group(group: np.ndarray, mask: np.ndarray, groups: int) -> np.ndarray:
    """Position of the first ``mask`` row of each group (-1 where none); ``group`` is sorted."""
    out = np.full(groups, -1, dtype=np.int64)
    where = np.flatnonzero(mask)
    owners = group[where]
    first = np.flatnonzero(np.diff(owners, prepend=-1))  # where a new group starts
    out[owners[first]] = where[first]
    return out


def _last_per_group(group: np.ndarray, mask: np.ndarray, groups: int) -> np.ndarray:
    """Position of the last ``mask`` row of each group (-1 where none); ``group`` is sorted."""
    out = np.full(groups, -1, dtype=np.int64)
    where = np.flatnonzero(mask)
    owners = group[where]
    last = np.flatnonzero(np.diff(owners, append=groups))  # where a group ends
    out[owners[last]] = where[last]
    return out


def _at(times: np.ndarray, rows: np.ndarray, dtype: Any) -> Any:
    """``times[rows]`` as a ``dtype`` array, missing where ``rows`` is -1."""
    values = np.where(rows >= 0, times[rows] if len(times) else rows, np.iinfo(np.int64).min)
    return pd.Series(values.view("datetime64[ns]")).dt.tz_localize("UTC").astype(dtype).array


def lead_times_in_seconds(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (:func:`lead_times`) with each duration as whole seconds, for files people open.

    Columns ``<transition>_low`` / ``_high`` / ``_resolution`` become ``..._seconds`` integers;
    lower bounds are rounded down and upper bounds up, so the interval still holds the truth.
    """
    out = table.copy()
    for name in TRANSITIONS:
        low = out.pop(f"{name}_low").dt.total_seconds()
        high = out.pop(f"{name}_high").dt.total_seconds()
        out.pop(f"{name}_resolution")
        low_s = pd.array(np.floor(low.to_numpy(dtype=float)), dtype="Float64").astype("Int64")
        high_s = pd.array(np.ceil(high.to_numpy(dtype=float)), dtype="Float64").astype("Int64")
        out[f"{name}_low_seconds"] = low_s
        out[f"{name}_high_seconds"] = high_s
        out[f"{name}_resolution_seconds"] = high_s - low_s
    return out


def lead_time_summary(
    table: pd.DataFrame,
    rentals: pd.DataFrame | None = None,
    *,
    by: str = "category",
    transition: str = "to_ready",
) -> pd.DataFrame:
    """Median and 90th percentile of one transition's duration per group of rentals.

    ``table`` is :func:`lead_times`; ``by`` is any column of ``table`` or of ``rentals``
    (``Frames.rentals``: ``category``, ``campaign`` or another metadata column, joined on
    ``token``). Since each duration is an interval, each statistic is one too: the true median
    lies between ``median_low`` (the median of the lower bounds) and ``median_high`` (of the
    upper bounds), and the same for ``p90``. ``rentals`` counts the rentals with bounds;
    ``resolution_median`` is their typical observation gap. Rows sorted by ``median_high``.
    """
    if transition not in TRANSITIONS:
        raise InputError(f"transition must be one of {', '.join(TRANSITIONS)}, not {transition!r}.")
    frame = table
    if by not in frame.columns:
        if rentals is None or by not in rentals.columns:
            raise InputError(
                f"No column {by!r} in the lead times or the rentals: pass Frames.rentals and "
                "a column it has (category, campaign, ...)."
            )
        frame = frame.merge(rentals[["token", by]], on="token", how="left")
    low, high = f"{transition}_low", f"{transition}_high"
    known = frame[frame[low].notna() & frame[high].notna()]
    columns = [by, "rentals", "median_low", "median_high", "p90_low", "p90_high"]
    if known.empty:
        return pd.DataFrame(
            {c: pd.Series([], dtype=_dtype(c)) for c in [*columns, "resolution_median"]}
        )
    groups = known.groupby(known[by].astype("object").fillna(MISSING_ID), sort=False, observed=True)
    out = pd.DataFrame(
        {
            "rentals": groups.size().astype("Int64"),
            "median_low": groups[low].median(),
            "median_high": groups[high].median(),
            "p90_low": groups[low].quantile(0.9),
            "p90_high": groups[high].quantile(0.9),
            "resolution_median": groups[f"{transition}_resolution"].median(),
        }
    )
    out.index.name = by
    out = out.reset_index().sort_values("median_high", ascending=False, kind="stable")
    return out.reset_index(drop=True)


def _dtype(column: str) -> Any:
    if column == "rentals":
        return "Int64"
    if column.startswith(("median", "p90", "resolution")):
        return _TIMEDELTA
    return np.dtype("object")
