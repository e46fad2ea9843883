"""write_report and `smspartner-analytics report`: files, both CSV modes, round trips, safety."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal
from report_frames import AT, KEY, answer

from smspartner_analytics.analysis import spend_by_category, status_summary, volume_by_location
from smspartner_analytics.cli import main
from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.frames.dtypes import (
    ERROR_DTYPES,
    LOCALISATION_DTYPES,
    RENTAL_DTYPES,
    STATUS_DTYPE,
    Frames,
)
from smspartner_analytics.frames.flattening import flatten, join_metadata
from smspartner_analytics.report import csvfiles as csvout
from smspartner_analytics.report.csvfiles import read_csv
from smspartner_analytics.report.writer import CHART_FILES, CSV_FILES, EMPTY_STORE, write_report
from smspartner_analytics.store.db import Store


def make_frames() -> Frames:
    answers = [
        answer("t1", "06200", "0.900", "File downloaded by user from api", 31),
        answer("t2", "60200,60300", "1234.500", "=cmd|' /C calc'!A0", -3),
        {"success": False, "code": 32, "message": "Location introuvable", "token": "t3"},
        {"success": False, "code": 10, "message": f"@SUM(1) apiKey={KEY}", "token": "t4"},
    ]
    frames = flatten(answers, fetched_at=AT)
    frames.rentals = join_metadata(
        frames.rentals,
        {
            "t1": {"campaign": '=HYPERLINK("http://x")', "budget": "-5", "note": "Paris; été"},
            "t2": {"campaign": "+33 6 00", "budget": "12,5", "note": f"key {KEY}"},
        },
    )
    return frames


TYPED = {
    "rentals.csv": {**RENTAL_DTYPES, "status": STATUS_DTYPE},
    "localisations.csv": LOCALISATION_DTYPES,
    "errors.csv": ERROR_DTYPES,
}


def _expected(table: pd.DataFrame) -> pd.DataFrame:
    """What a CSV keeps: text cells as text (the API key redacted), money at three decimals."""
    out = table.copy()
    for name in out.columns:
        if out[name].dtype == "string":
            out[name] = out[name].str.replace(KEY, "***", regex=False)
    return out


@pytest.mark.parametrize("excel", [False, True])
def test_round_trip_gives_the_same_values(
    tmp_path: Path, excel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    frames = make_frames()
    write_report(frames, tmp_path, excel=excel, charts=False)
    for name, table in (
        ("rentals.csv", frames.rentals),
        ("localisations.csv", frames.localisations),
        ("errors.csv", frames.errors),
    ):
        back = read_csv(tmp_path / name, TYPED[name], excel=excel)
        assert_frame_equal(back, _expected(table), check_categorical=False, check_dtype=False)
        for column, dtype in TYPED[name].items():
            assert str(back[column].dtype) == str(dtype), (name, column)
    aggregates = {
        "spend_by_category.csv": spend_by_category(frames.rentals),
        "volume_by_location.csv": volume_by_location(frames.localisations),
        "status_summary.csv": status_summary(frames.rentals),
    }
    for name, table in aggregates.items():
        dtypes = {
            str(c): str(t) if str(t) != "category" else "string" for c, t in table.dtypes.items()
        }
        back = read_csv(tmp_path / name, dtypes, excel=excel)
        assert_frame_equal(
            back, table, check_dtype=False, check_categorical=False, atol=5e-4, check_exact=False
        )


def test_plain_mode_format(tmp_path: Path) -> None:
    write_report(make_frames(), tmp_path, charts=False)
    raw = (tmp_path / "rentals.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").splitlines()
    assert lines[0].startswith("token,status,status_code,status_text,sexe,min_age,max_age,zipcode")
    assert lines[0].endswith(
        "phone_numbers,fetched_at,last_attempt_at,last_attempt_outcome,last_attempt_reason,"
        "campaign,budget,note"
    )
    first = lines[1].split(",")
    assert first[7] == "06200"
    assert first[13] == "0.900"
    assert first[16] == "2025-03-01T12:30:15.123456+00:00"
    assert '"60200,60300"' in lines[2]
    assert ",1234.500," in lines[2]


def test_excel_mode_format(tmp_path: Path) -> None:
    write_report(make_frames(), tmp_path, excel=True, charts=False)
    raw = (tmp_path / "rentals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["token", "status", "status_code"]
    first = lines[1].split(";")
    assert first[7] == "06200"  # identifiers stay text
    assert (first[13], first[14]) == ("0,900", "0,090")
    assert ';"60200,60300";' in lines[2]  # comma list quoted: French Excel reads 2200.602 else
    assert ';"12,5";' in lines[2]  # decimal-looking text quoted too
    assert ";'+33 6 00;" in lines[2]  # other text unquoted
    assert ";1234,500;" in lines[2]
    assert '"Paris; été"' in lines[1]
    locs = (tmp_path / "volume_by_location.csv").read_text(encoding="utf-8-sig").splitlines()
    assert locs[0] == (
        "type;location;rentals;volume_desired;volume_obtained;shortfall;share_obtained;"
        "volume_available_max"
    )
    assert locs[1].endswith(";4;6;0,4;4")


@pytest.mark.parametrize("excel", [False, True])
def test_formula_like_text_is_neutralised_and_numbers_untouched(
    tmp_path: Path, excel: bool
) -> None:
    write_report(make_frames(), tmp_path, excel=excel, charts=False)
    sep = ";" if excel else ","
    rentals = pd.read_csv(
        tmp_path / "rentals.csv", sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert rentals["campaign"].tolist() == ['\'=HYPERLINK("http://x")', "'+33 6 00"]
    assert rentals["budget"].tolist() == ["'-5", "12,5"]
    assert rentals["status_text"].tolist()[1] == "'=cmd|' /C calc'!A0"
    assert rentals["min_age"].tolist() == ["31", "-3"]  # a numeric column: left alone
    errors = pd.read_csv(
        tmp_path / "errors.csv", sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert errors["error_message"].tolist()[1].startswith("'@SUM(1)")


def test_the_api_key_appears_in_no_report_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    written = write_report(make_frames(), tmp_path / "out")
    assert {p.name for p in written} == set(CSV_FILES) | set(CHART_FILES)
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    assert "apiKey=***" in (tmp_path / "out" / "errors.csv").read_text(encoding="utf-8")


def test_charts_are_png_files(tmp_path: Path) -> None:
    written = write_report(make_frames(), tmp_path)
    for name in CHART_FILES:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in written] == [*CSV_FILES, *CHART_FILES]


def test_empty_frames_give_a_clear_message_and_no_files(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="run `smspartner-analytics fetch TOKENS_FILE` first"):
        write_report(flatten([]), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_only_errors_still_write_every_file_with_headers(tmp_path: Path) -> None:
    frames = flatten([{"success": False, "code": 32, "message": "Location introuvable"}])
    write_report(frames, tmp_path, charts=False)
    header = (tmp_path / "rentals.csv").read_text(encoding="utf-8").splitlines()
    assert header == [",".join(RENTAL_DTYPES)]
    summary = pd.read_csv(tmp_path / "status_summary.csv")
    assert summary["rentals"].sum() == 0


def test_a_failed_write_leaves_the_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_report(make_frames(), tmp_path, charts=False)
    before = (tmp_path / "rentals.csv").read_bytes()

    def broken(fh: Any, frame: pd.DataFrame, excel: bool, secrets: list[str]) -> None:
        fh.write("token,half a line")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(csvout, "_write_rows", broken)
    with pytest.raises(ReportError, match="No space left on device"):
        write_report(make_frames(), tmp_path, charts=False)
    assert (tmp_path / "rentals.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(CSV_FILES)  # no temp files


def test_an_unusable_out_folder_is_a_report_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(ReportError, match="choose another --out"):
        write_report(make_frames(), blocker / "sub", charts=False)


# --- the command -----------------------------------------------------------------------------


def _store(path: Path) -> None:
    with Store(path) as store:
        store.add_tokens([TokenEntry("t1", {"campaign": "spring"}), TokenEntry("t2", {})])
        body = json.dumps(answer("t1", "06200", "0.900", 5, 31))
        store.record(AnswerRecord("t1", AT, "ok", http_status=200, body=body, status="downloaded"))
        store.record(
            AnswerRecord(
                "t2", AT, "not_found", http_status=200, error_code=32, error_message="introuvable"
            )
        )


def test_cli_report_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _store(tmp_path / "s.sqlite")
    labels = tmp_path / "labels.csv"
    labels.write_text("kind,id,label\ncategory,102,Cadres\n", encoding="utf-8")
    code = main(
        ["report", "--store", str(tmp_path / "s.sqlite"), "--out", "rep", "--labels", str(labels)]
    )
    out = capsys.readouterr().out
    assert code == 0
    for name in (*CSV_FILES, *CHART_FILES):
        assert name in out
        assert (tmp_path / "rep" / name).is_file()
    assert "1 rental and 1 error" in out
    rentals = pd.read_csv(tmp_path / "rep" / "rentals.csv", dtype=str)
    assert rentals["category_label"].tolist() == ["Cadres"]
    assert rentals["campaign"].tolist() == ["spring"]


def test_cli_report_excel_and_store_from_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(tmp_path / "env.sqlite")
    monkeypatch.setenv("SMSPARTNER_STORE", str(tmp_path / "env.sqlite"))
    assert main(["report", "--out", "x", "--excel"]) == 0
    assert (tmp_path / "x" / "rentals.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_cli_report_without_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--out", "rep"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err == (
        "error: No store at smspartner.sqlite: run `smspartner-analytics fetch TOKENS_FILE` "
        "first (or pass --store)."
    )
    assert not (tmp_path / "smspartner.sqlite").exists()
    assert not (tmp_path / "rep").exists()


def test_cli_report_of_an_empty_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Store(tmp_path / "e.sqlite").close()
    assert main(["report", "--store", str(tmp_path / "e.sqlite"), "--out", "rep"]) == 1
    assert EMPTY_STORE in capsys.readouterr().err
