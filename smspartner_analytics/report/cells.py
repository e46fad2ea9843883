"""The cells of the workbook's tables: each column's kind, its values as cells, its width.

Split from ``workbook`` (which lays the sheets out): counts, money and ratios as numbers,
timestamps as serial days in the report's zone, the tokens' text dates as serial days (read by
``frames.dates``, a value that is no date kept as its text), every other value as text.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from smspartner_analytics.core.redaction import redact
from smspartner_analytics.core.schema import RENTAL_COLUMNS
from smspartner_analytics.frames.dates import is_date_column, read_dates
from smspartner_analytics.report.columns import Kind, column_kind
from smspartner_analytics.report.summary import Zone, to_local

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

__all__ = ["EXCEL_EPOCH", "Cells", "cell_kind", "cells", "number_or_text", "timed", "width"]

#: Day 0 of Excel's serial days.
EXCEL_EPOCH: Final = pd.Timestamp("1899-12-30")

_WIDTHS: Final[dict[Kind, int]] = {
    "int": 10, "number": 12, "money": 13, "unit_money": 11, "ratio": 10, "datetime": 21, "date": 12,
    "bool": 8,
}  # fmt: skip
_MAX_WIDTH: Final = 50
_SAMPLE: Final = 2000

Cells = list[Any]


def objects(series: pd.Series) -> Cells:
    """The values as Python objects, ``None`` where missing."""
    return list(series.astype(object).where(series.notna(), None).tolist())


def cell_kind(series: pd.Series) -> Kind:
    """``column_kind``, but ``date`` for a metadata column of dates (text in the frames)."""
    kind = column_kind(series)
    if kind == "text" and series.name not in RENTAL_COLUMNS and is_date_column(series):
        return "date"
    return kind


def cells(series: pd.Series, kind: Kind, zone: Zone, secrets: list[str]) -> Cells:
    """The values to write, one per row; ``None`` for an empty cell."""
    if kind == "date":  # serial days where a date was read, else the text as written
        days = (read_dates(series, warn=False) - EXCEL_EPOCH) / pd.Timedelta(days=1)
        texts = cells(series, "text", zone, secrets)
        read = days.to_numpy(dtype="float64").tolist()
        return [text if math.isnan(day) else day for day, text in zip(read, texts, strict=True)]
    if kind == "datetime":
        days = (to_local(series, zone) - EXCEL_EPOCH) / pd.Timedelta(days=1)
        return [None if math.isnan(v) else v for v in days.to_numpy(dtype="float64").tolist()]
    if kind in ("int", "bool"):
        return objects(series)
    if kind != "text":
        numbers = series.to_numpy(dtype="float64", na_value=np.nan).tolist()
        return [v if math.isfinite(v) else None for v in numbers]
    text = series.astype("string")
    values = objects(text)
    if secrets or text.str.contains("apikey=", case=False, regex=False).any():
        values = [None if v is None else redact(v, secrets) for v in values]
    return values


def width(header: str, kind: Kind, values: Cells) -> int:
    if kind == "text":
        sample = [len(v) for v in values[:_SAMPLE] if v is not None]
        content = int(np.percentile(sample, 95)) if sample else 0
    else:
        content = _WIDTHS[kind]
    return min(max(content, len(header) + 3, 6), _MAX_WIDTH) + 1


def timed(kind: Kind, values: Cells) -> Kind:
    """``datetime`` (its format, without a zone) for a date column that holds times of day."""
    if kind == "date" and any(isinstance(v, float) and v % 1 for v in values):
        return "datetime"
    return kind


def number_or_text(sheet: Worksheet) -> Callable[..., int]:
    """Writes a serial day as a number and anything else as text (never a formula)."""

    def write(row: int, col: int, value: float | str, fmt: Format) -> int:
        if isinstance(value, float):
            written: int = sheet.write_number(row, col, value, fmt)
        else:
            written = sheet.write_string(row, col, value)
        return written

    return write
