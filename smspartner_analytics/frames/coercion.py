"""Column converters for the flattener: raw JSON values in, typed pandas arrays out, never raising.

Each converter takes the raw values of one column (as the API sent them) and returns an array of the
declared dtype. Values that cannot be typed become missing and are reported to a ``Problems``
collector, which emits at most one warning per column (naming the column, the count and the first
tokens), so 100,000 bad rows give one warning, not 100,000.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import numpy as np
import pandas as pd

from smspartner_analytics.frames.arrays import relabel_categories
from smspartner_analytics.frames.dtypes import TEXT, TIMESTAMP

__all__ = [
    "DataWarning",
    "Problems",
    "to_category",
    "to_float",
    "to_int",
    "to_text",
    "to_timestamp",
]

_INT64_MAX: Final = 2**63 - 1
_EXACT_FLOAT: Final = 2.0**53
_SHOWN_TOKENS: Final = 5
_MAX_TEXT: Final = 500


class DataWarning(UserWarning):
    """Some values of a column could not be typed and were left missing."""


class Problems:
    """Collects untypeable values per column; ``emit()`` warns once per column."""

    def __init__(self, *, keep_rows: bool = False) -> None:
        self._tokens: dict[str, list[str]] = {}
        self._counts: dict[str, int] = {}
        #: With ``keep_rows``: every (column, row positions) added, for the frames cache.
        self.rows: list[tuple[str, list[int]]] | None = [] if keep_rows else None

    def add(self, column: str, tokens: Sequence[object], positions: Sequence[int]) -> None:
        """Record that ``positions`` of ``column`` (rows of ``tokens``) could not be typed."""
        if not len(positions):
            return
        if self.rows is not None:
            self.rows.append((column, list(positions)))
        shown = self._tokens.setdefault(column, [])
        for pos in positions[: _SHOWN_TOKENS - len(shown)]:
            token = tokens[pos]
            shown.append(token if isinstance(token, str) else "(no token)")
        self._counts[column] = self._counts.get(column, 0) + len(positions)

    def __bool__(self) -> bool:
        return bool(self._counts)

    def messages(self) -> list[str]:
        """One line per column with problems."""
        out = []
        for column, count in self._counts.items():
            tokens = ", ".join(self._tokens[column])
            more = f" and {count - len(self._tokens[column])} more" if count > _SHOWN_TOKENS else ""
            out.append(
                f"column {column!r}: {count} value(s) could not be read and were left empty "
                f"(token {tokens}{more})"
            )
        return out

    def emit(self, stacklevel: int = 3) -> None:
        """Warn once per column (``DataWarning``)."""
        for message in self.messages():
            warnings.warn(message, DataWarning, stacklevel=stacklevel)


def _slow_number(value: object) -> float | int | None:
    """Parse what ``pandas.to_numeric`` refused (decimal commas, inner spaces), else None."""
    if isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            return int(text) if text.lstrip("+-").isdigit() and text.isascii() else float(text)
        except ValueError:
            return None
    return None


def _float_or_nan(value: object) -> float:
    """One value as float64, NaN when it is no number or does not fit (then checked slowly)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError):
        return math.nan


def _numbers(values: Sequence[object]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (float64 numbers, missing-on-input mask, bad mask) for raw ``values``."""
    n = len(values)
    kinds = np.array(list(map(_KIND.__getitem__, map(type, values))), dtype=np.int8)
    missing = kinds == 0
    bad = kinds == 3  # bool, dict, list, ...
    usable = kinds == 1
    obj = np.array(values, dtype=object) if n else np.empty(0, dtype=object)
    nums = np.full(n, np.nan)
    if usable.any():
        try:
            parsed = pd.to_numeric(pd.Series(obj[usable]), errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan
            )
        except OverflowError:  # an int beyond float64 (10**400): pandas raises even to coerce
            parsed = np.array([_float_or_nan(v) for v in obj[usable]], dtype="float64")
        nums[usable] = parsed
    floats = kinds == 2
    if floats.any():
        nums[floats] = obj[floats].astype("float64")
        missing |= floats & np.isnan(nums)
    for pos in np.flatnonzero(usable & np.isnan(nums)).tolist():
        slow = _slow_number(values[pos])
        if slow is None:
            bad[pos] = True
        else:
            nums[pos] = float(slow)
    bad |= ~missing & ~bad & ~np.isfinite(nums)
    return nums, missing, bad


# type -> 0 missing, 1 parse with pandas (int, str), 2 float, 3 never a number (bool, containers)
_KIND: Final[defaultdict[type, int]] = defaultdict(
    lambda: 3, {type(None): 0, int: 1, str: 1, float: 2}
)


def _fast(values: Sequence[object], parse: type[int] | type[float]) -> np.ndarray | None:
    """The common case in one C-level pass: every value an int, or every value text that
    ``parse`` accepts. None when anything else is there (the general path then decides)."""
    kinds = set(map(type, values))
    dtype = np.int64 if parse is int else np.float64
    try:
        if kinds == {int} or (parse is float and kinds <= {int, float}):
            return np.array(values, dtype=dtype)
        if kinds == {str}:
            return np.fromiter(map(parse, values), dtype=dtype, count=len(values))
    except (ValueError, OverflowError, TypeError):
        return None
    return None


def to_float(
    values: Sequence[object], column: str, tokens: Sequence[object], problems: Problems
) -> np.ndarray:
    """float64 array; decimal commas and numbers-as-text accepted; others missing (reported)."""
    fast = _fast(values, float) if values else None
    if fast is not None and np.isfinite(fast).all():
        return fast
    nums, _missing, bad = _numbers(values)
    nums[bad] = np.nan
    problems.add(column, tokens, np.flatnonzero(bad).tolist())
    return nums


def to_int(
    values: Sequence[object], column: str, tokens: Sequence[object], problems: Problems
) -> pd.arrays.IntegerArray:
    """Nullable Int64 array; integral numbers as numbers or text; others missing (reported)."""
    fast = _fast(values, int) if values else None
    if fast is not None:
        return pd.arrays.IntegerArray(fast, np.zeros(len(fast), dtype=bool))
    nums, missing, bad = _numbers(values)
    with np.errstate(invalid="ignore"):
        bad |= ~missing & ~bad & ((nums != np.floor(nums)) | (np.abs(nums) > _INT64_MAX))
    ints = np.zeros(len(values), dtype=np.int64)
    ok = ~missing & ~bad
    big = ok & (np.abs(nums) >= _EXACT_FLOAT)
    ints[ok & ~big] = nums[ok & ~big].astype(np.int64)
    for pos in np.flatnonzero(big).tolist():  # beyond float precision: parse exactly
        exact = _exact_int(values[pos])
        if exact is None:
            bad[pos] = True
        else:
            ints[pos] = exact
    problems.add(column, tokens, np.flatnonzero(bad).tolist())
    return pd.arrays.IntegerArray(ints, missing | bad)


def _exact_int(value: object) -> int | None:
    if isinstance(value, int):
        number: int | float | None = value
    else:
        number = _slow_number(value)
    if isinstance(number, float):
        number = int(number) if number.is_integer() else None
    if number is None or abs(number) > _INT64_MAX:
        return None
    return number


def _text(value: object) -> str | bool | None:
    """A scalar as text; False for containers and bools (cannot be typed)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
    return str(value)


def _text_list(
    values: Sequence[object], column: str, tokens: Sequence[object], problems: Problems
) -> list[str | None]:
    kinds = set(map(type, values))
    if kinds <= _TEXT_TYPES:
        return list(values)  # type: ignore[arg-type]
    if kinds == {int}:
        return list(map(str, values))
    out: list[str | None] = []
    bad = []
    for pos, value in enumerate(values):
        text = value if type(value) is str else _text(value)
        if text is False:
            bad.append(pos)
            text = None
        out.append(text)  # type: ignore[arg-type]
    problems.add(column, tokens, bad)
    return out


_TEXT_TYPES: Final = frozenset({str, type(None)})


def to_text(
    values: Sequence[object], column: str, tokens: Sequence[object], problems: Problems
) -> pd.arrays.StringArray:
    """``string`` array: text kept as is, numbers as their digits, containers missing (reported)."""
    return pd.array(_text_list(values, column, tokens, problems), dtype=TEXT)  # type: ignore[return-value]


def to_category(
    values: Sequence[object],
    column: str,
    tokens: Sequence[object],
    problems: Problems,
    *,
    lower: bool = False,
) -> pd.Categorical:
    """Categorical of text (optionally trimmed and lower-cased), as ``to_text``."""
    raw = pd.Categorical(_text_list(values, column, tokens, problems))
    if not lower:
        return raw
    # normalise the few distinct values, not every row: then merge what became equal
    return relabel_categories(raw, lambda category: str(category).strip().lower(), dtype="str")


def describe(value: object) -> str | None:
    """The API's own words for a value shown as text (``status_text``): short, never raising."""
    if value is None or isinstance(value, str):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, TypeError, RecursionError):
        text = repr(value)
    return text[:_MAX_TEXT]


def to_timestamp(values: Sequence[datetime | None]) -> pd.DatetimeIndex:
    """UTC timestamps (``datetime64[ns, UTC]``); naive datetimes are taken as UTC."""
    if not len(values):
        return pd.DatetimeIndex([], dtype=TIMESTAMP)
    parsed = pd.to_datetime(pd.Series(list(values), dtype=object), utc=True)
    return pd.DatetimeIndex(parsed.astype(TIMESTAMP))
