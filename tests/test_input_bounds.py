"""Hostile or malformed input files (tokens and labels): bounded reading, CSV problems named by
line, nothing swallowed silently, and no traceback from the command."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_USAGE, main
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.labels import load_labels
from smspartner_analytics.store.tokens import MAX_TOKEN_LENGTH, parse_tokens, read_tokens

TOKEN = "a" * 40
BIG = csv.field_size_limit() + 10


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def cli_fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err


# --- tokens file -----------------------------------------------------------------------------


def test_unclosed_quote_is_an_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = write(tmp_path / "t.csv", 'token,campaign\nok.1,"oops\nok.2,x\nok.3,y\n')
    with pytest.raises(InputError, match="line 2: a quote opened on this line is never closed"):
        read_tokens(tokens)
    err = cli_fails(capsys, "fetch", str(tokens))
    assert "line 2" in err


def test_quoted_value_over_several_lines_is_warned_with_its_lines(tmp_path: Path) -> None:
    tokens = write(tmp_path / "t.csv", 'token,campaign\nok.1,"oops\nok.2,x"\nok.3,y\n')
    with pytest.warns(UserWarning, match="lines 2-3"):
        entries = read_tokens(tokens)
    assert [e.token for e in entries] == ["ok.1", "ok.3"]


def test_cli_prints_the_spanning_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = write(tmp_path / "t.csv", 'token,campaign\nok.1,"oops\nok.2,x"\n')
    assert main(["fetch", str(tokens)]) != 0  # no key: stops after reading the file
    err = capsys.readouterr().err
    assert "warning: " in err
    assert "lines 2-3" in err
    assert "Traceback" not in err


def test_row_longer_than_the_header_is_warned_with_its_line(tmp_path: Path) -> None:
    tokens = write(tmp_path / "t.csv", "token,campaign\nok.1,a\nok.2,b,extra,more\nok.3,c,\n")
    with pytest.warns(UserWarning, match=r"line 3 \(4 fields\)") as caught:
        entries = read_tokens(tokens)
    assert "line 4" not in str(caught[0].message)  # an empty trailing field loses nothing
    assert [e.metadata for e in entries] == [{"campaign": c} for c in "abc"]


def test_field_over_the_csv_limit_is_an_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = write(tmp_path / "t.csv", f"token,note\nok.1,a\nok.2,{'n' * BIG}\n")
    with pytest.raises(InputError, match=r"line 3: a field is longer than 131,072"):
        read_tokens(tokens)
    assert "line 3" in cli_fails(capsys, "fetch", str(tokens))


def test_token_over_the_cap_is_refused_naming_its_line(tmp_path: Path) -> None:
    ok = "b" * MAX_TOKEN_LENGTH
    tokens = write(tmp_path / "t.txt", f"{TOKEN}\n{ok}\n{'c' * (MAX_TOKEN_LENGTH + 1)}\n")
    with pytest.raises(InputError, match="line 3: a token of 257 characters"):
        read_tokens(tokens)
    assert [e.token for e in parse_tokens(f"{TOKEN}\n{ok}\n")] == [TOKEN, ok]


def test_ten_megabyte_token_is_refused_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = write(tmp_path / "t.txt", f"{TOKEN}\n{'d' * 10_000_000}\n")
    with pytest.raises(InputError, match="line 2: longer than 1,048,576 bytes"):
        read_tokens(tokens)
    assert "line 2" in cli_fails(capsys, "fetch", str(tokens))


def test_dev_zero_as_tokens_file_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(InputError, match="line 1: longer than"):
        read_tokens("/dev/zero")
    cli_fails(capsys, "fetch", "/dev/zero")


def test_dev_zero_on_standard_input_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    root = str(Path(__file__).resolve().parents[1])
    with Path("/dev/zero").open("rb") as zero:
        done = subprocess.run(
            [sys.executable, "-m", "smspartner_analytics", "fetch", "-"],
            stdin=zero,
            capture_output=True,
            text=True,
            env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
            timeout=60,
            check=False,
        )
    assert done.returncode == EXIT_USAGE
    assert done.stderr.startswith("error: standard input, line 1: longer than")
    assert "Traceback" not in done.stderr


def test_text_stdin_still_reads(tmp_path: Path) -> None:
    assert [e.token for e in read_tokens("-", stdin=io.StringIO(f"{TOKEN}\n"))] == [TOKEN]


# --- labels file ------------------------------------------------------------------------------


def test_labels_unclosed_quote_is_an_error_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    labels = write(tmp_path / "l.csv", 'kind,id,label\ncategory,1,"Un\ncategory,2,Deux\n')
    with pytest.raises(InputError, match="line 2: a quote opened"):
        load_labels(labels)


def test_labels_field_over_the_limit_names_its_line(tmp_path: Path) -> None:
    labels = write(tmp_path / "l.csv", f"kind,id,label\ncategory,1,{'x' * BIG}\n")
    with pytest.raises(InputError, match="line 2: a field is longer"):
        load_labels(labels)


def test_labels_spanning_and_long_rows_are_warned(tmp_path: Path) -> None:
    labels = write(
        tmp_path / "l.csv",
        'kind,id,label\ncategory,1,"Un\ncategory,2,Deux"\ncategory,3,Trois,oops\n',
    )
    with pytest.warns(UserWarning, match="Labels file") as caught:
        loaded = load_labels(labels)
    messages = " | ".join(str(w.message) for w in caught)
    assert "lines 2-3" in messages
    assert "line 4 (4 fields)" in messages
    assert loaded.label("category", "3") == "Trois"
    assert loaded.label("category", "2") == "2"  # swallowed into label 1, and said so


def test_labels_dev_zero_is_refused_by_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    with pytest.raises(InputError, match="line 1: longer than"):
        load_labels("/dev/zero")


def test_report_prints_label_warnings_on_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from smspartner_analytics.core.schema import AnswerRecord
    from smspartner_analytics.store.db import Store

    with Store(tmp_path / "s.sqlite") as store:
        at = datetime(2025, 3, 1, tzinfo=UTC)
        store.record(AnswerRecord("t", at, "not_found", http_status=200, error_code=32))
    labels = write(tmp_path / "l.csv", "kind,id,label\ncategory,3,Trois,oops\n")
    argv = ["report", "--store", str(tmp_path / "s.sqlite"), "--out", str(tmp_path / "out")]
    assert main([*argv, "--labels", str(labels)]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: Labels file ")
    assert "line 2 (4 fields)" in err


@pytest.mark.parametrize("command", ["fetch", "report"])
def test_store_that_is_a_device_is_refused_by_the_command(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
) -> None:
    if not Path("/dev/null").exists():
        pytest.skip("no /dev/null here")
    monkeypatch.setenv("SMSPARTNER_API_KEY", "device-test-key")
    tokens = write(tmp_path / "t.txt", f"{TOKEN}\n")
    if command == "fetch":
        argv = ["fetch", str(tokens), "--base-url", "http://127.0.0.1:9"]
    else:
        argv = ["report", "--out", str(tmp_path / "out")]
    code = main([*argv, "--store", "/dev/null"])
    err = capsys.readouterr().err
    assert code != 0
    assert "not a regular file" in err
    assert len(err.strip().splitlines()) == 1
    assert not Path("/dev/null-journal").exists()
