"""The README's first command: `smspartner-analytics demo` on the built-in sandbox."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smspartner_analytics.cli import main
from smspartner_analytics.demo import UNKNOWN_TOKENS, run_demo
from smspartner_analytics.report.writer import CHART_FILES, CSV_FILES
from smspartner_analytics.store.db import Store

REPORT_FILES = {*CSV_FILES, *CHART_FILES}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_demo_command_writes_the_whole_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert main(["demo", "--out", str(out), "--rentals", "40", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert {p.name for p in out.iterdir()} >= {*REPORT_FILES, "report.xlsx", "report.html"}
    assert "open report.xlsx in Excel, or report.html in a browser" in printed
    rentals = _rows(out / "rentals.csv")
    assert len(rentals) == 40
    assert {r["campaign"] for r in rentals} - {""}, "campaign metadata reaches the report"
    errors = _rows(out / "errors.csv")
    assert {e["token"] for e in errors} == set(UNKNOWN_TOKENS)
    assert {e["error_code"] for e in errors} == {"32"}
    assert "Rentals per status:" in printed
    assert "Tokens without data: 3" in printed
    assert str(out) in printed


def test_demo_spend_matches_the_rows(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "r", rentals=30, seed=3, progress=False, fault_rate=0.2)
    assert result.fetch.total == 33
    assert result.fetch.failed == 0, "transient faults are retried, not lost"
    assert any(rec.attempts > 1 for rec in result.fetch.records)
    total = result.frames.rentals["cost_total"].sum()
    spend = sum(float(r["cost_total"]) for r in _rows(tmp_path / "r" / "spend_by_category.csv"))
    assert spend == pytest.approx(total)
    with Store(result.store_path) as store:
        assert len(store.latest_records()) == 33


def test_demo_shortfall_line_counts_pairs_and_localities_separately(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "r", rentals=60, seed=1, progress=False, fault_rate=0.0)
    loc = result.frames.localisations
    pairs = int((loc["shortfall"] > 0).sum())
    places = loc.loc[loc["shortfall"] > 0, ["type", "location"]].drop_duplicates()
    assert pairs > len(places), "the sample must tell pairs and localities apart"
    line = next(x for x in result.summary_lines() if x.startswith("Shortfalls:"))
    assert f"{pairs} (rental, locality) pairs short" in line
    assert f"in {len(places)} distinct localities" in line
    # the largest ones are named by the tokens' campaign and date, not by a token
    worst = result.summary_lines()[result.summary_lines().index(line) + 2]
    campaigns = set(result.frames.rentals["campaign"].dropna())
    assert any(campaign in worst for campaign in campaigns)


def test_demo_reruns_from_scratch(tmp_path: Path) -> None:
    first = run_demo(tmp_path, rentals=10, progress=False)
    second = run_demo(tmp_path, rentals=10, progress=False)
    assert second.fetch.asked == first.fetch.asked == 13
    with Store(second.store_path) as store:
        assert store.count_answers() == 13


def test_demo_as_a_new_user_runs_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    done = subprocess.run(
        [sys.executable, "-m", "smspartner_analytics", "demo", "--rentals", "20"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "smspartner-report" / "rentals.csv").is_file()
