"""The dashboard's filters: which columns get one, their options, and the rows they keep.

:class:`FilterBar` builds one ``SelectMultiple`` per category-like column (status, category,
interest, sexe, metadata with at most :data:`MAX_OPTIONS` values), a pair of ``DatePicker`` per
date column, and a locality-type filter; :meth:`FilterBar.apply` gives the filtered frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from smspartner_analytics.core.schema import RENTAL_COLUMNS, STATUS_LABELS
from smspartner_analytics.frames.arrays import MISSING_ID, labelled_ids
from smspartner_analytics.frames.dates import (
    DATE_ADVICE,
    DateOrder,
    date_order,
    is_date_column,
    read_dates,
)
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.widgets.positions import FramePositions, parse_dates

__all__ = [
    "FILTER_COLUMNS",
    "MAX_OPTIONS",
    "NONE_OPTION",
    "FilterBar",
    "as_date",
    "is_date_column",
    "parse_dates",
]

#: Rental columns offered as filters (when present), then any metadata column.
FILTER_COLUMNS = ("status", "category", "interest", "sexe")
#: A metadata column with more distinct values than this is not offered as a filter.
MAX_OPTIONS = 50
NONE_OPTION = MISSING_ID
#: Wide enough for the longest description ("ordered on, from") so no label is cut.
_DESCRIPTION_STYLE = {"description_width": "initial"}


class FilterBar:
    """The filter widgets for ``frames``; ``widgets`` maps a filter name to its widget."""

    def __init__(self, w: Any, frames: Frames) -> None:
        self._w = w
        self.widgets: dict[str, Any] = {}
        self.dates: dict[str, tuple[Any, Any]] = {}
        #: how each date filter's column reads ``a/b/year`` (decided on the whole column)
        self.orders: dict[str, DateOrder] = {}
        self._boxes: dict[str, Any] = {}
        self._positions: FramePositions | None = None
        rentals = frames.rentals
        metadata = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
        for name in (*FILTER_COLUMNS, *metadata):
            if name not in rentals.columns:
                continue
            if is_date_column(rentals[name]):
                self._add_dates(name)
                self.orders[name] = date_order(rentals[name])
            else:
                options = options_of(rentals, name)
                if 0 < len(options) <= MAX_OPTIONS:
                    self.widgets[name] = self._select(name, options)
        if "type" in frames.localisations.columns:
            options = options_of(frames.localisations, "type")
            if options:
                self.widgets["type"] = self._select("type", options, label="locality type")

    def _select(self, name: str, options: list[tuple[str, str]], *, label: str = "") -> Any:
        w = self._w
        title = w.HTML(f"<b>{label or name.replace('_', ' ')}</b>")
        select = w.SelectMultiple(
            options=options,
            # one row would make the browser draw a "0 selected" drop-down, not a list
            rows=min(max(len(options), 2), 5),
            tooltip=f"{name}: none selected means all; Ctrl/Cmd-click for several",
            layout=w.Layout(width="220px"),
        )
        self._boxes[name] = w.VBox([title, select], layout=w.Layout(margin="0 12px 8px 0"))
        return select

    def _add_dates(self, name: str) -> None:
        w = self._w
        label = name.replace("_", " ")
        start = w.DatePicker(description=f"{label}, from", style=_DESCRIPTION_STYLE)
        end = w.DatePicker(description=f"{label}, to", style=_DESCRIPTION_STYLE)
        self.dates[name] = (start, end)
        self.widgets[name] = w.VBox([start, end], layout=w.Layout(margin="0 12px 8px 0"))

    # --- what the layout and the observers need --------------------------------------------

    def boxes(self) -> list[Any]:
        """One box per filter (a title above each list), in order."""
        return [self._boxes.get(name, widget) for name, widget in self.widgets.items()]

    def value_widgets(self) -> list[Any]:
        """Every widget whose ``value`` is a filter setting."""
        pickers = [picker for pair in self.dates.values() for picker in pair]
        return [w for n, w in self.widgets.items() if n not in self.dates] + pickers

    # --- settings --------------------------------------------------------------------------

    def check(self, name: str, values: Iterable[Any] | None) -> tuple[str, ...]:
        """``values`` for select filter ``name`` as option values; ValueError when unknown."""
        if name not in self.widgets:
            known = ", ".join(self.widgets) or "none"
            raise ValueError(f"no filter named {name!r}; the filters are: {known}")
        wanted = tuple(str(v) for v in values or ())
        allowed = {value for _label, value in self.widgets[name].options}
        unknown = [v for v in wanted if v not in allowed]
        if unknown:
            raise ValueError(f"filter {name!r} has no option {', '.join(map(repr, unknown))}")
        return wanted

    def apply(self, frames: Frames) -> Frames:
        """The frames as filtered: rentals by every filter, localisations by the remaining
        tokens (and the locality type filter); errors and history unchanged."""
        return self.positions(frames).filtered(self.selection())

    def selection(self) -> dict[str, Any]:
        """Every filter that is set: a select's values, or a date filter's (start, end)."""
        chosen: dict[str, Any] = {}
        for name, widget in self.widgets.items():
            if name in self.dates:
                start, end = (picker.value for picker in self.dates[name])
                if start is not None or end is not None:
                    chosen[name] = (start, end)
            elif widget.value:
                chosen[name] = tuple(widget.value)
        return chosen

    def positions(self, frames: Frames) -> FramePositions:
        """The integer positions ``apply`` filters with, computed once per set of frames."""
        if self._positions is None or self._positions.frames is not frames:
            self._positions = FramePositions(frames, dates=tuple(self.dates))
        return self._positions

    def update_options(self, frames: Frames) -> None:
        """New options after a reload, keeping the selections that still exist."""
        for name, widget in self.widgets.items():
            if name in self.dates:
                if name in frames.rentals.columns:
                    self.orders[name] = date_order(frames.rentals[name])
                continue
            source = frames.localisations if name == "type" else frames.rentals
            if name not in source.columns:
                continue
            kept = widget.value
            # not under hold_trait_notifications: ipywidgets would reset the value after us
            widget.options = options_of(source, name)
            allowed = {value for _label, value in widget.options}
            widget.value = tuple(v for v in kept if v in allowed)


def options_of(frame: pd.DataFrame, name: str) -> list[tuple[str, str]]:
    """(label, value) pairs: statuses in lifecycle order; ids labelled like ``CSP+ (102)``."""
    column = frame[name]
    values = _sorted_options({NONE_OPTION if pd.isna(v) else str(v) for v in column.unique()})
    if name == "status":
        values = [s for s in STATUS_LABELS if s in values]
    label_column = f"{name}_label"
    pairs = frame[[name, label_column]] if label_column in frame.columns else frame[[name]]
    pairs = pairs.drop_duplicates()  # labelled once per distinct id, not once per row
    named = labelled_ids(pairs[name], pairs.get(label_column))
    shown = dict(zip(labelled_ids(pairs[name]), named, strict=True))
    return [(shown.get(v, v), v) for v in values]


def _sorted_options(values: set[str]) -> list[str]:
    """Options in text order, or by value when every one is a number (``250,50`` before
    ``1000,00``, as a French file writes amounts); the missing option first, as in text order."""
    given = sorted(v for v in values if v != NONE_OPTION)
    text = pd.Series(given, dtype="string").str.replace(r"[\s\u00a0]", "", regex=True)
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    if given and bool(numbers.notna().all()):
        given = [given[i] for i in numbers.to_numpy(dtype="float64").argsort(kind="stable")]
        return [NONE_OPTION] * (NONE_OPTION in values) + given
    return sorted(values)


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime, text read like the date columns (``2025-12-31`` or
    ``31/12/2025``, day first) or None; ValueError for text that is no date."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    read = read_dates(pd.Series([str(value)], dtype="string"), warn=False).iloc[0]
    if pd.isna(read):
        raise ValueError(f"{value!r} is no date: {DATE_ADVICE}")
    return pd.Timestamp(read).date()
