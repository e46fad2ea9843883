"""`report --xlsx --html` and write_report(xlsx=, html=, csv=, locale=): which files are written,
options shared by every format."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from report_frames import AT, KEY, answer, hostile_frames

from smspartner_analytics.cli import main
from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.report.charts import CHART_FILES
from smspartner_analytics.report.writer import (
    CSV_FILES,
    HTML_FILE,
    XLSX_FILE,
    write_report,
)
from smspartner_analytics.store.db import Store


def make_store(path: Path) -> Path:
    with Store(path) as store:
        store.add_tokens([TokenEntry("t1", {"campaign": "<b>spring</b>"}), TokenEntry("t2", {})])
        body = json.dumps(answer("t1", "02200", "0.900", 5, 31))
        store.record(AnswerRecord("t1", AT, "ok", http_status=200, body=body, status="downloaded"))
        store.record(
            AnswerRecord(
                "t2", AT, "not_found", http_status=200, error_code=32, error_message="introuvable"
            )
        )
    return path


def test_cli_flags_combine_beside_the_csvs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = make_store(tmp_path / "s.sqlite")
    args = ["report", "--store", str(store), "--out", "rep", "--xlsx", "--html"]
    assert main([*args, "--locale", "fr", "--timezone", "Europe/Paris"]) == 0
    out = capsys.readouterr().out
    expected = {*CSV_FILES, *CHART_FILES, XLSX_FILE, HTML_FILE}
    assert {p.name for p in (tmp_path / "rep").iterdir()} == expected
    assert f"{len(expected)} files in rep" in out
    book = openpyxl.load_workbook(tmp_path / "rep" / XLSX_FILE)
    facts = {r[0].value: r[1].value for r in book["Summary"].iter_rows() if r[0].value}
    assert facts["Source"] == str(store)  # where the data came from: the store path
    assert book["rentals"]["H2"].value == "02200"
    assert book["rentals"]["N2"].number_format.startswith('#,##0.00 "€"')  # French locale
    page = (tmp_path / "rep" / HTML_FILE).read_text(encoding="utf-8")
    assert '<html lang="fr">' in page
    assert "&lt;b&gt;spring&lt;/b&gt;" in page
    assert "0,90\u00a0€" in page


def test_cli_no_csv_writes_only_what_was_asked(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s.sqlite")
    assert main(["report", "--store", str(store), "--out", "rep", "--no-csv", "--html"]) == 0
    assert {p.name for p in (tmp_path / "rep").iterdir()} == {*CHART_FILES, HTML_FILE}


def test_a_later_report_without_xlsx_removes_the_old_workbook(tmp_path: Path) -> None:
    write_report(hostile_frames(), tmp_path, xlsx=True, charts=False)
    assert (tmp_path / XLSX_FILE).is_file()
    write_report(hostile_frames(), tmp_path, charts=False)
    assert not (tmp_path / XLSX_FILE).exists()  # one folder, one report: no stale workbook


def test_key_from_the_environment_never_in_xlsx_or_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    written = write_report(hostile_frames(), tmp_path, xlsx=True, html=True, charts=False)
    assert {p.name for p in written} >= {XLSX_FILE, HTML_FILE}
    assert KEY not in (tmp_path / HTML_FILE).read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / XLSX_FILE) as archive:
        assert not any(KEY in archive.read(n).decode("utf-8") for n in archive.namelist())


def test_nothing_to_write_and_bad_locale_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="Nothing to write"):
        write_report(hostile_frames(), tmp_path, csv=False, charts=False)
    with pytest.raises(ReportError, match="unknown locale 'de'"):
        write_report(hostile_frames(), tmp_path, html=True, locale="de")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_timezone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = make_store(tmp_path / "s.sqlite")
    args = ["report", "--store", str(store), "--out", "rep", "--xlsx", "--timezone", "Mars/X"]
    assert main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: Unknown time zone 'Mars/X': use an IANA name such as Europe/Paris or UTC."
    )
    assert not (tmp_path / "rep").exists()
