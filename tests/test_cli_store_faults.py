"""The commands on awkward stores: a store on a read-only mount is reported (and fetch says it is
read-only, never "not a store"), broken metadata names its token, a full disk during a report
leaves the previous report whole. One line on stderr each, no traceback."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mounts import fill, read_only_view, small_tmpfs

from smspartner_analytics.cli import EXIT_ERROR, EXIT_OK, main
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.report.writer import CSV_FILES
from smspartner_analytics.store.db import Store

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BODY = json.dumps({"success": True, "status": 2, "location": {"zipcode": "06200"}})


def make_store(path: Path) -> None:
    with Store(path) as store:
        store.add_tokens([TokenEntry("tok.a", {"campaign": "spring"}), TokenEntry("tok.b", {})])
        store.record(AnswerRecord("tok.a", AT, "ok", http_status=200, body=BODY, status="ready"))
        store.record(AnswerRecord("tok.b", AT, "not_found", http_status=200, error_code=32))


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_report_of_a_store_on_a_read_only_mount(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    make_store(data / "s.sqlite")
    with read_only_view(data, tmp_path / "ro") as view:
        store = str(view / "s.sqlite")
        out = tmp_path / "out"
        assert main(["report", "--store", store, "--out", str(out)]) == EXIT_OK
        assert "Report of 1 rental and 1 error" in capsys.readouterr().out
        assert "spring" in (out / "rentals.csv").read_text(encoding="utf-8")

        monkeypatch.setenv("SMSPARTNER_API_KEY", "read-only-key")
        tokens = tmp_path / "t.txt"
        tokens.write_text("tok.c\n", encoding="utf-8")
        code = main(["fetch", str(tokens), "--store", store, "--base-url", "http://127.0.0.1:9"])
        line = one_line(capsys.readouterr().err)
        assert code == EXIT_ERROR
        assert line.startswith("error: ")
        assert "not a smspartner" not in line
        assert "move this file away" not in line


def test_report_names_the_token_with_broken_metadata(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.sqlite"
    make_store(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tokens SET metadata = '{\"campaign\": ' WHERE token = 'tok.a'")
    code = main(["report", "--store", str(path), "--out", str(tmp_path / "out")])
    line = one_line(capsys.readouterr().err)
    assert code == EXIT_ERROR
    assert line.startswith("error: The metadata of token 'tok.a'")


def test_report_on_a_full_disk_keeps_the_previous_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.sqlite"
    make_store(path)
    with small_tmpfs(tmp_path / "disk", 1024) as disk:
        out = disk / "out"
        assert main(["report", "--store", str(path), "--out", str(out)]) == EXIT_OK
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        assert set(CSV_FILES) <= set(before)
        capsys.readouterr()
        fill(disk)
        code = main(["report", "--store", str(path), "--out", str(out)])
        line = one_line(capsys.readouterr().err)
        assert code == EXIT_ERROR
        assert line.startswith("error: ")
        assert "previous report is unchanged" in line
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
