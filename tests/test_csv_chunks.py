"""The CSV writer formats a bounded number of rows at a time: the files are the same bytes
whichever the number, in both dialects, hostile text and missing values included."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from report_frames import KEY, hostile_frames, many_frames

from smspartner_analytics.report import csvfiles
from smspartner_analytics.report.csvfiles import write_csv


@pytest.mark.parametrize("excel", [False, True])
def test_rows_written_a_few_at_a_time_give_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, excel: bool
) -> None:
    frames = [many_frames(40, seed=3), hostile_frames()]
    tables = [t for f in frames for t in (f.rentals, f.localisations, f.errors)]
    whole = []
    for i, table in enumerate(tables):
        whole.append(write_csv(table, tmp_path / f"whole{i}.csv", excel=excel, secrets=[KEY]))
    monkeypatch.setattr(csvfiles, "ROWS_AT_A_TIME", 7)
    for i, table in enumerate(tables):
        parts = write_csv(table, tmp_path / f"parts{i}.csv", excel=excel, secrets=[KEY])
        assert parts.read_bytes() == whole[i].read_bytes(), f"table {i}"
        assert len(table) <= 7 or parts.read_bytes().count(b"\n") >= len(table)


def test_an_empty_table_still_has_its_header(tmp_path: Path) -> None:
    empty = pd.DataFrame({"token": pd.array([], dtype="string"), "n": pd.array([], "Int64")})
    assert write_csv(empty, tmp_path / "e.csv").read_text(encoding="utf-8") == "token,n\n"
    data = write_csv(empty, tmp_path / "x.csv", excel=True).read_bytes()
    assert data == "\ufefftoken;n\r\n".encode()
