"""How each column of a report table is shown to people, shared by the workbook and the HTML page.

``column_kind`` says it (count, money, ratio, timestamp, text...) from the column's declared dtype
and, for money and ratios, its name.
"""

from __future__ import annotations

from typing import Final, Literal

import pandas as pd

from smspartner_analytics.frames.dtypes import MONEY_COLUMNS

__all__ = [
    "RATIO_COLUMNS",
    "UNIT_MONEY_COLUMNS",
    "Kind",
    "column_kind",
]

#: Ratios (1.0 = 100 %): shown as percentages.
RATIO_COLUMNS: Final[frozenset[str]] = frozenset({"coverage", "share_obtained"})
#: Money per contact: shown with three decimals (``0.090``), other money with two.
UNIT_MONEY_COLUMNS: Final[frozenset[str]] = frozenset({"cost_unit", "cost_per_contact"})

Kind = Literal["text", "int", "number", "money", "unit_money", "ratio", "datetime", "bool"]


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
