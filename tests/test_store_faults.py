"""The store on awkward ground: full disk, read-only files and mounts, non-regular paths, broken
metadata. Each case ends in a one-line ``StoreError`` and loses no committed answer."""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from mounts import read_only_view, small_tmpfs

from smspartner_analytics.core.errors import ReadOnlyStoreError, StoreError, StoreFullError
from smspartner_analytics.core.schema import AnswerRecord, Outcome, TokenEntry
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.store.db import SCHEMA_VERSION, Store
from smspartner_analytics.store.queries import ADD_NEW_ROW

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def ok(token: str, body: str = '{"success": true}') -> AnswerRecord:
    return AnswerRecord(
        token=token, fetched_at=T0, outcome=Outcome.OK, http_status=200, body=body, status="ready"
    )


def _store_with(path: Path, count: int) -> None:
    with Store(path) as store:
        for i in range(count):
            store.record(ok(f"tok{i}"))


def test_full_store_raises_store_full_and_keeps_what_was_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    _store_with(path, 3)
    store = Store(path)
    (pages,) = store._db().execute("PRAGMA page_count").fetchone()
    store._db().execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
    big = "x" * 20_000
    with pytest.raises(StoreFullError, match="Disk full") as info:  # noqa: PT012
        for i in range(50):
            store.record(ok(f"new{i}", body=big))
    assert "\n" not in str(info.value)
    assert "not a smspartner" not in str(info.value)
    store.close()
    with Store(path) as again:
        saved = again.count_answers()
    assert saved >= 3  # nothing committed before is lost
    with Store(path) as again:  # and the store takes answers again once there is room
        again.record(ok("later"))
        assert again.count_answers() == saved + 1


def test_store_on_a_full_disk(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", 256) as disk:
        path = disk / "s.sqlite"
        big = "y" * 30_000
        saved = 0
        with pytest.raises(StoreFullError), Store(path) as store:  # noqa: PT012
            for i in range(200):
                store.record(ok(f"t{i}", body=big))
                saved += 1
        with Store(path, read_only=True) as store:
            assert store.count_answers() == saved


@pytest.mark.parametrize("target", ["/dev/null", "/dev/zero"])
def test_device_is_refused(target: str) -> None:
    if not Path(target).exists():
        pytest.skip(f"{target} does not exist here")
    with pytest.raises(StoreError, match="not a regular file"):
        Store(target)
    with pytest.raises(StoreError, match="not a regular file"):
        Store(target, read_only=True)
    assert not Path(target + "-journal").exists()
    assert not Path(target + "-wal").exists()


def test_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.sqlite"
    os.mkfifo(fifo)
    with pytest.raises(StoreError, match="not a regular file"):
        Store(fifo)


def test_read_only_store_reads_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    _store_with(path, 2)
    before = path.read_bytes()
    with Store(path, read_only=True) as store:
        assert [r.token for r in store.latest_records()] == ["tok0", "tok1"]
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            store.record(ok("x"))
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            store.add_tokens([TokenEntry("y", {})])
    assert path.read_bytes() == before


def test_read_only_of_a_missing_path_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="No store"):
        Store(tmp_path / "none.sqlite", read_only=True)
    assert list(tmp_path.iterdir()) == []


def test_store_on_a_read_only_mount_is_readable_and_never_called_not_a_store(
    tmp_path: Path,
) -> None:
    source = tmp_path / "data"
    source.mkdir()
    _store_with(source / "s.sqlite", 3)
    with read_only_view(source, tmp_path / "ro") as view:
        path = view / "s.sqlite"
        frames = load_frames(path)
        assert len(frames.history) == 3
        with Store(path, read_only=True) as store:
            assert store.count_answers() == 3
        with pytest.raises(ReadOnlyStoreError) as info, Store(path) as store:
            store.record(ok("x"))
        assert "not a smspartner" not in str(info.value)
        assert "move this file away" not in str(info.value)


def test_read_only_mount_with_unmerged_wal_is_refused_clearly(tmp_path: Path) -> None:
    source = tmp_path / "data"
    source.mkdir()
    path = source / "s.sqlite"
    _store_with(path, 1)
    writer = Store(path)  # stays open: its answers live in the -wal file
    writer.record(ok("late"))
    copy = tmp_path / "copy"
    shutil.copytree(source, copy)  # like a snapshot taken while fetch ran
    writer.close()
    with read_only_view(copy, tmp_path / "ro") as view:
        try:
            store = Store(view / "s.sqlite", read_only=True)
        except ReadOnlyStoreError as exc:
            assert "copy both files" in str(exc)  # noqa: PT017
        else:
            with store:  # SQLite could read the WAL itself: every answer is there
                assert store.count_answers() == 2


def test_v1_store_is_upgraded_when_read_by_load_frames(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        for column in ("status", "reason", "persistent"):
            db.execute(f"ALTER TABLE answers DROP COLUMN {column}")
    frames = load_frames(path)
    assert frames.rentals.empty
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION


def test_broken_metadata_names_the_token(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.add_tokens([TokenEntry("good", {"c": "1"}), TokenEntry("bad.tok", {"c": "2"})])
        store.record(ok("good"))
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tokens SET metadata = '{not json' WHERE token = 'bad.tok'")
    with pytest.raises(StoreError, match=r"'bad\.tok'") as info:
        load_frames(path)
    assert "\n" not in str(info.value)


def test_record_finds_a_new_tokens_position_through_the_index(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as db:  # a store written before the index existed
        db.execute("DROP INDEX tokens_position")
    with Store(path) as store:  # opening it writable adds the index back
        db = store._db()
        plan = " ".join(
            str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + ADD_NEW_ROW, ("t", "x"))
        )
        assert "tokens_position" in plan
        assert "SCAN tokens" not in plan
        store.record(ok("first"))
        store.record(ok("second"))
        assert store.tokens() == ["first", "second"]
