"""The shape of the frames: the ``Frames`` dataclass, the declared pandas dtype of every column,
and empty frames built from them.

Types are declared, never inferred (``docs/data-dictionary.md``): nullable ``Int64`` for ages,
volumes, quantities and codes; ``float64`` for money and ratios; ``string`` for tokens, zip codes,
locations and free text (leading zeros and comma lists survive); ``category`` where values repeat
(``status`` is ordered in lifecycle order); UTC timestamps. Column orders come from ``schema``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from smspartner_analytics.core.schema import (
    ATTEMPT_COLUMNS,
    ERROR_COLUMNS,
    HISTORY_COLUMNS,
    LOCALISATION_COLUMNS,
    OUTCOMES,
    RENTAL_COLUMNS,
    STATUS_LABELS,
)
from smspartner_analytics.frames.earlier import earlier_answers

__all__ = [
    "ATTEMPT_DTYPES",
    "ERROR_DTYPES",
    "HISTORY_DTYPES",
    "LOCALISATION_DTYPES",
    "MONEY_COLUMNS",
    "OUTCOME_DTYPE",
    "RENTAL_DTYPES",
    "STATUS_DTYPE",
    "TEXT",
    "TIMESTAMP",
    "Frames",
    "empty_frame",
    "is_text_column",
]

#: Text with pandas' missing value ``<NA>`` (same semantics as ``Int64``).
TEXT: Final = pd.StringDtype()
#: Timezone-aware UTC timestamps.
TIMESTAMP: Final = pd.DatetimeTZDtype(unit="ns", tz="UTC")
#: The rental status names, ordered as in the lifecycle (``unknown`` last).
STATUS_DTYPE: Final = pd.CategoricalDtype(list(STATUS_LABELS), ordered=True)
#: What one stored answer was (``schema.OUTCOMES``).
OUTCOME_DTYPE: Final = pd.CategoricalDtype(list(OUTCOMES), ordered=False)
#: Money columns: the account currency, written with three decimals in reports.
MONEY_COLUMNS: Final[frozenset[str]] = frozenset({"cost_total", "cost_unit", "cost_per_contact"})

_INT: Final = pd.Int64Dtype()
_FLOAT: Final = "float64"
_CATEGORY: Final = "category"

#: The failed attempt after the answer shown (``schema.ATTEMPT_COLUMNS``), last on rentals and
#: errors.
ATTEMPT_DTYPES: Final[dict[str, object]] = {
    "last_attempt_at": TIMESTAMP,
    "last_attempt_outcome": OUTCOME_DTYPE,
    "last_attempt_reason": TEXT,
}
RENTAL_DTYPES: Final[dict[str, object]] = {
    "token": TEXT,
    "status": STATUS_DTYPE,
    "status_code": _INT,
    "status_text": TEXT,
    "sexe": _CATEGORY,
    "min_age": _INT,
    "max_age": _INT,
    "zipcode": TEXT,
    "interest": _CATEGORY,
    "interest_label": _CATEGORY,
    "category": _CATEGORY,
    "category_label": _CATEGORY,
    "quantity": _INT,
    "cost_total": _FLOAT,
    "cost_unit": _FLOAT,
    "phone_numbers": _INT,
    "fetched_at": TIMESTAMP,
    **ATTEMPT_DTYPES,
}
LOCALISATION_DTYPES: Final[dict[str, object]] = {
    "token": TEXT,
    "type": _CATEGORY,
    "location": TEXT,
    "volume_desired": _INT,
    "volume_available": _INT,
    "shortfall": _INT,
    "coverage": _FLOAT,
}
ERROR_DTYPES: Final[dict[str, object]] = {
    "token": TEXT,
    "error_code": _INT,
    "error_message": TEXT,
    "http_status": _INT,
    "attempts": _INT,
    "fetched_at": TIMESTAMP,
    "reason": TEXT,
    "persistent": "boolean",
    **ATTEMPT_DTYPES,
}
HISTORY_DTYPES: Final[dict[str, object]] = {
    "token": TEXT,
    "fetched_at": TIMESTAMP,
    "outcome": OUTCOME_DTYPE,
    "status": STATUS_DTYPE,
    "status_code": _INT,
    "http_status": _INT,
}

assert tuple(ATTEMPT_DTYPES) == ATTEMPT_COLUMNS
assert tuple(RENTAL_DTYPES) == RENTAL_COLUMNS
assert tuple(LOCALISATION_DTYPES) == LOCALISATION_COLUMNS
assert tuple(ERROR_DTYPES) == ERROR_COLUMNS
assert tuple(HISTORY_DTYPES) == HISTORY_COLUMNS


def empty_frame(dtypes: Mapping[str, object], columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A frame with no rows but every column of ``dtypes`` (in order) with its declared dtype."""
    names = list(dtypes) if columns is None else list(columns)
    return pd.DataFrame(
        {name: pd.Series([], dtype=dtypes.get(name, TEXT)) for name in names}  # type: ignore[call-overload]
    )


def is_text_column(series: pd.Series) -> bool:
    """True for string, object and categorical-of-text columns (the cells a report neutralises)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return not pd.api.types.is_numeric_dtype(dtype.categories.dtype)
    return pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype)


@dataclass
class Frames:
    """The four tables of the data dictionary (``docs/data-dictionary.md``).

    ``rentals``: one row per token whose answer shown is a success (+ token metadata columns);
    ``localisations``: one row per ``details_localisation`` entry; ``errors``: one row per token
    whose answer shown is not a success; ``history``: every stored answer over time. The answer
    shown is the token's latest answer from the API (``core.schema.is_answer``), else its latest
    failed attempt.
    """

    rentals: pd.DataFrame
    localisations: pd.DataFrame
    errors: pd.DataFrame
    history: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        earlier = earlier_answers(self.rentals, self.errors)  # notebooks show this line
        return (
            f"Frames(rentals={len(self.rentals)}, localisations={len(self.localisations)}, "
            f"errors={len(self.errors)}, history={len(self.history)}"
            + (f"; {earlier.phrase()})" if earlier else ")")
        )
