"""The shared column helpers: safe_divide, relabel_categories, labelled_ids."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smspartner_analytics.frames.arrays import (
    MISSING_ID,
    labelled_ids,
    relabel_categories,
    safe_divide,
)


def test_safe_divide_is_missing_where_the_denominator_is_zero_or_missing() -> None:
    num = pd.array([1, 2, 3, None, 5], dtype="Int64")
    den = pd.array([4, 0, None, 2, -1], dtype="Int64")
    out = safe_divide(num, den)
    assert out.dtype == np.float64
    assert out[0] == 0.25
    assert np.isnan(out[1:]).all()  # 0, missing, missing numerator, negative: never inf


def test_safe_divide_takes_series_and_plain_arrays() -> None:
    out = safe_divide(pd.Series([3.0, 1.0]), np.array([2, 0]))
    assert out[0] == 1.5
    assert np.isnan(out[1])


def test_relabel_merges_categories_that_become_equal_and_keeps_missing() -> None:
    values = pd.Categorical([" CP", "cp", None, "Dep", "cp"])
    out = relabel_categories(values, lambda c: str(c).strip().lower(), dtype="str")
    assert list(out.categories) == ["cp", "dep"]
    assert [None if pd.isna(v) else v for v in out] == ["cp", "cp", None, "dep", "cp"]


def test_labelled_ids() -> None:
    ids = ["102", "999", None, "", "7"]
    labels = ["CSP+", "999", None, "x", ""]
    assert labelled_ids(ids, labels) == ["CSP+ (102)", "999", MISSING_ID, MISSING_ID, "7"]
    assert labelled_ids(pd.Series([np.nan, 3], dtype="object")) == [MISSING_ID, "3"]
