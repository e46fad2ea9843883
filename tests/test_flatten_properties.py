"""Property-based: arbitrary JSON-like shapes thrown at flatten() never make it raise."""

from __future__ import annotations

import math
import warnings
from typing import Any

from helpers import ANSWER, JSON
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smspartner_analytics.core.schema import (
    ERROR_COLUMNS,
    LOCALISATION_COLUMNS,
    RENTAL_COLUMNS,
    STATUS_LABELS,
)
from smspartner_analytics.frames.flattening import flatten


def _check(answers: list[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = flatten(answers)
    assert tuple(frames.rentals.columns) == RENTAL_COLUMNS
    assert tuple(frames.localisations.columns) == LOCALISATION_COLUMNS
    assert tuple(frames.errors.columns) == ERROR_COLUMNS
    assert len(frames.rentals) + len(frames.errors) == len(answers)
    assert set(frames.rentals["status"].astype(str)) <= set(STATUS_LABELS)
    assert frames.rentals["min_age"].dtype == "Int64"
    assert frames.localisations["shortfall"].dropna().ge(0).all()
    coverage = frames.localisations["coverage"].dropna()
    assert all(not math.isinf(v) for v in coverage)
    assert frames.rentals["cost_total"].dtype == "float64"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(JSON, max_size=5))
def test_arbitrary_json_values_never_raise(answers: list[Any]) -> None:
    _check(answers)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANSWER, max_size=5))
def test_answer_shaped_dicts_with_random_types_never_raise(answers: list[Any]) -> None:
    _check(answers)
