"""The SQLite store: round trip, append-only history, latest/final, WAL, schema migration."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.schema import (
    FINAL_OUTCOMES,
    STATUS_LABELS,
    TERMINAL_STATUSES,
    AnswerRecord,
    Outcome,
    TokenEntry,
    is_answer,
)
from smspartner_analytics.store import queries
from smspartner_analytics.store.db import SCHEMA_VERSION, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def ok(token: str, status: str = "ready", minutes: int = 0, body: str = "{}") -> AnswerRecord:
    return AnswerRecord(
        token=token,
        fetched_at=T0 + timedelta(minutes=minutes),
        outcome=Outcome.OK,
        http_status=200,
        body=body,
        status=status,
    )


def failed(token: str, outcome: str, minutes: int = 0, code: int | None = None) -> AnswerRecord:
    return AnswerRecord(
        token=token,
        fetched_at=T0 + timedelta(minutes=minutes),
        outcome=outcome,
        http_status=None if outcome == Outcome.TRANSPORT_ERROR else 200,
        error_code=code,
        error_message="something",
        attempts=4,
    )


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    rec = AnswerRecord(
        token="tok-1",
        fetched_at=T0,
        outcome=Outcome.API_ERROR,
        http_status=400,
        body='{"success": false, "code": 31}',
        error_code=31,
        error_message="Token requis",
        attempts=2,
        status=None,
    )
    with Store(tmp_path / "s.sqlite") as store:
        store.record(rec)
    with Store(tmp_path / "s.sqlite") as store:
        assert store.latest_records() == [rec]
        assert store.history_records() == [rec]
        assert store.latest_records()[0].fetched_at.tzinfo is not None


def test_naive_times_are_taken_as_utc(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.record(dataclasses.replace(ok("a"), fetched_at=T0.replace(tzinfo=None)))
        assert store.latest_records()[0].fetched_at == T0


def test_history_is_append_only_and_latest_is_per_token_in_token_order(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry("b", {}), TokenEntry("a", {}), TokenEntry("c", {})])
        store.record(ok("a", "requested", 0))
        store.record(ok("b", "processing", 1))
        store.record(failed("a", Outcome.TRANSPORT_ERROR, 2))
        store.record(ok("a", "ready", 3))
        latest = store.latest_records()
        assert [(r.token, r.status) for r in latest] == [("b", "processing"), ("a", "ready")]
        history = store.history_records()
        assert [(r.token, r.outcome) for r in history] == [
            ("b", Outcome.OK),
            ("a", Outcome.OK),
            ("a", Outcome.TRANSPORT_ERROR),
            ("a", Outcome.OK),
        ]
        assert store.count_answers() == 4
        assert store.tokens() == ["b", "a", "c"]


def test_answers_are_never_updated(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.record(ok("a", "requested", 0))
        store.record(ok("a", "ready", 1))
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, status FROM answers ORDER BY id").fetchall()
    assert rows == [(1, "requested"), (2, "ready")]


def test_final_tokens(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.record(ok("downloaded", "downloaded"))
        store.record(ok("failed", "failed"))
        store.record(ok("ready", "ready"))
        store.record(failed("gone", Outcome.NOT_FOUND, code=32))
        store.record(failed("flaky", Outcome.SERVER_ERROR))
        # a failed attempt after a final answer (a refresh with a wrong key) leaves it final
        store.record(ok("still-final", "downloaded", 0))
        store.record(failed("still-final", Outcome.AUTH_ERROR, 1, code=10))
        store.record(failed("still-final", Outcome.TRANSPORT_ERROR, 2))
        store.record(failed("still-gone", Outcome.NOT_FOUND, 0, code=32))
        store.record(failed("still-gone", Outcome.SERVER_ERROR, 1))
        # ... and one after a rental still waiting leaves it waiting
        store.record(ok("waiting", "processing", 0))
        store.record(failed("waiting", Outcome.PARSE_ERROR, 1))
        # a later answer from the API is what counts, final or not
        store.record(failed("back", Outcome.NOT_FOUND, 0, code=32))
        store.record(ok("back", "ready", 1))
        final = {"downloaded", "failed", "gone", "still-final", "still-gone"}
        assert store.final_tokens() == final
        asked = ["ready", "gone", "new", "flaky", "still-final", "waiting"]
        assert store.pending_tokens(asked) == ["ready", "new", "flaky", "waiting"]


def _kinds() -> list[AnswerRecord]:
    """One record of every kind: each outcome with each status, persistent or not."""
    out = []
    for outcome in Outcome:
        for status in (*STATUS_LABELS, None):
            for persistent in (False, True):
                if outcome == Outcome.OK and (status is None or persistent):
                    continue  # a success always has a status and is never a failure
                out.append(
                    dataclasses.replace(failed("", outcome), status=status, persistent=persistent)
                )
    return out


def _final_by_schema(history: list[AnswerRecord]) -> bool:
    """The schema's rule: the latest answer from the API is final (a final outcome, or ``ok``
    with a terminal status), or the latest attempt is a persistent failure."""
    answers = [r for r in history if is_answer(r.outcome)]
    shown = answers[-1] if answers else None
    return history[-1].persistent or (
        shown is not None
        and (
            shown.outcome in FINAL_OUTCOMES
            or (shown.outcome == Outcome.OK and shown.status in TERMINAL_STATUSES)
        )
    )


def test_final_and_shown_sql_match_schema(tmp_path: Path) -> None:
    """The store's SQL for "final" and for the answer shown agrees with the schema's rules for
    every outcome and status, alone and after an earlier record of every kind."""
    kinds = _kinds()
    expected: set[str] = set()
    shown: dict[str, tuple[AnswerRecord, AnswerRecord | None]] = {}
    minute = 0
    with Store(tmp_path / "s.sqlite") as store:
        for i, later in enumerate(kinds):
            for j, earlier in enumerate([None, *kinds]):
                token = f"{i}-{j}"
                history = [r for r in (earlier, later) if r is not None]
                history = [
                    dataclasses.replace(r, token=token, fetched_at=T0 + timedelta(minutes=m))
                    for m, r in enumerate(history, start=minute)
                ]
                minute += 2
                store.record_many(history)
                if _final_by_schema(history):
                    expected.add(token)
                answers = [r for r in history if is_answer(r.outcome)]
                first = answers[-1] if answers else history[-1]
                shown[token] = (first, history[-1] if history[-1] is not first else None)
        assert store.final_tokens() == expected
        assert {r.token: (r, f) for r, f in store.shown_records()} == shown
    assert len(expected) > len(TERMINAL_STATUSES)  # every kind of final answer was made
    assert any(f is not None for _, f in shown.values())  # and answers shown from before


def test_shown_records_keep_the_latest_answer_from_the_api(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry(t, {}) for t in ("a", "b", "c", "d")])
        store.record(ok("a", "processing", 0))
        store.record(ok("a", "ready", 1))
        store.record(failed("a", Outcome.AUTH_ERROR, 2, code=10))
        store.record(failed("a", Outcome.TRANSPORT_ERROR, 3))
        store.record(failed("b", Outcome.TRANSPORT_ERROR, 0))
        store.record(failed("b", Outcome.SERVER_ERROR, 1))
        store.record(failed("c", Outcome.NOT_FOUND, 0, code=32))
        store.record(failed("c", Outcome.API_ERROR, 1, code=99))
        store.record(ok("d", "ready", 0))
        shown = store.shown_records()
        assert [(r.token, r.outcome, r.status, r.fetched_at) for r, _ in shown] == [
            ("a", Outcome.OK, "ready", T0 + timedelta(minutes=1)),
            ("b", Outcome.SERVER_ERROR, None, T0 + timedelta(minutes=1)),  # never answered
            ("c", Outcome.NOT_FOUND, None, T0),
            ("d", Outcome.OK, "ready", T0),
        ]
        assert [(f.outcome, f.fetched_at) if f else None for _, f in shown] == [
            (Outcome.TRANSPORT_ERROR, T0 + timedelta(minutes=3)),
            None,
            (Outcome.API_ERROR, T0 + timedelta(minutes=1)),
            None,
        ]
        # what fetch says keeps its earlier answer: a rental shown whatever failed since
        assert store.rentals_among(["a", "b", "c", "d", "never-seen", "a"]) == {"a", "d"}
        assert store.rentals_among([]) == set()
        # the latest attempts themselves are still there, for those who want them
        assert [r.outcome for r in store.latest_records()] == [
            Outcome.TRANSPORT_ERROR, Outcome.SERVER_ERROR, Outcome.API_ERROR, Outcome.OK
        ]  # fmt: skip


@pytest.mark.parametrize("name", ["SHOWN", "FINAL", "ROWS", "LATEST", "RENTALS_AMONG"])
def test_latest_answer_queries_use_the_answers_index(tmp_path: Path, name: str) -> None:
    """On a store of a million answers, each token's latest answer is found through the
    answers(token, id) index (one scan, or a seek per token), never by scanning the table."""
    with Store(tmp_path / "s.sqlite") as store:
        store.record(ok("a"))
    sql = getattr(queries, name)
    params = {"ROWS": (0, 1, 1, 1), "RENTALS_AMONG": ('["a"]',)}.get(name, ())
    with sqlite3.connect(tmp_path / "s.sqlite") as conn:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
    scans = [step for step in plan if step.startswith("SCAN")]
    assert all("INDEX" in step or step == "SCAN m" for step in scans), plan  # m: MAX(id)s
    assert any("answers_token_id" in step for step in plan), plan


def test_metadata_upsert_keeps_position_and_newest_metadata(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry("a", {"campaign": "spring"}), TokenEntry("b", {})])
        store.add_tokens(
            [TokenEntry("c", {"campaign": "x"}), TokenEntry("a", {"campaign": "june"})]
        )
        store.add_tokens([TokenEntry("a", {})])  # a plain token list keeps what was known
        assert store.token_metadata() == {
            "a": {"campaign": "june"},
            "b": {},
            "c": {"campaign": "x"},
        }
        assert store.tokens() == ["a", "b", "c"]


def test_record_of_unknown_token_adds_it_last(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens([TokenEntry("a", {})])
        store.record(ok("z"))
        store.record(ok("a"))
        assert [r.token for r in store.latest_records()] == ["a", "z"]


def test_big_body_is_kept_whole(tmp_path: Path) -> None:
    """A valid answer up to the client's 1 MB cap comes back from the store byte for byte."""
    big = json.dumps({"success": True, "pad": "é" * 600_000})
    with Store(tmp_path / "s.sqlite") as store:
        store.record(ok("a", body=big))
    with Store(tmp_path / "s.sqlite") as store:
        assert store.latest_records()[0].body == big


def test_reason_and_persistent_round_trip_and_persistent_is_final(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        store.record(failed("p", Outcome.PARSE_ERROR, 0))
        mark = dataclasses.replace(
            failed("p", Outcome.PARSE_ERROR, 1), reason="not the API's JSON", persistent=True
        )
        store.record(mark)
        store.record(failed("q", Outcome.SERVER_ERROR, 0))
        assert store.recent_records("p", 5) == [mark, failed("p", Outcome.PARSE_ERROR, 0)]
        assert store.recent_records("p", 1) == [mark]
        assert store.persistent_tokens() == {"p"}
        assert store.final_tokens() == {"p"}
        store.record(ok("p", "ready", 2))  # a later success ends it
        assert store.persistent_tokens() == set()
        assert store.final_tokens() == set()


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.record(ok("a"))
        assert store.schema_version() == SCHEMA_VERSION
        assert (tmp_path / "s.sqlite-wal").exists()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_answer_is_durable_without_close(tmp_path: Path) -> None:
    """A recorded answer is visible to another connection before the store is closed."""
    path = tmp_path / "s.sqlite"
    store = Store(path)
    store.record(ok("a", "downloaded"))
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT token, status FROM answers").fetchall() == [("a", "downloaded")]
    store.close()
    store.close()  # idempotent


def _write_v1(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE tokens (token TEXT PRIMARY KEY, metadata TEXT NOT NULL DEFAULT '{}',
                             first_seen TEXT NOT NULL, position INTEGER NOT NULL);
        CREATE TABLE answers (id INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL,
            fetched_at TEXT NOT NULL, http_status INTEGER, outcome TEXT NOT NULL,
            error_code INTEGER, error_message TEXT, attempts INTEGER NOT NULL DEFAULT 1, body TEXT);
        """
    )
    db.execute("INSERT INTO tokens VALUES ('a', '{\"campaign\": \"old\"}', '2024-01-01', 0)")
    db.execute("INSERT INTO tokens VALUES ('b', '{}', '2024-01-01', 1)")
    body = json.dumps({"success": True, "status": "File downloaded by user from api"})
    db.execute(
        "INSERT INTO answers (token, fetched_at, http_status, outcome, attempts, body) "
        "VALUES ('a', '2024-01-01T00:00:00+00:00', 200, 'ok', 1, ?)",
        (body,),
    )
    db.execute(
        "INSERT INTO answers (token, fetched_at, http_status, outcome, attempts, body) "
        "VALUES ('b', '2024-01-01T00:00:00+00:00', 200, 'ok', 1, '{\"status\": 1}')"
    )
    db.commit()
    db.close()


def test_v1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    _write_v1(path)
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert [(r.token, r.status) for r in store.latest_records()] == [
            ("a", "downloaded"),
            ("b", "processing"),
        ]
        assert store.final_tokens() == {"a"}
        assert store.token_metadata()["a"] == {"campaign": "old"}
        store.record(ok("b", "ready", 5))
    with Store(path) as store:  # reopening a migrated store is a no-op
        assert store.count_answers() == 3


def test_v2_store_gets_reason_and_persistent(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    _write_v1(path)
    with sqlite3.connect(path) as db:  # the v2 layout: v1 plus answers.status
        db.execute("ALTER TABLE answers ADD COLUMN status TEXT")
        db.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION == 3
        records = store.latest_records()
        assert [(r.reason, r.persistent) for r in records] == [(None, False), (None, False)]
        assert store.persistent_tokens() == set()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    with Store(path):
        pass
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="newer") as info:
        Store(path)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "content",
    [b"token\nabc\n", b"\x00\x01binary" * 100, b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_not_a_store_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "tokens.txt"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not a smspartner-analytics store") as info:
        Store(path)
    assert "\n" not in str(info.value)
    assert path.read_bytes() == content  # left untouched


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(StoreError, match="not a smspartner-analytics store"):
        Store(path)


def test_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        Store(tmp_path)


def test_closed_store_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite")
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.record(ok("a"))
    assert "closed" in repr(store)


def test_many_threads_recording(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.add_tokens(TokenEntry(f"t{i}", {}) for i in range(40))

        def work(worker: int) -> None:
            for i in range(40):
                store.record(ok(f"t{i}", "ready", minutes=worker))
                if i % 10 == 0:
                    store.latest_records()

        threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.count_answers() == 8 * 40
        assert len(store.latest_records()) == 40
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_latest_records_scales(tmp_path: Path) -> None:
    """100,000 answers for 20,000 tokens: one query, the right latest answer per token."""
    path = tmp_path / "big.sqlite"
    with Store(path) as store:
        store.add_tokens(TokenEntry(f"t{i:05d}", {}) for i in range(20_000))
        db = sqlite3.connect(path)
        db.executemany(
            "INSERT INTO answers (token, fetched_at, outcome, status, attempts) "
            "VALUES (?, '2025-01-01T00:00:00+00:00', 'ok', ?, 1)",
            ((f"t{n % 20_000:05d}", str(n // 20_000)) for n in range(100_000)),
        )
        db.commit()
        db.close()
        latest = store.latest_records()
    assert len(latest) == 20_000
    assert latest[0].token == "t00000"
    assert {r.status for r in latest} == {"4"}
