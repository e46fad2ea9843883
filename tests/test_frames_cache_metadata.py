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
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the metadata texts were read from a store."""
    calls: list[int] = []
    real = Store.metadata_texts

    def counting(self: Store) -> Any:
        calls.append(1)
        return real(self)

    monkeypatch.setattr(Store, "metadata_texts", counting)
    return calls


def _campaigns(path: Path) -> list[object]:
    frames = load_frames(path)
    assert_frame_equal(frames.rentals, load_frames(path, cache=False).rentals)
    return frames.rentals["campaign"].fillna("-").tolist()


def test_metadata_is_read_from_the_store_only_when_tokens_change(
    tmp_path: Path, reads: list[int]
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"}), TokenEntry("b", {})])
        store.record_many([_answer("a"), _answer("b")])
    assert _campaigns(path) == ["Soldes", "-"]
    before = len(reads)
    load_frames(path)
    assert len(reads) == before  # kept under the mark: not read again
    files = list(frames_cache.cache_dir(path).glob("metadata-*.ipc"))
    assert len(files) == 1

    with Store(path) as store:  # the same entries again: nothing changed, the mark stays
        mark = store.tokens_mark()
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"}), TokenEntry("b", {})])
        assert store.tokens_mark() == mark
        store.add_tokens([TokenEntry("b", {"campaign": "Noël"})])  # changed: a new mark
        assert store.tokens_mark() != mark
    assert _campaigns(path) == ["Soldes", "Noël"]

    with Store(path) as store:  # an answer for a token never added: a new token, a new mark
        mark = store.tokens_mark()
        store.record(_answer("c"))
        assert store.tokens_mark() != mark
    assert _campaigns(path) == ["Soldes", "Noël", "-"]
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
    tmp_path: Path, reads: list[int]
) -> None:
    path = tmp_path / "store.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("a", {"campaign": "Soldes"})])
        store.record(_answer("a"))
    with sqlite3.connect(path) as conn:  # as a store written before the mark existed
        conn.execute("DELETE FROM meta WHERE key = 'tokens_mark'")
    conn.close()
    assert _campaigns(path) == ["Soldes"]
    before = len(reads)
    assert _campaigns(path) == ["Soldes"]
    assert len(reads) > before
    assert not list(frames_cache.cache_dir(path).glob("metadata-*.ipc"))
