"""How each column of a report table is shown to people, shared by the workbook and the HTML page.

``column_kind`` says it (count, money, ratio, timestamp, text...) from the column's declared dtype
and, for money and ratios, its name. ``header`` is the name people read above a column of the
summary tables (the HTML page, the workbook's Summary sheet); the data sheets and CSV files keep
the column names of docs/data-dictionary.md.
"""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from smspartner_analytics.frames.dtypes import MONEY_COLUMNS

__all__ = [
    "HEADERS",
    "RATIO_COLUMNS",
    "UNIT_MONEY_COLUMNS",
    "Kind",
    "column_kind",
    "header",
]

#: Ratios (1.0 = 100 %): shown as percentages.
RATIO_COLUMNS: Final[frozenset[str]] = frozenset({"coverage", "share_obtained"})
#: Money per contact: shown with three decimals (``0.090``), other money with two.
UNIT_MONEY_COLUMNS: Final[frozenset[str]] = frozenset({"cost_unit", "cost_per_contact"})

#: Column name -> header people read; other names are shown with spaces for underscores.
HEADERS: Final[dict[str, str]] = {
    "status": "Status",
    "rentals": "Rentals",
    "tokens": "Tokens",
    "cost_total": "Cost",
    "cost_unit": "Cost per contact",
    "cost_per_contact": "Cost per contact",
    "quantity": "Contacts billed",
    "category": "Category id",
    "category_label": "Category",
    "interest": "Interest id",
    "interest_label": "Interest",
    "campaign": "Campaign",
    "type": "Type",
    "location": "Locality",
    "volume_desired": "Asked for",
    "volume_obtained": "Obtained",
    "volume_available_max": "Largest pool",
    "shortfall": "Shortfall",
    "share_obtained": "Share obtained",
    "coverage": "Coverage",
    "error_code": "Error code",
    "error_message": "Error message",
}

#: ``date``: a text column of dates from the tokens' metadata, which only the workbook writes as
#: dates (``column_kind`` calls it text: the CSV files and the page show it as the file wrote it).
Kind = Literal["text", "int", "number", "money", "unit_money", "ratio", "datetime", "date", "bool"]


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


def header(name: str) -> str:
    """The header people read above the column ``name`` (``cost_total`` -> ``Cost``)."""
    return HEADERS.get(name) or name.replace("_", " ").capitalize()
