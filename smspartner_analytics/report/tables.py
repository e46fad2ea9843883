"""The report's tables and how each column is shown, shared by the CSV, workbook and HTML writers.

``report_tables`` gives the six tables (rentals, localisations, errors and the three aggregates of
:mod:`smspartner_analytics.analysis`) keyed by CSV file name; ``column_kind`` says how a column is
shown to people (count, money, ratio, timestamp, text...) from its declared dtype and name.
"""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from smspartner_analytics.analysis import spend_by_category, status_summary, volume_by_location
from smspartner_analytics.frames.dtypes import MONEY_COLUMNS, Frames

__all__ = [
    "CSV_FILES",
    "RATIO_COLUMNS",
    "UNIT_MONEY_COLUMNS",
    "Kind",
    "column_kind",
    "report_tables",
]

CSV_FILES: Final[tuple[str, ...]] = (
    "rentals.csv",
    "localisations.csv",
    "errors.csv",
    "spend_by_category.csv",
    "volume_by_location.csv",
    "status_summary.csv",
)
#: Ratios (1.0 = 100 %): shown as percentages.
RATIO_COLUMNS: Final[frozenset[str]] = frozenset({"coverage", "share_obtained"})
#: Money per contact: shown with three decimals (``0.090``), other money with two.
UNIT_MONEY_COLUMNS: Final[frozenset[str]] = frozenset({"cost_unit", "cost_per_contact"})

Kind = Literal["text", "int", "number", "money", "unit_money", "ratio", "datetime", "bool"]


def report_tables(frames: Frames) -> dict[str, pd.DataFrame]:
    """The six tables of the report, keyed by file name, in column order."""
    return {
        "rentals.csv": frames.rentals,
        "localisations.csv": frames.localisations,
        "errors.csv": frames.errors,
        "spend_by_category.csv": spend_by_category(frames.rentals),
        "volume_by_location.csv": volume_by_location(frames.localisations),
        "status_summary.csv": status_summary(frames.rentals),
    }


def column_kind(series: pd.Series) -> Kind:
    """How a column is shown: by declared dtype, then by name for money and ratios."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return "datetime"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        if series.name in UNIT_MONEY_COLUMNS:
            return "unit_money"
        if series.name in MONEY_COLUMNS:
            return "money"
        return "ratio" if series.name in RATIO_COLUMNS else "number"
    return "text"
