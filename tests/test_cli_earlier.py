"""The real command, run as a process, says when rentals are shown from an earlier answer.

A good ``fetch``, then ``fetch --refresh`` with a refused key (over HTTP, against the sandbox):
``fetch`` says the rentals whose attempt failed keep their earlier answer, and ``report`` counts
them with the dashboard's words and says what to do, until a good fetch updates them.
"""

from __future__ import annotations

import re
from pathlib import Path

from helpers import run_cli

from smspartner_analytics.cli import EXIT_AUTH, EXIT_OK
from smspartner_analytics.core.earlier import ADVICE, EARLIER
from smspartner_analytics.frames.earlier import earlier_answers
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import sandbox

KEY = "cli-earlier-key-81c4e2"
KEPT = re.compile(r"^(\d+) rentals? whose attempt failed keeps? showing (?:its|their) earlier")


def _kept_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if KEPT.match(line)]


def test_fetch_and_report_say_which_rentals_keep_an_earlier_answer(tmp_path: Path) -> None:
    with sandbox(rentals=16, seed=8, api_key=KEY) as url:
        url.server.write_tokens_csv(tmp_path / "tokens.csv")
        fetch = ("fetch", "tokens.csv", "--base-url", url, "--rate", "0")
        # a refused key on an empty store: nothing to keep, nothing said about it
        refused = run_cli(tmp_path, *fetch, "--store", "empty.sqlite", key="wrong")
        assert refused.code == EXIT_AUTH
        assert _kept_lines(refused.stdout) == []

        good = run_cli(tmp_path, *fetch, key=KEY)
        assert good.code == EXIT_OK, good.stderr
        assert _kept_lines(good.stdout) == []
        report = run_cli(tmp_path, "report", "--out", "first", "--no-csv", key=KEY)
        assert report.code == EXIT_OK, report.stderr
        assert EARLIER not in report.stdout

        failed = run_cli(tmp_path, *fetch, "--refresh", key="not-the-key")
        assert failed.code == EXIT_AUTH
        assert len(failed.stderr.splitlines()) == 1  # still the one error line
        (kept_line,) = _kept_lines(failed.stdout)
        found = KEPT.match(kept_line)
        assert found is not None
        kept = int(found.group(1))
        frames = load_frames(tmp_path / "smspartner.sqlite")
        earlier = earlier_answers(frames.rentals, frames.errors)
        assert kept == earlier.count == frames.rentals["last_attempt_at"].notna().sum() > 0
        assert kept_line.endswith(f"to update {'it' if kept == 1 else 'them'}, {ADVICE}.")

        report = run_cli(tmp_path, "report", "--out", "second", "--no-csv", key=KEY)
        assert report.code == EXIT_OK, report.stderr
        lines = report.stdout.splitlines()
        assert lines[-2].startswith(f"Report of {len(frames.rentals)} rentals")
        assert lines[-1] == (
            f"{kept} {EARLIER} (latest attempt failed: refused key): to update them, {ADVICE}."
        )

        healed = run_cli(tmp_path, *fetch, "--refresh", key=KEY)
        assert healed.code == EXIT_OK, healed.stderr
        assert _kept_lines(healed.stdout) == []
        report = run_cli(tmp_path, "report", "--out", "third", "--no-csv", key=KEY)
        assert EARLIER not in report.stdout
