"""`report --rebuild-cache`: a stale frames cache is recreated from the stored answers.

(A damaged cache is rebuilt even without the flag: ``tests/test_frames_cache.py``.)
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from smspartner_analytics.cli import main
from smspartner_analytics.core.schema import AnswerRecord
from smspartner_analytics.frames.cache import cache_dir
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.store.db import Store

AT = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _store(path: Path, sexe: str) -> Path:
    body = json.dumps({"success": True, "status": 2, "location": {"sexe": sexe}})
    with Store(path) as store:
        store.record(AnswerRecord("tok", AT, "ok", http_status=200, body=body, status="ready"))
    return path


def _report_sexe(store: Path, out: Path, *flags: str) -> str:
    assert main(["report", "--store", str(store), "--out", str(out), *flags]) == 0
    rentals = pd.read_csv(out / "rentals.csv", dtype=str)
    return str(rentals.loc[rentals["token"] == "tok", "sexe"].iloc[0])


def test_a_stale_cache_is_used_without_the_flag_and_rebuilt_with_it(tmp_path: Path) -> None:
    store = _store(tmp_path / "store.sqlite", "F")
    # the same token, time and answer id in another store, with another body: a cache built from
    # it passes every check of the real store's, so only a rebuild can tell
    other = _store(tmp_path / "other" / "store.sqlite", "M")
    load_frames(other)
    shutil.copytree(cache_dir(other), cache_dir(store))
    assert _report_sexe(store, tmp_path / "stale") == "M"
    assert _report_sexe(store, tmp_path / "rebuilt", "--rebuild-cache") == "F"
    assert load_frames(store).rentals["sexe"].tolist() == ["F"]  # the cache on disk was rewritten


def test_the_flag_is_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    assert "--rebuild-cache" in capsys.readouterr().out
