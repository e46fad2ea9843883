"""Filtering a set of frames many times, fast: integer positions computed once per frames.

A dashboard filters the same frames again on every change. Matching tokens as text each time
(``Series.isin`` of a million tokens) took seconds at a million rentals, so :class:`FramePositions`
computes once which rental row each locality row belongs to, each filter column as integer codes
and each date column parsed; a filter change is then a few NumPy masks and one ``take`` per
frame. ``FramePositions(frames).filtered(selection)`` equals the text-matching definition
(``tests/test_widgets_positions.py`` compares both on random frames).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from smspartner_analytics.frames.arrays import MISSING_ID
from smspartner_analytics.frames.dates import read_dates
from smspartner_analytics.frames.dtypes import Frames

__all__ = ["FramePositions", "date_mask", "parse_dates"]


class FramePositions:
    """Positions and codes of ``frames`` for :meth:`filtered` (``dates``: the date filters)."""

    def __init__(self, frames: Frames, *, dates: Sequence[str] = ()) -> None:
        self.frames = frames
        self._dates = frozenset(dates)
        self._codes: dict[tuple[str, str], tuple[np.ndarray, dict[str, int]]] = {}
        self._parsed: dict[str, pd.Series] = {}
        rentals, localisations = frames.rentals, frames.localisations
        tokens = pd.Index(rentals["token"]) if "token" in rentals.columns else None
        #: the rental row of each locality row (-1: none); None when tokens are not unique
        self.owner: np.ndarray | None = None
        if tokens is not None and tokens.is_unique and "token" in localisations.columns:
            self.owner = np.asarray(tokens.get_indexer(localisations["token"]), dtype=np.int64)

    def filtered(self, selection: Mapping[str, Any]) -> Frames:
        """The frames with rentals kept by every filter of ``selection`` (a select's values, or
        a date filter's ``(start, end)``), localisations of the kept rentals (and of the
        ``type`` filter's locality types); errors and history unchanged."""
        frames = self.frames
        rentals, localisations = frames.rentals, frames.localisations
        mask = np.ones(len(rentals), dtype=bool)
        for name, value in selection.items():
            if name == "type":
                continue
            if name in self._dates:
                mask &= date_mask(self._dates_of(name), *value)
            else:
                mask &= self._isin("rentals", rentals, name, value)
        places: np.ndarray | None = None
        if "type" in selection:
            places = self._isin("localisations", localisations, "type", selection["type"])
            mask &= self._has_place(places)
        if not mask.all():
            keep = self._of_kept(mask)
            places = keep if places is None else places & keep
            rentals = rentals[mask]
        if places is not None:
            localisations = localisations[places]
        return Frames(
            rentals=rentals.reset_index(drop=True),
            localisations=localisations.reset_index(drop=True),
            errors=frames.errors,
            history=frames.history,
        )

    def _isin(
        self, which: str, frame: pd.DataFrame, name: str, values: Sequence[str]
    ) -> np.ndarray:
        if (which, name) not in self._codes:
            codes, uniques = pd.factorize(frame[name].astype("string"))
            lookup = {str(value): i for i, value in enumerate(uniques)}
            self._codes[which, name] = (np.asarray(codes), lookup)
        codes, lookup = self._codes[which, name]
        wanted = [lookup[v] for v in values if v != MISSING_ID and v in lookup]
        if MISSING_ID in values:
            wanted.append(-1)  # factorize's code for a missing value
        return np.isin(codes, wanted)

    def _dates_of(self, name: str) -> pd.Series:
        if name not in self._parsed:
            self._parsed[name] = parse_dates(self.frames.rentals[name])
        return self._parsed[name]

    def _has_place(self, places: np.ndarray) -> np.ndarray:
        """Rentals with at least one of the locality rows in ``places``."""
        rentals, localisations = self.frames.rentals, self.frames.localisations
        if self.owner is None:
            kept = localisations["token"][places]
            return np.asarray(rentals["token"].isin(kept).fillna(False), dtype=bool)
        has = np.zeros(len(rentals) + 1, dtype=bool)  # the last slot takes the owner-less rows
        has[self.owner[places]] = True
        return has[:-1]

    def _of_kept(self, mask: np.ndarray) -> np.ndarray:
        """Locality rows whose rental is kept by ``mask``."""
        rentals, localisations = self.frames.rentals, self.frames.localisations
        if self.owner is None:
            kept = rentals["token"][mask]
            return np.asarray(localisations["token"].isin(kept).fillna(False), dtype=bool)
        kept_rows: np.ndarray = np.append(mask, False)[self.owner]
        return kept_rows


def parse_dates(column: pd.Series) -> pd.Series:
    """``column`` as naive UTC timestamps (NaT where it holds no date), read as the analysis
    reads it: ``frames.dates.read_dates`` (ISO, or ``31/12/2025`` day first), without warning."""
    return read_dates(column, warn=False)


def date_mask(dates: pd.Series, start: dt.date | None, end: dt.date | None) -> np.ndarray:
    """Rows of parsed ``dates`` from ``start`` to ``end`` included (None: an open end)."""
    mask = np.ones(len(dates), dtype=bool)
    if start is not None:
        mask &= (dates >= pd.Timestamp(start)).fillna(False).to_numpy(dtype=bool)
    if end is not None:
        mask &= (
            (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)
        )
    return mask
