"""The vectorised ``lead_times`` against the per-rental loop it replaced, on random histories.

``reference_lead_times`` below is that loop, kept here only as the definition of the right answer:
the table must match it exactly (columns, dtypes, values, row order).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from smspartner_analytics.core.schema import STATUS_LABELS, AnswerRecord, Outcome
from smspartner_analytics.frames.dtypes import STATUS_DTYPE, TEXT, TIMESTAMP
from smspartner_analytics.frames.flattening import _history_frame
from smspartner_analytics.leadtimes import LEAD_TIME_COLUMNS, TRANSITIONS, lead_times

_SEEN = tuple(s for s in STATUS_LABELS if s != "unknown")
_TIMEDELTA = "timedelta64[ns]"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reference_lead_times(history: pd.DataFrame) -> pd.DataFrame:
    """The former implementation: one Python loop per rental."""
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


_records = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "ab", "B", "é", "z9"]),
        st.integers(min_value=0, max_value=12),  # few distinct minutes: many ties
        st.sampled_from([Outcome.OK, Outcome.OK, Outcome.OK, Outcome.SERVER_ERROR]),
        st.sampled_from([None, *STATUS_LABELS]),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(_records)
def test_same_table_as_the_loop(rows: list[tuple[str, int, str, str | None]]) -> None:
    records = [
        AnswerRecord(token, T0 + timedelta(minutes=m), outcome, status=status)
        for token, m, outcome, status in rows
    ]
    history = _history_frame(records)
    pd.testing.assert_frame_equal(lead_times(history), reference_lead_times(history))


def test_a_long_random_history_matches() -> None:
    import random

    rng = random.Random(7)
    statuses = ["requested", "processing", "ready", "downloaded", "failed", "unknown", None]
    records = [
        AnswerRecord(
            f"t{rng.randrange(300)}",
            T0 + timedelta(seconds=rng.randrange(100_000)),
            rng.choice([Outcome.OK, Outcome.OK, Outcome.NOT_FOUND]),
            status=rng.choice(statuses),
        )
        for _ in range(5_000)
    ]
    history = _history_frame(records)
    table = lead_times(history)
    assert table["to_ready_high"].notna().sum() > 10  # the transitions are exercised
    pd.testing.assert_frame_equal(table, reference_lead_times(history))
