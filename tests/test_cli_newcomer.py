"""What a new user trips on first: an empty store file, the report folder's default, help that
reads right, counts in words, a sandbox started in the background that must stop on Ctrl-C."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from smspartner_analytics.cli import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, main
from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BODY = json.dumps({"success": True, "status": 2, "location": {"zipcode": "06200"}})


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_report_on_an_empty_file_says_it_is_empty_not_read_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("empty.sqlite").touch()
    assert main(["report", "--store", "empty.sqlite"]) == EXIT_ERROR
    line = one_line(capsys.readouterr().err)
    assert "empty.sqlite is empty" in line
    assert "fetch TOKENS_FILE --store empty.sqlite" in line
    assert "read-only" not in line
    assert "schema" not in line
    with pytest.raises(StoreError, match="is empty: no answers were ever saved"):
        load_frames(tmp_path / "empty.sqlite")
    assert Path("empty.sqlite").stat().st_size == 0  # reading never turned it into a store


def test_report_writes_to_the_same_default_folder_as_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry("tok.a", {"campaign": "spring"})])
        store.record(AnswerRecord("tok.a", AT, "ok", http_status=200, body=BODY, status="ready"))
    assert main(["report", "--store", "s.sqlite"]) == EXIT_OK
    assert "spring" in (tmp_path / "smspartner-report" / "rentals.csv").read_text("utf-8")
    assert "files in smspartner-report" in capsys.readouterr().out


def _help(command: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", ["60", "80", "100"])
def test_help_keeps_names_whole_and_says_the_defaults(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)  # argparse wraps to the terminal's width
    for command in ("report", "demo", "dashboard"):
        text = _help(command, capsys)
        assert "./smspartner-report" in text, command  # one default, never cut at its hyphen
    assert "pip install 'smspartner-analytics[dashboard]'" in " ".join(
        _help("dashboard", capsys).split()
    )
    assert "'smspartner-analytics[dashboard]'" in _help("dashboard", capsys)
    report = " ".join(_help("report", capsys).split())
    assert "the charts, the --xlsx workbook and the --html page" in report
    assert "from the .env of the working folder or its nearest parent" in report
    assert "beside the .env" in report


def test_base_url_without_v1_names_the_url_asked_and_agrees_with_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMSPARTNER_API_KEY", "newcomer-key-5d1c")
    with sandbox(rentals=8, seed=2) as url:
        url.server.write_tokens_csv(tmp_path / "t.csv")
        base = str(url).removesuffix("/v1")  # what a new user types first
        args = ["fetch", "t.csv", "--base-url", base, "--rate", "0", "--quiet"]
        assert main(args) == EXIT_ERROR
    out, err = capsys.readouterr()
    line = one_line(err)
    assert "newcomer-key-5d1c" not in out + err
    assert f"at {base}/location/status?apiKey=***&token=" in line  # the URL asked, key hidden
    assert "HTTP 404 page" in line
    assert f"the base URL usually ends in /v1 (try {base}/v1;" in line
    asked = re.search(r"(\d+) asked, ", out)
    assert asked is not None, out
    if int(asked.group(1)) > 5:
        assert (
            f"the first 5 answers all failed the same way ({asked.group(1)} asked before the "
            "stop) at" in line
        )
    else:
        assert "the first 5 answers all failed the same way at" in line
    assert "tokens failed" not in line


def test_unreachable_base_url_gets_no_v1_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMSPARTNER_API_KEY", "k")
    Path("t.txt").write_text("a\nb\nc\n", encoding="utf-8")
    args = ["fetch", "t.txt", "--base-url", "http://127.0.0.1:9", "--rate", "0", "--quiet"]
    assert main(args) == EXIT_ERROR
    line = one_line(capsys.readouterr().err)
    assert "the first 3 answers all failed the same way at http://127.0.0.1:9/location/" in line
    assert "(connection refused), and no answer came from the API" in line
    assert "usually ends in /v1" not in line
    assert "that the server is reachable" in line


_CLI = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"


def _ignore_ctrl_c() -> None:
    """What a shell does to a background job (``cmd &`` in a script): SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _start(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _CLI, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_ctrl_c,
    )


def _read_until(proc: subprocess.Popen[str], needle: str) -> str:
    assert proc.stdout is not None
    seen = ""
    while needle not in seen:
        line = proc.stdout.readline()
        assert line, seen  # the process ended early
        seen += line
    return seen


def _interrupt_after(proc: subprocess.Popen[str], needle: str) -> str:
    """Send SIGINT once ``needle`` is printed; return stderr (the process is never left behind)."""
    try:
        _read_until(proc, needle)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return err


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["SMSPARTNER_API_KEY"] = "background-key"
    return env


def test_sandbox_started_in_the_background_stops_on_sigint(tmp_path: Path) -> None:
    proc = _start(["sandbox", "--rentals", "3"], tmp_path, _env())
    err = _interrupt_after(proc, "Ctrl-C")
    assert proc.returncode == 0
    assert "Sandbox stopped" in err
    assert "Traceback" not in err


def test_fetch_watch_started_in_the_background_stops_on_sigint(tmp_path: Path) -> None:
    with sandbox(rentals=6, seed=4) as url:  # rentals stay still: the watch never ends alone
        url.server.write_tokens_csv(tmp_path / "t.csv")
        args = ["fetch", "t.csv", "--watch", "--every", "10s", "--base-url", url, "--quiet"]
        proc = _start(args, tmp_path, _env())
        err = _interrupt_after(proc, "round 1")
    assert proc.returncode == EXIT_INTERRUPTED
    assert "Traceback" not in err


def test_notebook_04_writes_its_report_where_git_ignores_it() -> None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():  # pragma: no cover - a source tarball, not a checkout
        pytest.skip("not a git checkout")
    notebook = json.loads((root / "notebooks" / "04-dashboard.ipynb").read_text("utf-8"))
    lines = [line for cell in notebook["cells"] for line in cell["source"]]
    (assignment,) = [line for line in lines if line.startswith("REPORT_DIR =")]
    report_dir = ast.literal_eval(assignment.split("=", 1)[1].split("#", 1)[0].strip())
    written = os.path.normpath(Path("notebooks") / report_dir / "rentals.csv")
    ignored = subprocess.run(
        ["git", "-C", str(root), "check-ignore", "-q", "--no-index", written], check=False
    )
    assert ignored.returncode == 0, f"{written} would show up in git status"
