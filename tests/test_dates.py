"""``frames.dates.read_dates``: the one reader of the tokens' dates. French ``dd/mm/yyyy`` day
first, ISO as ISO, a column proven month-first month first, decided per column; what is no date
is missing with one warning line. ``spend_over_time`` puts rentals in the months they were in."""

from __future__ import annotations

import dataclasses
import datetime as dt
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from helpers import AT, rental_answer
from hypothesis import given, settings
from hypothesis import strategies as st

from smspartner_analytics.analysis import rental_labels, spend_over_time
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.coercion import DataWarning
from smspartner_analytics.frames.dates import date_order, looks_like_dates, read_dates
from smspartner_analytics.frames.flattening import flatten, join_metadata

_DAYS = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2068, 12, 31))
_SEPARATORS = st.sampled_from("/-.")


def _column(values: Sequence[str | None], name: str = "Date de commande") -> pd.Series:
    return pd.Series(list(values), name=name, dtype="string")


def _stamps(days: list[dt.date]) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in days]


def _read(values: list[str | None]) -> list[pd.Timestamp | None]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a readable column warns about nothing
        out = read_dates(_column(values))
    return [None if pd.isna(v) else v for v in out]


@settings(max_examples=150, deadline=None)
@given(
    days=st.lists(_DAYS, min_size=1, max_size=20),
    sep=_SEPARATORS,
    padded=st.booleans(),
    short_year=st.booleans(),
)
def test_french_dates_are_read_day_first(
    days: list[dt.date], sep: str, padded: bool, short_year: bool
) -> None:
    """Whatever the days (all of them 12 or less included), ``dd/mm/yyyy`` is day first."""
    part = "{:02d}" if padded else "{:d}"
    texts = [
        sep.join([part.format(d.day), part.format(d.month), f"{d.year % 100:02d}"])
        if short_year
        else sep.join([part.format(d.day), part.format(d.month), str(d.year)])
        for d in days
    ]
    assert date_order(_column(list(texts))) == "day-first"
    assert _read(list(texts)) == _stamps(days)


@settings(max_examples=150, deadline=None)
@given(
    moments=st.lists(
        st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1)),
        min_size=1,
        max_size=20,
    ),
    zone=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=1))]),
    shape=st.sampled_from(["day", "minutes", "seconds", "full"]),
)
def test_iso_dates_are_read_as_iso(
    moments: list[dt.datetime], zone: dt.tzinfo | None, shape: str
) -> None:
    """ISO days, with a time and with or without a zone (converted to UTC)."""
    moments = [m.replace(microsecond=0, tzinfo=zone) for m in moments]
    if shape == "day":
        moments = [m.replace(hour=0, minute=0, second=0, tzinfo=None) for m in moments]
        texts = [m.date().isoformat() for m in moments]
    elif shape == "minutes":
        moments = [m.replace(second=0) for m in moments]
        texts = [m.isoformat(timespec="minutes") for m in moments]
    else:
        texts = [m.isoformat(sep="T" if shape == "full" else " ") for m in moments]
    expected = [pd.Timestamp(m).tz_convert(None) if m.tzinfo else pd.Timestamp(m) for m in moments]
    assert _read(list(texts)) == expected


@settings(max_examples=150, deadline=None)
@given(days=st.lists(_DAYS, min_size=1, max_size=20), proof=_DAYS.filter(lambda d: d.day > 12))
def test_a_column_proven_month_first_is_read_month_first(
    days: list[dt.date], proof: dt.date
) -> None:
    """One ``mm/dd/yyyy`` value with a day above 12 (and none in the first place) proves it."""
    days = [*days, proof]
    texts = [f"{d.month:02d}/{d.day:02d}/{d.year}" for d in days]
    assert date_order(_column(list(texts))) == "month-first"
    assert _read(list(texts)) == _stamps(days)


def test_an_ambiguous_column_is_read_day_first_the_whole_column() -> None:
    """``format="mixed"`` read 11/12/2025 as 12 November beside 13/12/2025 as 13 December."""
    assert _read(["11/12/2025", "03/01/2026", "13/12/2025", None, " "]) == [
        pd.Timestamp(2025, 12, 11),
        pd.Timestamp(2026, 1, 3),
        pd.Timestamp(2025, 12, 13),
        None,
        None,
    ]


def test_a_time_after_a_french_date_is_kept() -> None:
    assert _read(["11/12/2025 14:30", "11.12.2025 09:05:07"]) == [
        pd.Timestamp(2025, 12, 11, 14, 30),
        pd.Timestamp(2025, 12, 11, 9, 5, 7),
    ]


_GARBAGE = st.sampled_from(["demain", "2025", "31/02/2025", "12/2025", "n/a", "1000,00", "T4"])


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.one_of(_DAYS.map(lambda d: ("day", d)), _GARBAGE.map(lambda g: ("bad", g)))),
)
def test_values_that_are_no_dates_are_missing_with_one_warning_line(
    rows: list[tuple[str, object]],
) -> None:
    texts = [f"{v:%d/%m/%Y}" if kind == "day" else str(v) for kind, v in rows]
    bad = [text for (kind, _), text in zip(rows, texts, strict=True) if kind == "bad"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = read_dates(_column(list(texts)))
    expected = [pd.Timestamp(v) if kind == "day" else None for kind, v in rows]  # type: ignore[arg-type]
    assert [None if pd.isna(v) else v for v in out] == expected
    if not bad:
        assert not caught
        return
    assert len(caught) == 1
    assert issubclass(caught[0].category, DataWarning)
    line = str(caught[0].message)
    assert "\n" not in line
    assert line.startswith(f"column 'Date de commande': {len(bad)} value(s) could not be read")
    assert f"(e.g. {bad[0]!r})" in line
    assert "31/12/2025 (day/month/year)" in line


def test_a_column_with_both_orders_is_read_day_first_and_names_the_rest() -> None:
    with pytest.warns(DataWarning, match=r"1 value\(s\).*'12/31/2025'"):
        out = read_dates(_column(["31/12/2025", "12/31/2025"]))
    assert out.iloc[0] == pd.Timestamp(2025, 12, 31)
    assert pd.isna(out.iloc[1])


def test_datetime_columns_and_numbers() -> None:
    stamps = pd.Series(pd.to_datetime(["2025-12-11T10:00:00+01:00"], utc=True), name="at")
    assert read_dates(stamps).tolist() == [pd.Timestamp(2025, 12, 11, 9)]
    assert looks_like_dates(_column(["11/12/2025", "2025-12-11", None]))
    assert not looks_like_dates(_column(["1000,00", "250,50"]))
    assert not looks_like_dates(_column(["11/12/2025", "demain"]))
    assert not looks_like_dates(_column([None]))
    assert looks_like_dates(_column([None] * 300 + ["11/12/2025"]))  # past the rows seen first
    assert not looks_like_dates(_column(["11/12/2025"] * 300 + ["T4"]))


# Rentals from September 2025 to May 2026, dated as a French Excel writes them.
ORDERS = {
    "t01": "11/09/2025",
    "t02": "03/10/2025",
    "t03": "21/10/2025",
    "t04": "11/12/2025",
    "t05": "03/01/2026",
    "t06": "12/02/2026",
    "t07": "05/03/2026",
    "t08": "01/04/2026",
    "t09": "10/05/2026",
    "t10": "31/05/2026",
}


def _french_rentals() -> pd.DataFrame:
    answers = [rental_answer(token, "ready", cost_total=1.5, quantity=10) for token in ORDERS]
    frames = flatten(answers, fetched_at=AT)
    metadata = {t: {"campaign": "Soldes", "Date de commande": d} for t, d in ORDERS.items()}
    return dataclasses.replace(frames, rentals=join_metadata(frames.rentals, metadata)).rentals


def test_spend_over_time_puts_french_dates_in_their_months() -> None:
    out = spend_over_time(_french_rentals())
    assert [str(p) for p in out["period"]] == [
        "2025-09",
        "2025-10",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
        "2026-04",
        "2026-05",
    ]
    assert out["rentals"].tolist() == [1, 2, 1, 1, 1, 1, 1, 2]
    assert out["cost_total"].sum() == pytest.approx(15.0)


def test_spend_over_time_finds_a_column_of_dates_whatever_its_name() -> None:
    rentals = _french_rentals().rename(columns={"Date de commande": "Commandé le"})
    out = spend_over_time(rentals)
    assert [str(p) for p in out["period"]][:2] == ["2025-09", "2025-10"]
    with pytest.raises(InputError, match="31/12/2025"):
        spend_over_time(rentals.drop(columns="Commandé le"))


def test_rental_names_show_the_day_one_way() -> None:
    rentals = _french_rentals()
    names = rental_labels(rentals)
    assert names["t04"] == "Soldes · 2025-12-11"
    assert names["t05"] == "Soldes · 2026-01-03"


@pytest.mark.parametrize(("locale", "shown"), [("fr", "dd/mm/yyyy"), ("en", "yyyy-mm-dd")])
def test_the_workbook_writes_the_tokens_dates_as_excel_dates(
    tmp_path: Path, locale: Locale, shown: str
) -> None:
    """The order date is a real Excel date (sorts and filters as one), the day written; a value
    that is no date stays its text, and the CSV file keeps the text as the tokens file wrote it."""
    import openpyxl

    from smspartner_analytics.report.writer import write_report

    frames = flatten([rental_answer(t, "ready") for t in ("t1", "t2", "t3", "t4")], fetched_at=AT)
    dates = {"t1": "11/12/2025", "t2": "03/01/2026", "t3": "=1+1", "t4": "05/01/2026 14:30"}
    metadata = {t: {"Date de commande": d} for t, d in dates.items()}
    frames = dataclasses.replace(frames, rentals=join_metadata(frames.rentals, metadata))
    write_report(frames, tmp_path, xlsx=True, charts=False, locale=locale)
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["rentals"]
    rows = list(sheet.iter_rows())
    col = [c.value for c in rows[0]].index("Date de commande")
    cells = {str(r[0].value): r[col] for r in rows[1:]}
    assert cells["t1"].value == dt.datetime(2025, 12, 11)
    assert cells["t1"].number_format == f"{shown} hh:mm:ss"  # a time in the column: shown
    assert cells["t2"].value == dt.datetime(2026, 1, 3)
    assert cells["t3"].value == "=1+1"
    assert cells["t3"].data_type == "s"  # text, never a formula
    assert cells["t4"].value == dt.datetime(2026, 1, 5, 14, 30)
    assert cells["t4"].number_format == f"{shown} hh:mm:ss"
    header = [c.value for c in rows[0]][col]
    assert header == "Date de commande"  # no zone: the day the file wrote
    text = (tmp_path / "rentals.csv").read_text(encoding="utf-8")
    assert "11/12/2025" in text


def test_the_workbook_shows_a_column_of_days_as_days(tmp_path: Path) -> None:
    import openpyxl

    from smspartner_analytics.report.writer import write_report

    frames = flatten([rental_answer("t1", "ready")], fetched_at=AT)
    metadata = {"t1": {"Date de commande": "03/01/2026"}}
    frames = dataclasses.replace(frames, rentals=join_metadata(frames.rentals, metadata))
    write_report(frames, tmp_path, xlsx=True, csv=False, charts=False, locale="fr")
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx")["rentals"]
    rows = list(sheet.iter_rows())
    cell = rows[1][[c.value for c in rows[0]].index("Date de commande")]
    assert (cell.value, cell.number_format) == (dt.datetime(2026, 1, 3), "dd/mm/yyyy")
