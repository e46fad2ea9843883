"""The tokens' metadata kept beside the frames cache under the store's tokens mark: read from
the store only when a token or its metadata changed, and never stale."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pandas.testing import assert_frame_equal

from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.frames import cache as frames_cache
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.store.db import Store

_BODY = json.dumps({"success": True, "status": 2, "location": {"sexe": "F"}})


def _answer(token: str) -> AnswerRecord:
    return AnswerRecord(
        token=token,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        outcome="ok",
        http_status=200,
        body=_BODY,
    )


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """The position after which each read of the metadata texts started (-1: all of them)."""
    calls: list[int | None] = []
    real = Store.metadata_texts

    def counting(self: Store, after: int = -1) -> Any:
        calls.append(after)
        return real(self, after)

    monkeypatch.setattr(Store, "metadata_texts", counting)
    return calls


def _campaigns(path: Path) -> list[object]:
    frames = load_frames(path)
    assert_frame_equal(frames.rentals, load_frames(path, cache=False).rentals)
    return frames.rentals["campaign"].fillna("-").tolist()


def test_metadata_is_read_whole_only_when_known_tokens_change(
    tmp_path: Path, reads: list[int | None]
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"}), TokenEntry("b", {})])
        store.record_many([_answer("a"), _answer("b")])
    assert _campaigns(path) == ["Soldes", "-"]
    reads.clear()
    load_frames(path)
    assert reads == [1]  # kept: only the tokens after the last one kept (position 1) are read
    assert len(list(frames_cache.cache_dir(path).glob("metadata-*.ipc"))) == 1

    with Store(path) as store:
        mark = store.tokens_mark()
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"}), TokenEntry("b", {})])
        store.add_tokens([TokenEntry("c", {"campaign": "Rentrée"})])  # a new token: placed last
        store.record_many([_answer("c"), _answer("d")])  # d was never added: placed last too
        assert store.tokens_mark() == mark
    reads.clear()
    assert _campaigns(path) == ["Soldes", "-", "Rentrée", "-"]
    assert reads[0] == 1  # the cached read asked only for the tokens placed after b

    with Store(path) as store:
        store.add_tokens([TokenEntry("b", {"campaign": "Noël"})])  # a known token changed
        assert store.tokens_mark() != mark
    reads.clear()
    assert _campaigns(path) == ["Soldes", "Noël", "Rentrée", "-"]
    assert reads[0] == -1  # read whole again
    assert len(list(frames_cache.cache_dir(path).glob("metadata-*.ipc"))) == 1  # old ones gone


def test_a_damaged_metadata_file_is_read_again_from_the_store(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"})])
        store.record(_answer("a"))
    load_frames(path)
    (kept,) = frames_cache.cache_dir(path).glob("metadata-*.ipc")
    kept.write_bytes(b"ARROW1 cut short")
    assert _campaigns(path) == ["Soldes"]


def test_a_store_without_a_mark_reads_its_metadata_every_time(
    tmp_path: Path, reads: list[int | None]
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"})])
        store.record(_answer("a"))
    with sqlite3.connect(path) as conn:  # as a store last written before the mark existed
        conn.execute("DELETE FROM meta WHERE key = 'tokens_mark'")
    conn.close()
    assert _campaigns(path) == ["Soldes"]  # read-only: the mark is not added
    reads.clear()
    assert _campaigns(path) == ["Soldes"]
    assert reads[0] == -1
    assert not list(frames_cache.cache_dir(path).glob("metadata-*.ipc"))
    with Store(path) as store:  # opened writable: a mark again
        assert store.tokens_mark() is not None


def test_a_rebuilt_cache_reads_the_metadata_whole(tmp_path: Path, reads: list[int | None]) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"})])
        store.record(_answer("a"))
    load_frames(path)
    reads.clear()
    load_frames(path, rebuild=True)
    assert reads == [-1]
