"""CSV for people: fixed column order, formula-like text neutralised, files replaced atomically.

Plain mode: UTF-8, ``,`` separator, ``.`` decimals, ISO 8601 timestamps. Excel mode (French Excel):
UTF-8 with BOM, ``;`` separator, decimal commas, money with its three decimals (``0,900``).
Identifiers are written as the text they are (``06200`` keeps its zero); in Excel mode, text
with a decimal-looking comma (``02200,60200``) is quoted as well as text with a ``;``.
Text cells starting with ``= + - @``, tab or CR get a leading ``'`` so a spreadsheet never runs
them; numeric columns are left alone. ``read_csv`` reads such a file back with the declared dtypes.
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Final

import numpy as np
import pandas as pd

from smspartner_analytics.core.redaction import redact
from smspartner_analytics.frames.dtypes import MONEY_COLUMNS, TIMESTAMP, is_text_column

__all__ = [
    "FORMULA_STARTS",
    "atomic_path",
    "format_column",
    "neutralise",
    "read_csv",
    "write_csv",
]

#: Characters that make a CSV field need quotes.
_MUST_QUOTE: Final = ';"\r\n'
#: A comma between digits: French Excel would read the text as a decimal number.
_DECIMAL_COMMA: Final = re.compile(r"\d,\d")

#: Rows formatted at a time: whole columns, but a million rows' text never all in memory.
ROWS_AT_A_TIME: Final = 100_000
#: Text cells starting with one of these are prefixed with ``'`` (CSV injection).
FORMULA_STARTS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text(series: pd.Series, secrets: list[str]) -> pd.Series:
    values = series.astype("string").fillna("")
    if secrets or values.str.contains("apikey=", case=False, regex=False).any():
        values = values.map(lambda v: redact(v, secrets) if v else v).astype("string")
    risky = values.str.startswith(FORMULA_STARTS)
    if risky.any():
        values = values.where(~risky, "'" + values)
    return values


def _floats(series: pd.Series, money: bool, excel: bool) -> pd.Series:
    numbers = series.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(numbers)
    # the same text as "{:.3f}".format and repr, one C loop per column
    text = np.char.mod("%.3f", numbers) if money else numbers.astype(str)
    out = pd.Series(text, index=series.index, dtype="string")
    if excel:
        out = out.str.replace(".", ",", regex=False)
    return out.where(~missing, "")


def _timestamps(series: pd.Series) -> pd.Series:
    stamps = series.dt.tz_convert("UTC") if series.dt.tz is not None else series
    text = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").astype("string")
    suffix = "+00:00" if series.dt.tz is not None else ""
    out: pd.Series = (text + suffix).fillna("")
    return out


def _cells(series: pd.Series, excel: bool, secrets: list[str]) -> pd.Series:
    """One column's cells as a ``string`` Series (no missing values), the whole column at once."""
    dtype = series.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return _timestamps(series)
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return series.astype("string").fillna("")
    if pd.api.types.is_float_dtype(dtype):
        return _floats(series, series.name in MONEY_COLUMNS, excel)
    return _text(series, secrets)


def format_column(
    series: pd.Series, *, excel: bool = False, secrets: list[str] | None = None
) -> list[str]:
    """The cells of one column as text, following the column's declared dtype."""
    return _cells(series, excel, [s for s in (secrets or []) if s]).tolist()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` at once.

    The temporary file is created as ``open()`` would (mode 0666 less the umask), not 0600 like
    ``mkstemp``: the file that takes ``path``'s place keeps those ordinary permissions.
    """
    while True:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            break
        except FileExistsError:
            continue
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _excel_field(value: str, text: bool) -> str:
    """One ``;``-separated cell: quoted when it holds ``;``, a quote or a line break, and (text
    only) when it holds a decimal-looking comma such as ``02200,60200`` or ``12,5``."""
    if any(ch in value for ch in _MUST_QUOTE) or (text and _DECIMAL_COMMA.search(value)):
        return '"' + value.replace('"', '""') + '"'
    return value


def _excel_column(cells: pd.Series, text: bool) -> pd.Series:
    """``_excel_field`` of a whole column."""
    quote = cells.str.contains(r'[;"\r\n]', regex=True).to_numpy(dtype=bool)
    if text:  # Python's \d (any decimal digit) on the few cells with a comma
        comma = np.flatnonzero(cells.str.contains(",", regex=False).to_numpy(dtype=bool))
        values = cells.iloc[comma].tolist()
        quote[comma] |= np.array([bool(_DECIMAL_COMMA.search(v)) for v in values], dtype=bool)
    if not quote.any():
        return cells
    return cells.where(~quote, '"' + cells.str.replace('"', '""', regex=False) + '"')


def _write_rows(fh: IO[str], frame: pd.DataFrame, excel: bool, secrets: list[str]) -> None:
    header = [neutralise(str(c)) for c in frame.columns]
    secrets = [s for s in secrets if s]
    if excel:
        fh.write(";".join(_excel_field(v, True) for v in header) + "\r\n")
    else:
        csv.writer(fh, delimiter=",", lineterminator="\n").writerow(header)
    text = [is_text_column(frame[c]) for c in frame.columns] if excel else []
    for start in range(0, len(frame), ROWS_AT_A_TIME):  # the text of all rows at once is GBs
        part = frame.iloc[start : start + ROWS_AT_A_TIME]
        columns = [_cells(part[c], excel, secrets) for c in part.columns]
        if not excel:
            # every cell is already text: pandas' writer (the csv module's quoting) does the rest
            cells = pd.DataFrame(dict(enumerate(columns)), index=part.index)
            cells.to_csv(fh, header=False, index=False, lineterminator="\n")
            continue
        # csv.writer cannot force quotes on chosen fields only (QUOTE_STRINGS is Python 3.12+
        # and every field here is a str), so the Excel dialect is joined here with the same
        # rules, a whole column at a time.
        quoted = [_excel_column(c, t) for c, t in zip(columns, text, strict=True)]
        lines = (
            quoted[0].str.cat(pd.concat(quoted[1:], axis=1), sep=";")
            if len(quoted) > 1
            else quoted[0]
        )
        fh.write("\r\n".join(lines.tolist()) + "\r\n")


def write_csv(
    frame: pd.DataFrame, path: str | Path, *, excel: bool = False, secrets: list[str] | None = None
) -> Path:
    """Write ``frame`` (header always, even with no rows) to ``path`` via a temporary file."""
    target = Path(path)
    with atomic_path(target) as tmp:
        encoding = "utf-8-sig" if excel else "utf-8"
        with tmp.open("w", encoding=encoding, newline="") as fh:
            _write_rows(fh, frame.reset_index(drop=True), excel, list(secrets or []))
            fh.flush()
            os.fsync(fh.fileno())
    return target


def _unneutralise(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _parser(dtype: object, excel: bool) -> Callable[[pd.Series], pd.Series]:
    def parse(raw: pd.Series) -> pd.Series:
        blank = raw == ""
        if dtype == TIMESTAMP:
            return pd.to_datetime(raw.where(~blank), utc=True, format="ISO8601").astype(TIMESTAMP)
        if dtype in ("Int64", pd.Int64Dtype()):
            return pd.to_numeric(raw.where(~blank)).astype("Int64")
        if dtype in ("boolean", pd.BooleanDtype()):
            return raw.map({"True": True, "False": False}).astype("boolean")
        if dtype == "float64":
            text = raw.str.replace(",", ".", regex=False) if excel else raw
            return pd.to_numeric(text.where(~blank)).astype("float64")
        text = raw.map(_unneutralise).astype("string").where(~blank)
        return text.astype(dtype) if dtype != "string" else text  # type: ignore[call-overload]

    return parse


def read_csv(
    path: str | Path, dtypes: Mapping[str, object], *, excel: bool = False
) -> pd.DataFrame:
    """Read a report CSV back, typing the columns named in ``dtypes`` (others stay text).

    Undoes the ``'`` put before formula-like text. Missing cells come back missing.
    """
    raw = pd.read_csv(
        path,
        sep=";" if excel else ",",
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    out = {}
    for name in raw.columns:
        column = _unneutralise(str(name))
        out[column] = _parser(dtypes.get(column, "string"), excel)(raw[name])
    return pd.DataFrame(out)
