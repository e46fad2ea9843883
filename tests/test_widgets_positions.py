"""``FramePositions.filtered`` (integer positions computed once) equals the text-matching
definition of the dashboard's filters on random frames: missing values, tokens repeated or
absent from the rentals, locality-type and date filters, empty results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from smspartner_analytics.frames.arrays import MISSING_ID
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.widgets.positions import FramePositions, parse_dates

_TOKENS = [f"t{i}" for i in range(8)]
_CATEGORIES = st.sampled_from(["102", "103", None])
_DATES = st.sampled_from(["2025-01-15", "2025-02-01T10:00:00+01:00", "not a date", None])
_DAYS = st.sampled_from([None, dt.date(2025, 1, 15), dt.date(2025, 1, 31), dt.date(2025, 2, 1)])


def _isin(column: pd.Series, values: Sequence[str]) -> pd.Series:
    text = column.astype("string")
    mask = text.isin([v for v in values if v != MISSING_ID])
    if MISSING_ID in values:
        mask |= text.isna()
    return mask.fillna(False).astype(bool)


def _by_text(frames: Frames, selection: Mapping[str, Any]) -> Frames:
    """The definition: tokens matched as text (what the dashboard did before positions)."""
    rentals, localisations = frames.rentals, frames.localisations
    mask = pd.Series(True, index=rentals.index)
    for name, value in selection.items():
        if name == "ordered_on":
            dates = parse_dates(rentals[name])
            start, end = value
            if start is not None:
                mask &= (dates >= pd.Timestamp(start)).fillna(False)
            if end is not None:
                mask &= (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).fillna(False)
        elif name != "type":
            mask &= _isin(rentals[name], value)
    if "type" in selection:
        localisations = localisations[_isin(localisations["type"], selection["type"])]
        mask &= rentals["token"].isin(localisations["token"])
    if not mask.all():
        rentals = rentals[mask]
        localisations = localisations[localisations["token"].isin(rentals["token"])]
    return Frames(
        rentals.reset_index(drop=True),
        localisations.reset_index(drop=True),
        frames.errors,
        frames.history,
    )


@st.composite
def _case(draw: st.DrawFn) -> tuple[Frames, dict[str, Any]]:
    unique = draw(st.booleans())
    tokens = draw(st.lists(st.sampled_from(_TOKENS), max_size=6, unique=unique))
    n = len(tokens)
    rentals = pd.DataFrame(
        {
            "token": pd.array(tokens, dtype="string"),
            "category": pd.array(draw(st.lists(_CATEGORIES, min_size=n, max_size=n)), "string"),
            "ordered_on": pd.array(draw(st.lists(_DATES, min_size=n, max_size=n)), "string"),
        }
    )
    places = draw(st.lists(st.tuples(st.sampled_from(_TOKENS), st.sampled_from("ab")), max_size=9))
    localisations = pd.DataFrame(
        {
            "token": pd.array([t for t, _ in places], dtype="string"),
            "type": pd.array([k for _, k in places], dtype="string"),
            "volume_desired": pd.array(range(len(places)), dtype="Int64"),
        }
    )
    selection: dict[str, Any] = {}
    if draw(st.booleans()):
        selection["category"] = draw(st.lists(st.sampled_from(["102", "103", "999", MISSING_ID])))
    if draw(st.booleans()):
        selection["type"] = draw(st.lists(st.sampled_from(["a", "b", MISSING_ID]), min_size=1))
    if draw(st.booleans()):
        selection["ordered_on"] = (draw(_DAYS), draw(_DAYS))
    empty = pd.DataFrame({"token": pd.array([], dtype="string")})
    return Frames(rentals, localisations, empty, empty), selection


@settings(max_examples=300, deadline=None)
@given(case=_case())
def test_positions_filter_like_the_text_definition(case: tuple[Frames, dict[str, Any]]) -> None:
    frames, selection = case
    positions = FramePositions(frames, dates=["ordered_on"])
    got = positions.filtered(selection)
    expected = _by_text(frames, selection)
    assert_frame_equal(got.rentals, expected.rentals)
    assert_frame_equal(got.localisations, expected.localisations)
    again = positions.filtered(selection)  # the codes computed once give the same answer
    assert_frame_equal(again.rentals, expected.rentals)
