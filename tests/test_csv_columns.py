"""The CSV writer formats whole columns at once: its files equal the cell-by-cell rules.

The reference below writes each cell on its own, the way the writer used to (the ``csv`` module
for plain files; ``;``, quotes only where a cell holds ``;``, a quote, a line break or, for text,
a decimal-looking comma, for Excel), from ``format_column``'s cells. Text of any kind, including
digits of other scripts (``٣,٤``), formula starts, quotes, separators and line breaks.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smspartner_analytics.frames.dtypes import TEXT, is_text_column
from smspartner_analytics.report.csvfiles import _excel_field, format_column, neutralise, write_csv

_TEXTS = st.lists(
    st.none()
    | st.text(max_size=8)
    | st.sampled_from(["٣,٤", "02200,60200", "=1+1", 'a"b;c', "x\r\ny"]),
    min_size=1,
    max_size=8,
)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.9, 1e16, 1 / 3])


def _reference(frame: pd.DataFrame, excel: bool) -> str:
    columns = [format_column(frame[c], excel=excel) for c in frame.columns]
    header = [neutralise(str(c)) for c in frame.columns]
    out = io.StringIO()
    if not excel:
        writer = csv.writer(out, delimiter=",", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns, strict=True))
        return out.getvalue()
    text = [is_text_column(frame[c]) for c in frame.columns]
    out.write(";".join(_excel_field(v, True) for v in header) + "\r\n")
    for row in zip(*columns, strict=True):
        out.write(";".join(_excel_field(v, t) for v, t in zip(row, text, strict=True)) + "\r\n")
    return out.getvalue()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(texts=_TEXTS, data=st.data())
@pytest.mark.parametrize("excel", [False, True])
def test_whole_column_writer_equals_cell_by_cell_rules(
    tmp_path: Path, excel: bool, texts: list[str | None], data: st.DataObject
) -> None:
    n = len(texts)
    floats = data.draw(st.lists(_FLOATS, min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "location": pd.array(texts, dtype=TEXT),
            "cost_total": np.array(floats, dtype="float64"),
            "coverage": np.array(floats, dtype="float64")[::-1],
            "volume": pd.array([None if i % 3 else i for i in range(n)], dtype="Int64"),
            "fetched_at": pd.to_datetime([1.7e18 + i for i in range(n)], utc=True),
        }
    )
    path = write_csv(frame, tmp_path / f"out-{excel}.csv", excel=excel)
    written = path.read_bytes().decode("utf-8-sig" if excel else "utf-8")
    assert written == _reference(frame, excel)
