"""Aggregates: spend per category and other columns, volume per locality, statuses, over time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from smspartner_analytics.analysis import (
    spend_by,
    spend_by_category,
    spend_over_time,
    status_summary,
    volume_by_location,
)
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import STATUS_LABELS
from smspartner_analytics.frames.coercion import DataWarning
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import flatten, join_metadata


def rental(
    token: str, category: object, quantity: object, total: object, status: object = 5, **loc: Any
) -> dict[str, Any]:
    return {
        "success": True,
        "token": token,
        "status": status,
        "location": {
            "category": category,
            "interest": loc.pop("interest", "14"),
            "sexe": loc.pop("sexe", "femme"),
            "details_localisation": loc.pop("details", []),
            "cost": {"quantity": quantity, "total": total, "cost_unity": "0.090"},
        },
    }


def entry(location: str, desired: int, available: int, type_: str = "cp") -> dict[str, Any]:
    return {"Type": type_, "Location": location, "VolumeDesired": desired, "Volume": available}


@pytest.fixture
def frames() -> Frames:
    answers = [
        rental("a", 102, 10, "0.900", details=[entry("60200", 10, 266), entry("75001", 50, 20)]),
        rental("b", 102, 20, "1.800", status=2, details=[entry("60200", 20, 266)]),
        rental("c", 103, 0, "0.000", status=0, details=[entry("06200", 0, 5)]),
        rental("d", 999, None, None, status="Nouveau statut", interest="12", sexe="homme"),
    ]
    out = flatten(answers)
    meta = {
        "a": {"campaign": "spring", "ordered_on": "2025-01-15"},
        "b": {"campaign": "spring", "ordered_on": "2025-01-30"},
        "c": {"campaign": "autumn", "ordered_on": "2025-03-02"},
        "d": {"campaign": "autumn", "ordered_on": "not a date"},
    }
    out.rentals = join_metadata(out.rentals, meta)
    return out


def test_spend_by_category(frames: Frames) -> None:
    out = spend_by_category(frames.rentals)
    expected = pd.DataFrame(
        {
            "category": ["102", "103", "999"],
            "category_label": ["CSP+", "CSP-", "999"],
            "rentals": pd.array([2, 1, 1], dtype="Int64"),
            "quantity": pd.array([30, 0, 0], dtype="Int64"),
            "cost_total": [2.7, 0.0, 0.0],
            "cost_per_contact": [0.09, float("nan"), float("nan")],
        }
    )
    assert_frame_equal(out, expected, check_dtype=False, check_categorical=False)
    assert out["cost_per_contact"].dtype == "float64"
    assert list(out.columns) == [
        "category",
        "category_label",
        "rentals",
        "quantity",
        "cost_total",
        "cost_per_contact",
    ]


@pytest.mark.parametrize(
    ("by", "first"),
    [("interest", ["14", "Habitation"]), ("sexe", ["femme"]), ("campaign", ["spring"])],
)
def test_spend_by_any_column(frames: Frames, by: str, first: list[str]) -> None:
    out = spend_by(frames.rentals, by)
    assert out.iloc[0, : len(first)].tolist() == first
    assert out["cost_total"].iloc[0] == pytest.approx(2.7)
    assert out["rentals"].sum() == 4


def test_spend_by_several_columns(frames: Frames) -> None:
    out = spend_by(frames.rentals, ["campaign", "category"])
    assert list(out.columns[:3]) == ["campaign", "category", "category_label"]
    assert len(out) == 3


def test_spend_by_an_unknown_column_is_an_input_error(frames: Frames) -> None:
    with pytest.raises(InputError, match="nope"):
        spend_by(frames.rentals, "nope")


def test_volume_by_location(frames: Frames) -> None:
    out = volume_by_location(frames.localisations)
    assert out["location"].tolist() == ["75001", "60200", "06200"]  # shortfall first
    assert out["rentals"].tolist() == [1, 2, 1]
    assert out["volume_desired"].tolist() == [50, 30, 0]
    # 60200: two rentals, each told 266 available: obtained 10 + 20, the pool is 266 (not 532)
    assert out["volume_obtained"].tolist() == [20, 30, 0]
    assert out["volume_available_max"].tolist() == [20, 266, 5]
    assert out["shortfall"].tolist() == [30, 0, 0]
    assert out["share_obtained"].iloc[0] == pytest.approx(0.4)
    assert out["share_obtained"].iloc[1] == pytest.approx(1.0)
    assert pd.isna(out["share_obtained"].iloc[2])  # desired 0: missing, not infinite
    assert list(out.columns) == [
        "type",
        "location",
        "rentals",
        "volume_desired",
        "volume_obtained",
        "shortfall",
        "share_obtained",
        "volume_available_max",
    ]


def overlapping() -> pd.DataFrame:
    """Four rentals in one postcode, each told its own (overlapping) pool, plus one elsewhere."""
    rows = [
        ("t1", "cp", "06200", 100, 5000),
        ("t2", "cp", "06200", 300, 250),
        ("t3", "cp", "06200", 40, 4000),
        ("t4", "cp", "06200", 10, 4800),
        ("t5", "dep", "06", 7, 3),
        ("t1", "dep", "06", 20, 9000),
    ]
    frame = pd.DataFrame(
        rows, columns=["token", "type", "location", "volume_desired", "volume_available"]
    )
    for column in ("volume_desired", "volume_available"):
        frame[column] = frame[column].astype("Int64")
    frame["shortfall"] = (frame["volume_desired"] - frame["volume_available"]).clip(lower=0)
    return frame


@pytest.mark.parametrize("by", [("type", "location"), "type", "token", "location"])
def test_no_volume_column_is_a_sum_of_availabilities(by: Any) -> None:
    frame = overlapping()
    out = volume_by_location(frame, by=by)
    keys = [by] if isinstance(by, str) else list(by)
    summed = frame.groupby(keys)["volume_available"].sum()
    several = frame.groupby(keys).size() > 1
    for _, row in out.iterrows():
        key = tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]
        if not several[key]:
            continue  # one row: its own pool is both the sum and the largest
        for column in out.columns.difference(keys):
            assert row[column] != summed[key], f"{column} adds up availabilities for {key}"


def test_volume_obtained_and_shortfall_add_up_per_rental() -> None:
    out = volume_by_location(overlapping()).set_index("location")
    assert out.loc["06200", "volume_desired"] == 450
    assert out.loc["06200", "volume_obtained"] == 100 + 250 + 40 + 10
    assert out.loc["06200", "shortfall"] == 50
    assert out.loc["06200", "volume_available_max"] == 5000
    assert out.loc["06200", "share_obtained"] == pytest.approx(400 / 450)
    assert out.loc["06", "shortfall"] == 4
    assert out.loc["06", "volume_available_max"] == 9000
    # obtained + shortfall == desired on every row
    assert (out["volume_obtained"] + out["shortfall"] == out["volume_desired"]).all()


def test_volume_with_a_missing_availability_counts_it_nowhere() -> None:
    frame = overlapping()
    frame.loc[1, "volume_available"] = pd.NA
    frame.loc[1, "shortfall"] = pd.NA
    out = volume_by_location(frame).set_index("location")
    assert out.loc["06200", "volume_desired"] == 450
    assert out.loc["06200", "volume_obtained"] == 150
    assert out.loc["06200", "share_obtained"] == pytest.approx(1.0)  # of the 150 known


def test_status_summary_has_every_status_in_lifecycle_order(frames: Frames) -> None:
    out = status_summary(frames.rentals)
    assert out["status"].tolist() == list(STATUS_LABELS)
    assert out["rentals"].tolist() == [1, 0, 1, 0, 1, 1]
    assert out["cost_total"].tolist() == pytest.approx([0.0, 0.0, 1.8, 0.0, 0.9, 0.0])


def test_status_summary_of_no_rentals() -> None:
    out = status_summary(flatten([]).rentals)
    assert out["rentals"].tolist() == [0] * len(STATUS_LABELS)


def test_spend_over_time_finds_the_date_column(frames: Frames) -> None:
    with pytest.warns(DataWarning, match=r"'ordered_on': 1 value\(s\).*'not a date'.*31/12/2025"):
        out = spend_over_time(frames.rentals)
    assert [str(p) for p in out["period"]] == ["2025-01", "2025-03"]
    assert out["rentals"].tolist() == [2, 1]
    assert out["cost_total"].tolist() == pytest.approx([2.7, 0.0])


def test_spend_over_time_without_dates_is_an_input_error() -> None:
    rentals = flatten([rental("a", 102, 1, "0.1")]).rentals
    with pytest.raises(InputError, match="date_column="):
        spend_over_time(rentals)


def test_spend_over_time_with_an_unknown_freq_is_an_input_error(frames: Frames) -> None:
    with pytest.raises(InputError, match="freq"):
        spend_over_time(frames.rentals, date_column="ordered_on", freq="fortnight")


def test_no_report_file_holds_a_sum_of_availabilities(tmp_path: Path) -> None:
    """Four rentals in one postcode, each told a different pool: no cell of any report file
    (CSVs and workbook) is their sum, whatever the table."""
    from smspartner_analytics.report.writer import write_report

    pools = [5001, 257, 4003, 4809]  # sum 14,070: a number no honest column can reach
    answers = [
        rental(f"t{i}", 102, 10, "0.900", details=[entry("06200", 100 * (i + 1), pool)])
        for i, pool in enumerate(pools)
    ]
    written = write_report(flatten(answers), tmp_path, charts=False, xlsx=True)
    cells: list[str] = []
    for path in written:
        if path.suffix == ".csv":
            cells += path.read_text(encoding="utf-8").replace("\n", ",").split(",")
        elif path.suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            cells += [
                str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row
            ]
    assert "5001" in cells, "the test reads the files the pools are in"
    assert not [c for c in cells if c.strip() in {"14070", "14070.0"}]
