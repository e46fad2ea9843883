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

from collections.abc import Sequence
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
    seen = seen.sort_values(["token", "fetched_at"], kind="stable")
    rows = [_one_rental(str(token), group) for token, group in seen.groupby("token", sort=False)]
    return _table(rows)


def _one_rental(token: str, group: pd.DataFrame) -> dict[str, Any]:
    times = group["fetched_at"].tolist()
    statuses = [str(s) for s in group["status"].tolist()]
    row: dict[str, Any] = {"token": token, "status": statuses[-1], "answers": len(statuses)}
    for status in _SEEN:
        row[f"first_seen_{status}"] = next(
            (t for t, s in zip(times, statuses, strict=True) if s == status), pd.NaT
        )
    for name, (start_in, end_in) in TRANSITIONS.items():
        low, high = _bounds(times, statuses, start_in, end_in)
        row[f"{name}_low"], row[f"{name}_high"] = low, high
        row[f"{name}_resolution"] = high - low
    return row


def _bounds(
    times: Sequence[pd.Timestamp], statuses: Sequence[str], start_in: frozenset[str],
    end_in: frozenset[str],
) -> tuple[Any, Any]:  # fmt: skip
    """(lower, upper) bound of the time from the first answer in ``start_in`` to ``end_in``."""
    start = next((i for i, s in enumerate(statuses) if s in start_in), None)
    if start is None:
        return pd.NaT, pd.NaT
    end = next((i for i in range(start + 1, len(statuses)) if statuses[i] in end_in), None)
    if end is None:
        return pd.NaT, pd.NaT
    last_before = max(i for i in range(start, end) if statuses[i] in start_in)
    return times[last_before] - times[start], times[end] - times[start]


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for column in LEAD_TIME_COLUMNS:
        values: list[Any] = [row[column] for row in rows]
        if column == "token":
            data[column] = pd.array(values, dtype=TEXT)
        elif column == "status":
            data[column] = pd.Categorical(values, dtype=STATUS_DTYPE)
        elif column == "answers":
            data[column] = pd.array(values, dtype="Int64")
        elif column.startswith("first_seen_"):
            data[column] = pd.Series(pd.to_datetime(values, utc=True), dtype=TIMESTAMP).array
        else:
            data[column] = pd.Series(pd.to_timedelta(values), dtype=_TIMEDELTA).array
    return pd.DataFrame(data, columns=list(LEAD_TIME_COLUMNS))


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
