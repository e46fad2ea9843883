"""Building the frames cache from scratch flattens the stored answers in chunks (memory stays
bounded on a million answers), and the chunks give the same frames as one flatten of everything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import count_flattened
from pandas.testing import assert_frame_equal

from smspartner_analytics.core.schema import AnswerRecord
from smspartner_analytics.frames import cache as frames_cache
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.store.db import Store


def _answer(i: int) -> str:
    places = [
        {"type": "cp", "value": f"{75000 + j}", "volume_desired": 10 * i + j, "volume": 5 * i}
        for j in range(i % 3)
    ]
    return json.dumps(
        {"success": True, "status": 1 + i % 3, "location": {"details_localisation": places}}
    )


def test_a_build_flattens_in_chunks_and_equals_one_flatten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        for i in range(9):  # 7 tokens, two of them answered twice
            store.record(
                AnswerRecord(
                    token=f"t{i % 7}",
                    fetched_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
                    outcome="ok",
                    http_status=200,
                    body=_answer(i),
                )
            )
    flattened = count_flattened(monkeypatch)
    monkeypatch.setattr(frames_cache, "_CHUNK", 2)
    built = load_frames(path)
    assert flattened == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 9)]
    fresh = load_frames(path, cache=False)
    for name in ("rentals", "localisations", "errors", "history"):
        assert_frame_equal(getattr(built, name), getattr(fresh, name), obj=name)
    manifest = json.loads((frames_cache.cache_dir(path) / "manifest.json").read_text())
    assert [(s["first"], s["last"]) for s in manifest["segments"]] == [(0, 9)]  # compacted
    again = load_frames(path)  # read back from the one segment written
    assert flattened[-1] == (8, 9)
    assert_frame_equal(again.localisations, fresh.localisations)
