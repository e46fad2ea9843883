"""Lead times on a hand-built history whose observation times are known to the minute."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import smspartner_analytics as sa
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import AnswerRecord, Outcome, TokenEntry
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.leadtimes import lead_time_summary, lead_times_in_seconds
from smspartner_analytics.store.db import Store

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _minutes(value: object) -> float | None:
    if value is pd.NaT:
        return None
    assert isinstance(value, pd.Timedelta)
    return value.total_seconds() / 60


#: token -> [(minute, outcome, status)]
HISTORY: dict[str, list[tuple[float, str, str | None]]] = {
    # asked at 0, 30, 60 (processing), 90 (ready), 150 (ready), 240 (downloaded)
    "a": [
        (0, Outcome.OK, "requested"),
        (30, Outcome.OK, "processing"),
        (60, Outcome.OK, "processing"),
        (90, Outcome.OK, "ready"),
        (150, Outcome.OK, "ready"),
        (240, Outcome.OK, "downloaded"),
    ],
    # a failed request in between is not an observation; seen downloaded without ready
    "b": [
        (10, Outcome.OK, "requested"),
        (20, Outcome.SERVER_ERROR, None),
        (70, Outcome.OK, "downloaded"),
    ],
    # first seen already ready: no to_ready bounds; still ready: no download bounds
    "c": [(0, Outcome.OK, "ready"), (60, Outcome.OK, "ready")],
    # failed: never ready
    "d": [(0, Outcome.OK, "requested"), (45, Outcome.OK, "failed")],
    # never answered with a status: not in the table
    "e": [(0, Outcome.NOT_FOUND, None)],
}
CATEGORY = {"a": "x", "b": "x", "c": "y", "d": "y"}


def _history() -> pd.DataFrame:
    from smspartner_analytics.frames.flattening import _history_frame

    records = [
        AnswerRecord(token, _at(m), outcome, status=status)
        for token, rows in HISTORY.items()
        for m, outcome, status in rows
    ]
    return _history_frame(records[::-1])  # order must not matter


def test_first_seen_per_status_and_bounds() -> None:
    table = sa.lead_times(_history()).set_index("token")
    assert list(table.index) == ["a", "b", "c", "d"]
    a = table.loc["a"]
    assert a["status"] == "downloaded"
    assert a["answers"] == 6
    assert a["first_seen_requested"] == pd.Timestamp(_at(0))
    assert a["first_seen_processing"] == pd.Timestamp(_at(30))
    assert a["first_seen_ready"] == pd.Timestamp(_at(90))
    assert a["first_seen_downloaded"] == pd.Timestamp(_at(240))
    assert pd.isna(a["first_seen_failed"])
    # became ready after minute 60 (last seen processing) and by minute 90 (first seen ready)
    assert (_minutes(a["to_ready_low"]), _minutes(a["to_ready_high"])) == (60, 90)
    assert _minutes(a["to_ready_resolution"]) == 30
    # from first seen ready (90) to downloaded: after 150, by 240
    assert (_minutes(a["ready_to_downloaded_low"]), _minutes(a["ready_to_downloaded_high"])) == (
        60,
        150,
    )
    assert _minutes(a["ready_to_downloaded_resolution"]) == 90


def test_downloaded_proves_ready_and_failures_are_not_observations() -> None:
    table = sa.lead_times(_history()).set_index("token")
    b = table.loc["b"]
    assert b["answers"] == 2
    assert (_minutes(b["to_ready_low"]), _minutes(b["to_ready_high"])) == (0, 60)
    assert _minutes(b["ready_to_downloaded_low"]) is None  # never seen ready


def test_unobserved_transitions_stay_missing() -> None:
    table = sa.lead_times(_history()).set_index("token")
    c, d = table.loc["c"], table.loc["d"]
    assert _minutes(c["to_ready_low"]) is None
    assert _minutes(c["to_ready_high"]) is None
    assert _minutes(c["ready_to_downloaded_high"]) is None
    assert d["status"] == "failed"
    assert d["first_seen_failed"] == pd.Timestamp(_at(45))
    assert _minutes(d["to_ready_high"]) is None


def test_dtypes_and_empty_history() -> None:
    table = sa.lead_times(_history())
    assert str(table["to_ready_low"].dtype) == "timedelta64[ns]"
    assert str(table["first_seen_ready"].dtype) == "datetime64[ns, UTC]"
    empty = sa.lead_times(_history().iloc[0:0])
    assert empty.empty
    assert list(empty.columns) == list(table.columns)
    assert str(empty["to_ready_high"].dtype) == "timedelta64[ns]"


def test_summary_median_and_p90_are_intervals_per_group() -> None:
    table = sa.lead_times(_history())
    rentals = pd.DataFrame({"token": list(CATEGORY), "category": list(CATEGORY.values())})
    summary = lead_time_summary(table, rentals, by="category").set_index("category")
    assert list(summary.index) == ["x"]  # y has no rental with to_ready bounds
    x = summary.loc["x"]
    assert x["rentals"] == 2
    # a: [60, 90], b: [0, 60] -> median of lows 30, of highs 75
    assert (_minutes(x["median_low"]), _minutes(x["median_high"])) == (30, 75)
    assert (_minutes(x["p90_low"]), _minutes(x["p90_high"])) == pytest.approx((54, 87))
    assert _minutes(x["resolution_median"]) == 45


def test_summary_by_unknown_column_is_an_input_error() -> None:
    table = sa.lead_times(_history())
    with pytest.raises(InputError, match="campaign"):
        lead_time_summary(table, None, by="campaign")
    with pytest.raises(InputError, match="transition"):
        lead_time_summary(table, None, by="status", transition="sideways")


def test_from_a_real_store_through_load_frames(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Rentrée"})])
        for m, outcome, status in HISTORY["a"]:
            code = {"requested": 0, "processing": 1, "ready": 2, "downloaded": 5}[str(status)]
            body = json.dumps({"success": True, "token": "a", "status": code, "location": {}})
            store.record(AnswerRecord("a", _at(m), outcome, 200, body, status=status))
        frames = load_frames(store)
    table = sa.lead_times(frames.history)
    summary = lead_time_summary(table, frames.rentals, by="campaign")
    assert summary["campaign"].tolist() == ["Rentrée"]
    assert _minutes(summary["median_high"].iloc[0]) == 90


def test_plot_draws_both_bounds_as_cumulative_curves() -> None:
    from matplotlib.figure import Figure

    from smspartner_analytics.leadtime_plots import plot_lead_times

    ax = Figure().subplots()
    out = sa.plot_lead_times(sa.lead_times(_history()), ax=ax)
    assert out is ax
    low, high = (line for line in ax.get_lines() if str(line.get_label()).startswith("if every"))
    # a: [60, 90] and b: [0, 60] minutes -> the axis is in minutes
    assert np.asarray(low.get_xdata()).tolist() == [0, 0, 60]
    assert np.asarray(high.get_xdata()).tolist() == [0, 60, 90]
    assert np.asarray(high.get_ydata()).tolist() == [0, 0.5, 1.0]
    assert "minutes" in ax.get_xlabel()
    assert "2 rentals" in ax.get_title()
    empty = plot_lead_times(sa.lead_times(_history()), transition="ready_to_downloaded", ax=ax)
    assert "1 rentals" in empty.get_title()
    with pytest.raises(InputError, match="transition"):
        plot_lead_times(sa.lead_times(_history()), transition="nope", ax=ax)


def test_seconds_for_people_keep_the_interval_around_the_truth() -> None:
    table = pd.DataFrame(
        {
            "token": ["z"],
            "to_ready_low": pd.to_timedelta(["0 days 00:00:59.6"]),
            "to_ready_high": pd.to_timedelta(["0 days 00:02:00.2"]),
            "to_ready_resolution": pd.to_timedelta(["0 days 00:01:00.6"]),
            "ready_to_downloaded_low": pd.Series([pd.NaT], dtype="timedelta64[ns]"),
            "ready_to_downloaded_high": pd.Series([pd.NaT], dtype="timedelta64[ns]"),
            "ready_to_downloaded_resolution": pd.Series([pd.NaT], dtype="timedelta64[ns]"),
        }
    )
    out = lead_times_in_seconds(table).iloc[0]
    assert (out["to_ready_low_seconds"], out["to_ready_high_seconds"]) == (59, 121)  # floor, ceil
    assert out["to_ready_resolution_seconds"] == 62
    assert out["ready_to_downloaded_low_seconds"] is pd.NA


def test_the_report_writes_lead_times_and_history(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        for token in ("a", "d"):
            for m, outcome, status in HISTORY[token]:
                code = {"requested": 0, "processing": 1, "ready": 2, "downloaded": 5, "failed": 3}
                body = json.dumps(
                    {"success": True, "token": token, "status": code[str(status)], "location": {}}
                )
                store.record(AnswerRecord(token, _at(m), outcome, 200, body, status=status))
        frames = load_frames(store)
    written = {p.name for p in sa.write_report(frames, tmp_path / "out", charts=False)}
    assert {"lead_times.csv", "history.csv"} <= written
    history = pd.read_csv(tmp_path / "out" / "history.csv")
    assert len(history) == len(HISTORY["a"]) + len(HISTORY["d"])
    assert history["status"].tolist()[:3] == ["requested", "processing", "processing"]
    waits = pd.read_csv(tmp_path / "out" / "lead_times.csv").set_index("token")
    assert waits.loc["a", "to_ready_low_seconds"] == 3600
    assert waits.loc["a", "to_ready_high_seconds"] == 5400
    assert waits.loc["a", "to_ready_resolution_seconds"] == 1800
    assert str(waits.loc["a", "first_seen_ready"]).startswith("2026-03-02T10:30:00")
    assert waits["to_ready_high_seconds"].isna().loc["d"]
