"""The one reader of dates that came with the tokens (metadata columns are text).

Used by ``analysis`` (``spend_over_time``, rental names), the dashboard's date filters and its
table. A column is read one way, decided for the whole column (never value by value):

- ISO values (``2025-12-11``, with or without a time and a zone) are read as ISO; a zone is
  converted to UTC.
- ``dd/mm/yyyy`` (also ``dd-mm-yyyy``, ``dd.mm.yyyy``, a 2-digit year, an optional ``hh:mm`` or
  ``hh:mm:ss`` after it) is read day first, as the users of this French API write dates, unless
  the column proves month first: some middle part above 12 and no first part above 12.
- Anything else is missing, and :func:`read_dates` warns once (:class:`DataWarning`) naming the
  column, how many values, an example and the format to use.

The values are only sorted into these shapes by a pattern; pandas does the reading, each shape
with an exact ``format`` (``pd.to_datetime(format="mixed")`` decides per value, which read
``11/12/2025`` as 12 November and ``13/12/2025`` as 13 December in the same column). Each distinct
text is read once, so a million rows sharing a few dates cost a few parses.
"""

from __future__ import annotations

import re
import warnings
from typing import Final, Literal

import numpy as np
import pandas as pd

from smspartner_analytics.frames.coercion import DataWarning

__all__ = [
    "DATE_ADVICE",
    "DateOrder",
    "date_order",
    "day_texts",
    "is_date_column",
    "looks_like_dates",
    "read_dates",
]

#: How a column's ``a/b/year`` values are read.
DateOrder = Literal["day-first", "month-first"]
#: What the warning tells the user to write.
DATE_ADVICE: Final = "write dates as 2025-12-31 or 31/12/2025 (day/month/year)"

_ISO: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?$"
)
#: Rows looked at first when deciding whether a column holds only dates.
_SAMPLE: Final = 200
_NUMERIC: Final = re.compile(
    r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:[ T](\d{1,2}):(\d{2})(:\d{2})?)?$"
)


def _as_naive_utc(column: pd.Series) -> pd.Series | None:
    """A datetime column as naive UTC timestamps; None for any other dtype."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        naive = column.dt.tz_convert(None).astype("datetime64[ns]")
        return pd.Series(naive, index=column.index, name=column.name)
    if pd.api.types.is_datetime64_dtype(column):
        return pd.Series(column, index=column.index, name=column.name, dtype="datetime64[ns]")
    return None


def _numeric_parts(texts: pd.Series) -> pd.DataFrame:
    """The parts of each ``a/b/year [time]`` text (rows of other texts: all missing)."""
    parts = texts.str.extract(_NUMERIC)
    parts.columns = ["first", "sep", "middle", "year", "hour", "minute", "seconds"]
    return parts


def date_order(column: pd.Series) -> DateOrder:
    """How ``a/b/year`` values of ``column`` are read: day first unless it proves month first."""
    texts = column.dropna().astype("string").str.strip().drop_duplicates()
    return _order(_numeric_parts(texts))


def _order(parts: pd.DataFrame) -> DateOrder:
    first = pd.to_numeric(parts["first"], errors="coerce")
    middle = pd.to_numeric(parts["middle"], errors="coerce")
    if bool((middle > 12).any()) and not bool((first > 12).any()):
        return "month-first"
    return "day-first"


def _read_texts(texts: pd.Series, order: DateOrder | None = None) -> pd.Series:
    """Distinct stripped texts -> naive UTC timestamps (NaT where unreadable), by shape."""
    out = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    iso = texts.str.fullmatch(_ISO).fillna(False).astype(bool)
    if iso.any():
        stamps = pd.to_datetime(texts[iso], errors="coerce", format="ISO8601", utc=True)
        out[iso] = stamps.dt.tz_convert(None).astype("datetime64[ns]")
    parts = _numeric_parts(texts)
    numeric = parts["first"].notna() & ~iso
    if not numeric.any():
        return out
    parts = parts[numeric]
    order = order or _order(parts)
    day, month = ("middle", "first") if order == "month-first" else ("first", "middle")
    year = np.where(parts["year"].str.len() == 2, "%y", "%Y")
    time = np.where(
        parts["hour"].isna(), "", np.where(parts["seconds"].isna(), " %H:%M", " %H:%M:%S")
    )
    # one spelling per value: day/month/year with "/" whatever the separator, so a shape = a format
    canonical = (
        parts[day]
        + "/"
        + parts[month]
        + "/"
        + parts["year"]
        + (
            " "
            + parts["hour"].fillna("")
            + ":"
            + parts["minute"].fillna("")
            + parts["seconds"].fillna("")
        ).where(parts["hour"].notna(), "")
    )
    formats = pd.Series(np.char.add(np.char.add("%d/%m/", year), time), index=parts.index)
    for fmt, group in canonical.groupby(formats, sort=False):
        out[group.index] = pd.to_datetime(group, errors="coerce", format=str(fmt))
    return out


def _read(column: pd.Series, order: DateOrder | None = None) -> pd.Series:
    typed = _as_naive_utc(column)
    if typed is not None:
        return typed
    texts = column.astype("string").str.strip()
    texts = texts.where(texts != "")
    codes, uniques = pd.factorize(texts)
    read = _read_texts(pd.Series(uniques, dtype="string"), order)
    values = np.append(read.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(values[codes], index=column.index, name=column.name, dtype="datetime64[ns]")


def read_dates(
    column: pd.Series,
    *,
    order: DateOrder | None = None,
    warn: bool = True,
    stacklevel: int = 2,
) -> pd.Series:
    """``column`` as naive UTC timestamps, read one way for the whole column (see the module).

    ``order``: how its ``a/b/year`` values are read when already decided on a larger column
    (:func:`date_order`; the dashboard's table shows a few rows of a column it filters whole).

    Missing or blank values are missing; values that are no date are missing too and, with
    ``warn``, one :class:`DataWarning` line names the column, how many, an example and the
    format to use.
    """
    out = _read(column, order)
    if warn:
        given = column.notna() & column.astype("string").str.strip().ne("").fillna(False)
        bad = given.to_numpy(dtype=bool) & out.isna().to_numpy()
        if bad.any():
            example = str(column[bad].iloc[0])
            warnings.warn(
                f"column {column.name!r}: {int(bad.sum())} value(s) could not be read as dates "
                f"and were left out (e.g. {example!r}); {DATE_ADVICE}",
                DataWarning,
                stacklevel=stacklevel + 1,
            )
    return out


def looks_like_dates(column: pd.Series) -> bool:
    """True for a datetime column, or text whose every non-blank value reads as a date."""
    if _as_naive_utc(column) is not None:
        return True
    if not _only_dates(column.iloc[:_SAMPLE], blank=True):  # ids, names: told on a few rows
        return False
    return _only_dates(column, blank=False)


def _only_dates(column: pd.Series, *, blank: bool) -> bool:
    """Every non-blank value reads as a date (``blank`` when there is none)."""
    texts = column.dropna().astype("string").str.strip()
    texts = texts[texts != ""].drop_duplicates().reset_index(drop=True)
    if not len(texts):
        return blank
    return bool(_read_texts(texts).notna().all())


def day_texts(column: pd.Series) -> pd.Series:
    """Each value's day as ``2025-12-31`` (read by :func:`read_dates`, without warning), a value
    that is no date as its text cut to 10 characters, a missing one as "" (string dtype)."""
    codes, uniques = pd.factorize(column)
    distinct = pd.Series(uniques, name=column.name)
    read = _read(distinct)
    shown = read.dt.strftime("%Y-%m-%d").astype("string")
    shown = shown.fillna(distinct.astype("string").str.strip().str.slice(0, 10)).fillna("")
    values = np.append(shown.to_numpy(dtype=object), "")
    return pd.Series(values[codes], index=column.index, dtype="string")


def is_date_column(column: pd.Series) -> bool:
    """A date column, for the dashboard's filters and table and the workbook: a datetime column,
    text named like a date (``date`` in it, or ending ``_at`` / ``_on``) holding some date, or
    text whose every value is a date (``Commandé le``)."""
    if _as_naive_utc(column) is not None:
        return True
    name = column.name.lower() if isinstance(column.name, str) else ""
    if "date" not in name and not name.endswith(("_at", "_on")):
        return looks_like_dates(column)
    return bool(_read(column).notna().any())
