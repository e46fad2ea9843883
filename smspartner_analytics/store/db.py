"""The durable store: every answer the API gave, in SQLite, append-only.

Tables and versions: ``store.layout``; opening the file and SQLite's errors: ``store.connection``;
the SQL: ``store.queries``.

Bodies are stored whole (the client refuses answers above its size cap before they get here).

Answers are only ever inserted (``record``: one in its own transaction; ``record_many``: a group
in one, as fetch's writer does), so the latest answer per token is the one with the highest
``id``. Failed attempts are kept too, but never hide an answer: what the frames show for a token
(``shown_records``, the cache's ``answer_rows``) and whether it is final (``final_tokens``) come
from its latest answer from the API (``core.schema.is_answer``), the failed attempts after it
being shown beside it. The API key is never written: records carry no key. Recording an answer
costs the same on a store of a hundred or a million tokens: the token is found by its primary key
and a new token's position comes from the ``tokens(position)`` index.

Durability: WAL journal with ``synchronous=NORMAL``. A committed answer is in the WAL file as soon
as ``record()`` or ``record_many()`` returns, so killing the process (even ``SIGKILL``) loses
nothing acknowledged and the file stays consistent. Only a power cut or OS crash may lose the last
few commits (never corrupt the file); that trade keeps a commit cheap. A full disk raises
``StoreFullError`` and loses nothing committed before.

``Store(path, read_only=True)`` never writes the file (reports of a store on a read-only mount);
its write methods raise ``ReadOnlyStoreError``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smspartner_analytics.core.closing import Closing
from smspartner_analytics.core.errors import ReadOnlyStoreError, StoreError
from smspartner_analytics.core.schema import AnswerRecord, TokenEntry
from smspartner_analytics.store import queries as sql
from smspartner_analytics.store.connection import open_connection, store_error, transaction
from smspartner_analytics.store.layout import SCHEMA_VERSION, read_schema_version

__all__ = ["SCHEMA_VERSION", "Store", "parse_metadata"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _to_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _values(rec: AnswerRecord) -> tuple[Any, ...]:
    return (
        rec.token,
        _to_text(rec.fetched_at),
        rec.http_status,
        rec.outcome,
        rec.status,
        rec.error_code,
        rec.error_message,
        rec.attempts,
        rec.body,
        rec.reason,
        int(rec.persistent),
    )


def _row_to_record(row: tuple[Any, ...]) -> AnswerRecord:
    token, fetched_at, http_status, outcome, status, code, message, attempts, body = row[:9]
    reason, persistent = row[9:11]
    return AnswerRecord(
        token=token,
        fetched_at=datetime.fromisoformat(fetched_at),
        outcome=outcome,
        http_status=http_status,
        body=body,
        error_code=code,
        error_message=message,
        attempts=attempts,
        status=status,
        reason=reason,
        persistent=bool(persistent),
    )


def parse_metadata(token: str, text: str) -> dict[str, str]:
    """One token's stored metadata; ``StoreError`` naming the token when it is not a JSON object."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        value = None
    if not isinstance(value, dict):
        shown = text if len(text) <= 60 else text[:60] + "..."
        raise StoreError(
            f"The metadata of token {token!r} in the store is not a JSON object ({shown!r}): "
            "fix or clear it (tokens.metadata), or fetch the tokens file again to replace it."
        )
    return value


class Store(Closing):
    """A SQLite file of answers and tokens. Thread-safe; use as a context manager.

    >>> with Store("rentals.sqlite") as store:  # doctest: +SKIP
    ...     store.latest_records()
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self._path = Path(path)
        self._read_only = read_only
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn = open_connection(self._path, read_only=read_only)

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """Where the store lives."""
        return self._path

    @property
    def read_only(self) -> bool:
        """Whether this connection only reads (``Store(path, read_only=True)``)."""
        return self._read_only

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"The store {self._path} is closed: open it again with Store(path).")
        return self._conn

    def _writable(self) -> sqlite3.Connection:
        if self._read_only:
            raise ReadOnlyStoreError(
                f"The store {self._path} was opened read-only: open it with Store(path) to write."
            )
        return self._db()

    def close(self) -> None:
        """Close the connection (and fold the WAL back into the main file). Idempotent."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "read-only" if self._read_only else "open"
        return f"Store({str(self._path)!r}, {state})"

    # -- writing -------------------------------------------------------------------------------

    def add_tokens(self, entries: Iterable[TokenEntry]) -> None:
        """Add tokens in order; known tokens keep their position, non-empty metadata replaces."""
        rows = [(e.token, json.dumps(e.metadata, ensure_ascii=False)) for e in entries]
        with self._lock, transaction(self._writable(), self._path) as db:
            (top,) = db.execute("SELECT COALESCE(MAX(position), -1) FROM tokens").fetchone()
            seen = _now()
            before = db.total_changes
            for offset, (token, meta) in enumerate(rows, start=top + 1):
                db.execute(sql.ADD_ENTRY, (token, meta, seen, offset))
            (added,) = db.execute(
                "SELECT COUNT(*) FROM tokens WHERE position > ?", (top,)
            ).fetchone()
            if db.total_changes - before > added:  # a known token's metadata changed
                db.execute(sql.NEW_TOKENS_MARK, (uuid.uuid4().hex,))

    def record(self, rec: AnswerRecord) -> None:
        """Append one answer and commit at once (the token is added if it was unknown).

        Raises ``StoreFullError`` when the disk is full (nothing of this answer is kept).
        """
        self.record_many((rec,))

    def record_many(self, records: Iterable[AnswerRecord]) -> int:
        """Append answers in one transaction, committed when this returns (all or none kept);
        the number recorded. Raises ``StoreFullError`` when the disk is full."""
        count = 0
        with self._lock, transaction(self._writable(), self._path) as db:
            for rec in records:
                known = db.execute("SELECT 1 FROM tokens WHERE token = ?", (rec.token,)).fetchone()
                if known is None:
                    db.execute(sql.ADD_NEW_ROW, (rec.token, _now()))
                db.execute(sql.INSERT, _values(rec))
                count += 1
        return count

    # -- reading -------------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise store_error(exc, self._path, "reading") from None

    def latest_records(self) -> list[AnswerRecord]:
        """The latest attempt per token, whatever its outcome, in the order tokens were added
        (unanswered: absent). What the frames show is ``shown_records``."""
        return [_row_to_record(r) for r in self._query(sql.LATEST)]

    def shown_records(self) -> list[tuple[AnswerRecord, AnswerRecord | None]]:
        """Per token, in the order tokens were added (unanswered: absent): the answer the frames
        show, its latest answer from the API (``core.schema.is_answer``) or, without one, its
        latest attempt; and its latest attempt when that came after it (a failure), else None."""
        rows = self._query(sql.SHOWN)
        later = [r[11] for r in rows if r[11] is not None]
        failed = {}
        if later:
            found = self._query(sql.BY_IDS, (json.dumps(later),))
            failed = {r[0]: _row_to_record(r[1:]) for r in found}
        return [(_row_to_record(r), failed.get(r[11])) for r in rows]

    def history_records(self) -> list[AnswerRecord]:
        """Every answer, by token (in the order tokens were added) then time."""
        return [_row_to_record(r) for r in self._query(sql.HISTORY)]

    def recent_records(self, token: str, count: int) -> list[AnswerRecord]:
        """The ``count`` latest answers for ``token``, newest first."""
        return [_row_to_record(r) for r in self._query(sql.RECENT, (token, count))]

    def rentals_among(self, tokens: Iterable[str]) -> set[str]:
        """Those of ``tokens`` whose latest answer from the API (``core.schema.is_answer``) is a
        rental: what the frames show for them whatever attempts failed since."""
        listed = list(dict.fromkeys(tokens))
        if not listed:
            return set()
        return {r[0] for r in self._query(sql.RENTALS_AMONG, (json.dumps(listed),))}

    def persistent_tokens(self) -> set[str]:
        """Tokens whose latest answer is a failure marked persistent (skipped unless refreshed)."""
        return {r[0] for r in self._query(sql.PERSISTENT)}

    def tokens(self) -> list[str]:
        """Every known token, in the order they were added."""
        return [r[0] for r in self._query("SELECT token FROM tokens ORDER BY position")]

    def token_metadata(self) -> dict[str, dict[str, str]]:
        """Each known token's metadata (empty dict when its file had none), in token order.

        A hand-edited value that is not a JSON object raises ``StoreError`` naming the token.
        """
        rows = self._query("SELECT token, metadata FROM tokens ORDER BY position")
        parsed: dict[str, dict[str, str]] = {}  # most tokens share a few metadata texts
        out = {}
        for token, meta in rows:
            value = parsed.get(meta)
            if value is None:
                value = parsed[meta] = parse_metadata(token, meta)
            out[token] = value
        return out

    def metadata_texts(self, after: int = -1) -> list[tuple[int, str]]:
        """(position, metadata text) of every known token placed after position ``after``, in
        token order (not parsed)."""
        return self._query(
            "SELECT position, metadata FROM tokens WHERE position > ? ORDER BY position", (after,)
        )

    def tokens_mark(self) -> str | None:
        """A mark that changes whenever a known token's metadata changes (new tokens are placed
        after every known one); None for a store not opened writable since the mark existed."""
        rows = self._query("SELECT value FROM meta WHERE key = 'tokens_mark'")
        return str(rows[0][0]) if rows else None

    def final_tokens(self) -> set[str]:
        """Tokens not asked again by default: their latest answer from the API is final (not
        found, or a failed/downloaded rental), even when attempts after it failed, or their
        latest attempt is a persistent failure."""
        return {r[0] for r in self._query(sql.FINAL)}

    def pending_tokens(self, tokens: Iterable[str]) -> list[str]:
        """``tokens`` (in order) without the final ones: what a default fetch would ask."""
        final = self.final_tokens()
        return [t for t in tokens if t not in final]

    def last_answer_id(self) -> int:
        """The id of the newest answer (0 for none): answers up to it never change."""
        return int(self._query("SELECT COALESCE(MAX(id), 0) FROM answers")[0][0])

    def answer_mark(self, answer_id: int) -> tuple[str, str, int] | None:
        """(token, fetched_at text, id) of one answer; None when there is none. Ids are never
        reused in a store, so this tells whether a cache was built from this very store."""
        row = self._query("SELECT token, fetched_at FROM answers WHERE id = ?", (answer_id,))
        if not row:
            return None
        return str(row[0][0]), str(row[0][1]), int(answer_id)

    def answer_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        """Answers with ``after < id <= upto`` that are their token's latest up to ``upto``, or its
        latest answer from the API (``core.schema.is_answer``) up to ``upto``: (id, position,
        token, fetched_at text, http_status, outcome, status, error_code, error_message,
        attempts, body, reason, persistent), by id."""
        return self._query(sql.ROWS, (after, upto, upto, upto))

    def history_rows(self, after: int, upto: int) -> list[tuple[Any, ...]]:
        """Every answer with ``after < id <= upto``, without its body: (id, position, token,
        fetched_at text, outcome, status, http_status), by id."""
        return self._query(sql.HISTORY_ROWS, (after, upto))

    def count_answers(self) -> int:
        """How many answers are stored, all tokens and times included."""
        return int(self._query("SELECT COUNT(*) FROM answers")[0][0])

    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._lock:
            return read_schema_version(self._db(), self._path)
