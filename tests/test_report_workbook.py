"""report.xlsx read back with openpyxl: sheets, cell types, formats, formulas, charts, round
trip."""

from __future__ import annotations

import numbers
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from pandas.testing import assert_frame_equal
from report_frames import AT, HOSTILE_CAMPAIGN, INJECTIONS, KEY, hostile_frames, many_frames

from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.report import workbook
from smspartner_analytics.report.columns import column_kind
from smspartner_analytics.report.summary import report_zone, summarise
from smspartner_analytics.report.workbook import CSV_ONLY, SUMMARY_SHEET, write_workbook
from smspartner_analytics.report.writer import report_tables

SHEETS = [
    "Summary",
    "rentals",
    "localisations",
    "errors",
    "spend_by_category",
    "volume_by_location",
    "status_summary",
    "lead_times",
]
SOURCE = "/data/rentals/store.sqlite"


def write(frames: Frames, path: Path, *, locale: Locale = "en", zone: str = "Europe/Paris") -> Path:
    tables = report_tables(frames)
    summary = summarise(tables, source=SOURCE, zone=report_zone(zone), locale=locale)
    return write_workbook(tables, path, summary=summary, secrets=[KEY])


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    path = write(hostile_frames(), tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return path, openpyxl.load_workbook(path)


def columns(sheet: Worksheet) -> dict[str, list[Any]]:
    """A data sheet as {header: [cell, ...]} (header row 1)."""
    rows = list(sheet.iter_rows())
    return {str(h.value): [r[i] for r in rows[1:]] for i, h in enumerate(rows[0])}


def test_sheet_names_summary_first(book: tuple[Path, Any]) -> None:
    assert book[1].sheetnames == SHEETS


def test_every_column_has_its_cell_type(book: tuple[Path, Any]) -> None:
    expected = {
        "text": (str,), "int": (int,), "money": (numbers.Real,), "unit_money": (numbers.Real,),
        "ratio": (numbers.Real,), "datetime": (datetime,), "bool": (bool,),
    }  # fmt: skip
    frames = hostile_frames()
    for name, table in report_tables(frames).items():
        if name in CSV_ONLY:
            continue
        sheet = book[1][name.removesuffix(".csv")]
        cells = columns(sheet)
        assert len(cells) == len(table.columns)
        for (header, column), source in zip(cells.items(), table.columns, strict=True):
            kind = column_kind(table[source])
            assert header.startswith(str(source))
            for cell, value in zip(column, table[source], strict=True):
                if pd.isna(value):
                    assert cell.value is None, (name, header)  # missing: an empty cell
                else:
                    assert isinstance(cell.value, expected[kind]), (name, header, cell.value)
                    assert isinstance(cell.value, bool) == (kind == "bool"), (name, header)


def test_zipcodes_and_ids_keep_leading_zeros_as_text(book: tuple[Path, Any]) -> None:
    rentals = columns(book[1]["rentals"])
    assert rentals["zipcode"][0].value == "02200"
    assert rentals["zipcode"][0].data_type == "s"
    assert rentals["zipcode"][1].value == "60200,60300"
    assert rentals["category"][0].value == "102"
    locations = [c.value for c in columns(book[1]["localisations"])["location"]]
    assert locations == ["02200", "02", "60200,60300", "02"]
    assert columns(book[1]["rentals"])["zipcode"][0].number_format == "@"


def test_money_percent_and_date_formats(book: tuple[Path, Any]) -> None:
    rentals = columns(book[1]["rentals"])
    assert "€" in rentals["cost_total"][1].number_format
    assert rentals["cost_total"][1].value == 1234.5
    assert "0.000" in rentals["cost_unit"][0].number_format
    volume = columns(book[1]["volume_by_location"])
    assert volume["share_obtained"][0].number_format.endswith("%")
    assert volume["share_obtained"][0].value == pytest.approx(0.4)
    stamp = rentals["fetched_at (Europe/Paris)"][0]
    assert stamp.is_date
    # 12:30:15.123 UTC is 13:30:15.123 in Paris in March (UTC+1), to the millisecond.
    assert stamp.value == datetime(2025, 3, 1, 13, 30, 15, 123000)


def test_formula_like_text_is_text_never_a_formula(book: tuple[Path, Any]) -> None:
    rentals = columns(book[1]["rentals"])
    found = [c for col in ("campaign", "budget", "note") for c in rentals[col] if c.value]
    assert {c.value for c in found} >= {INJECTIONS[0], INJECTIONS[1], INJECTIONS[3]}
    assert all(c.data_type == "s" for c in found)
    errors = columns(book[1]["errors"])
    assert errors["error_message"][1].value == f"{INJECTIONS[2]} apiKey=***"
    # No formula anywhere in the file (a formula cell is an <f> element in the sheet XML).
    with zipfile.ZipFile(book[0]) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(archive.read(n).decode("utf-8") for n in sheets)
    assert "<f>" not in xml
    assert "<f " not in xml


def test_key_never_in_the_file(book: tuple[Path, Any]) -> None:
    with zipfile.ZipFile(book[0]) as archive:
        assert not any(KEY in archive.read(n).decode("utf-8") for n in archive.namelist())


def test_usable_sheets_frozen_header_autofilter_widths(book: tuple[Path, Any]) -> None:
    for name in SHEETS[1:]:
        sheet = book[1][name]
        assert sheet.freeze_panes == "A2"
        assert str(sheet.auto_filter.ref).startswith("A1:")
        widths = [sheet.column_dimensions[c].width for c in "ABC"]
        assert all(6 <= w <= 52 for w in widths), (name, widths)
    token = book[1]["rentals"].column_dimensions["A"].width
    assert token < book[1]["rentals"].column_dimensions["D"].width  # status_text is longer


def test_summary_totals_date_and_source(book: tuple[Path, Any]) -> None:
    sheet = book[1][SUMMARY_SHEET]
    facts = {r[0].value: r[1] for r in sheet.iter_rows(min_row=3, max_row=16) if r[0].value}
    assert facts["Rentals"].value == 2
    assert facts["Spend"].value == pytest.approx(1235.4)
    assert "€" in facts["Spend"].number_format
    assert facts["Shortfall (asked for, not available)"].value == 12
    assert facts["Share obtained"].number_format.endswith("%")
    assert facts["Data as of (Europe/Paris)"].value == datetime(2025, 3, 1, 13, 30, 15, 123000)
    assert facts["Source"].value == SOURCE
    titles = [r[0].value for r in sheet.iter_rows() if r[0].font and r[0].font.sz == 14]
    assert titles[1:] == [
        "Rentals per status",
        "Spend per category (most spent first)",
        "Top shortfalls (localities short of contacts)",
        "Spend per campaign",
    ]
    texts = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert HOSTILE_CAMPAIGN in texts
    assert INJECTIONS[0] in texts


def test_summary_tables_have_headers_for_people_and_data_sheets_keep_names(
    book: tuple[Path, Any],
) -> None:
    cells = [[c.value for c in row] for row in book[1][SUMMARY_SHEET].iter_rows()]
    assert cells_after(cells, "Rentals per status") == ["Status", "Tokens", "Cost"]
    assert any(row[0] == "no data" and row[1] == 2 for row in cells), "two tokens in error"
    assert any(str(row[0]).startswith("Asked for: the desired volumes") for row in cells)
    headers = [c.value for c in book[1]["spend_by_category"][1]]
    assert "cost_total" in headers, "data sheets keep the CSV column names"


def cells_after(cells: list[list[Any]], title: str) -> list[Any]:
    """The non-empty cells of the row after the row whose first cell is ``title``."""
    index = [row[0] for row in cells].index(title)
    return [v for v in cells[index + 1] if v is not None]


def test_three_native_charts_reference_the_sheets(book: tuple[Path, Any]) -> None:
    charts = book[1][SUMMARY_SHEET]._charts
    assert len(charts) == 3
    refs = [
        [(s.cat.strRef.f if s.cat.strRef else s.cat.numRef.f, s.val.numRef.f) for s in c.series]
        for c in charts
    ]
    assert refs == [
        [
            ("volume_by_location!$B$2:$B$4", "volume_by_location!$D$2:$D$4"),
            ("volume_by_location!$B$2:$B$4", "volume_by_location!$E$2:$E$4"),
        ],
        [("spend_by_category!$B$2", "spend_by_category!$E$2")],  # one category: one cell
        [("status_summary!$A$2:$A$7", "status_summary!$B$2:$B$7")],
    ]
    volume = book[1]["volume_by_location"]
    assert [volume["B1"].value, volume["D1"].value, volume["E1"].value] == [
        "location", "volume_desired", "volume_obtained",
    ]  # fmt: skip
    assert book[1]["spend_by_category"]["E1"].value == "cost_total"


def read_back(path: Path, name: str, table: pd.DataFrame, zone: str) -> pd.DataFrame:
    """A data sheet as a frame with ``table``'s dtypes; local date-times back to UTC."""
    sheet = openpyxl.load_workbook(path)[name]
    rows = list(sheet.iter_rows(values_only=True))
    out = pd.DataFrame(rows[1:], columns=list(table.columns))
    for column in table.columns:
        dtype = table[column].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            local = pd.to_datetime(out[column]).dt.tz_localize(zone)
            out[column] = local.dt.tz_convert("UTC").astype(dtype)
        elif isinstance(dtype, pd.CategoricalDtype):
            out[column] = out[column].astype("string").astype(dtype)
        else:
            out[column] = out[column].astype(dtype)
    return out


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "America/Sao_Paulo"])
def test_round_trip_equal_up_to_the_millisecond(tmp_path: Path, zone: str) -> None:
    frames = many_frames(300, seed=3)
    frames.rentals = pd.concat([frames.rentals, hostile_frames().rentals], ignore_index=True)
    frames.rentals["campaign"] = frames.rentals["campaign"].astype("string")
    path = write(frames, tmp_path / "r.xlsx", zone=zone)
    for name, table in report_tables(frames).items():
        if name in CSV_ONLY:
            continue
        expected = table.copy()
        for column in expected.columns:
            if expected[column].dtype == "string":
                expected[column] = expected[column].str.replace(KEY, "***", regex=False)
            if isinstance(expected[column].dtype, pd.DatetimeTZDtype):
                expected[column] = expected[column].dt.round("ms")
        back = read_back(path, name.removesuffix(".csv"), table, zone)
        assert_frame_equal(back, expected, check_categorical=False, obj=name)
    assert AT.microsecond % 1000  # the fixture's timestamps do have sub-millisecond digits


def test_french_locale_formats(tmp_path: Path) -> None:
    path = write(hostile_frames(), tmp_path / "r.xlsx", locale="fr")
    sheet = openpyxl.load_workbook(path)["rentals"]
    cells = columns(sheet)
    assert cells["cost_total"][0].number_format.startswith('#,##0.00 "€"')
    assert cells["fetched_at (Europe/Paris)"][0].number_format.startswith("dd/mm/yyyy")


def test_rentals_empty_errors_only_still_a_workbook(tmp_path: Path) -> None:
    frames = hostile_frames()
    frames.rentals = frames.rentals.iloc[0:0]
    frames.localisations = frames.localisations.iloc[0:0]
    path = write(frames, tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    assert book["rentals"].max_row == 1
    assert len(book[SUMMARY_SHEET]._charts) == 3
    assert book["errors"]["A3"].value == "t4"


def test_unknown_zone_is_a_one_line_error() -> None:
    with pytest.raises(ReportError, match=r"Unknown time zone 'Mars/Olympus'.*IANA"):
        report_zone("Mars/Olympus")


def test_users_zone_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert report_zone().name == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "not a zone")
    assert report_zone().name != "not a zone"


def test_a_table_longer_than_a_sheet_is_cut_and_said_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Excel's real limit is 1,048,575 data rows; a smaller one keeps the test fast.
    monkeypatch.setattr(workbook, "MAX_SHEET_ROWS", 3)
    path = write(hostile_frames(), tmp_path / "r.xlsx")  # 4 localisation rows
    book = openpyxl.load_workbook(path)
    assert book["localisations"].max_row == 1 + 3
    assert book["rentals"].max_row == 1 + 2  # shorter tables whole
    assert book[SUMMARY_SHEET]["A3"].value == (
        "The localisations sheet shows the first 3 of its 4 rows (Excel's limit): "
        "every row is in localisations.csv."
    )


def test_each_timestamp_in_its_own_offset_across_daylight_saving(tmp_path: Path) -> None:
    frames = hostile_frames()
    winter, summer = (
        pd.Timestamp("2025-01-15 12:00:00", tz="UTC"),
        pd.Timestamp("2025-07-15 12:00:00", tz="UTC"),
    )
    frames.rentals["fetched_at"] = pd.Series([winter, summer]).astype(
        frames.rentals["fetched_at"].dtype
    )
    path = write(frames, tmp_path / "r.xlsx", zone="Europe/Paris")
    cells = columns(openpyxl.load_workbook(path)["rentals"])["fetched_at (Europe/Paris)"]
    assert [c.value for c in cells] == [datetime(2025, 1, 15, 13), datetime(2025, 7, 15, 14)]
