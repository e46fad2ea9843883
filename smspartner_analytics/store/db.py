"""The durable store: every answer the API gave, in SQLite, append-only.

Layout (schema version 3)::

    meta(key PRIMARY KEY, value)                      schema_version
    tokens(token PRIMARY KEY, metadata JSON, first_seen, position)
    answers(id AUTOINCREMENT, token, fetched_at, http_status, outcome, status,
            error_code, error_message, attempts, body, reason, persistent)   index (token, id)

Bodies are stored whole (the client refuses answers above its size cap before they get here).
``reason`` is the kind of failure (``"HTTP 404 page"``, ``"connection refused"``, ...; empty for
successes) and ``persistent`` marks a failure that repeated identically on consecutive runs: such a
token is not asked again unless the user forces a refresh.

Answers are only ever inserted, one committed transaction per answer, so the latest answer per
token is the one with the highest ``id``. The API key is never written: records carry no key.

Durability: WAL journal with ``synchronous=NORMAL``. A committed answer is in the WAL file as soon
as ``record()`` returns, so killing the process (even ``SIGKILL``) loses nothing acknowledged and
the file stays consistent. Only a power cut or OS crash may lose the last few commits (never
corrupt the file); that trade keeps a commit per answer cheap.

Version 1 (the first layout) had no ``answers.status`` column; opening such a file adds it and
derives it from the stored bodies (the only time rows are ever updated). Version 2 had no
``reason`` and ``persistent`` columns; they are added (empty and 0). A file written by a newer
version, or a file that is not a store, raises ``StoreError``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.schema import AnswerRecord, Outcome, TokenEntry, normalise_status

__all__ = ["SCHEMA_VERSION", "Store"]

#: Current schema version written by this code.
SCHEMA_VERSION: Final = 3

_CREATE: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    metadata TEXT NOT NULL DEFAULT '{}',
    first_seen TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    http_status INTEGER,
    outcome TEXT NOT NULL,
    status TEXT,
    error_code INTEGER,
    error_message TEXT,
    attempts INTEGER NOT NULL DEFAULT 1,
    body TEXT,
    reason TEXT,
    persistent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS answers_token_id ON answers (token, id);
"""

_SELECT: Final = (
    "SELECT a.token, a.fetched_at, a.http_status, a.outcome, a.status, a.error_code, "
    "a.error_message, a.attempts, a.body, a.reason, a.persistent FROM answers a "
)
_LATEST_IDS: Final = (
    "JOIN (SELECT token, MAX(id) AS id FROM answers GROUP BY token) m ON a.id = m.id "
)
_INSERT: Final = (
    "INSERT INTO answers (token, fetched_at, http_status, outcome, status, error_code, "
    "error_message, attempts, body, reason, persistent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_LATEST: Final = _SELECT + _LATEST_IDS + "JOIN tokens t ON t.token = a.token ORDER BY t.position"
_HISTORY: Final = _SELECT + "JOIN tokens t ON t.token = a.token ORDER BY t.position, a.id"
_RECENT: Final = _SELECT + "WHERE a.token = ? ORDER BY a.id DESC LIMIT ?"
# Final answers (schema.FINAL_OUTCOMES, ok with a schema.TERMINAL_STATUSES status, and
# persistent failures); tests/test_store.py checks this stays in step with the schema module.
_FINAL: Final = (
    "SELECT a.token FROM answers a "
    "JOIN (SELECT token, MAX(id) AS id FROM answers GROUP BY token) m ON a.id = m.id "
    "WHERE a.outcome = 'not_found' OR (a.outcome = 'ok' AND a.status IN ('failed', 'downloaded'))"
    " OR a.persistent = 1"
)
_PERSISTENT: Final = (
    "SELECT a.token FROM answers a "
    "JOIN (SELECT token, MAX(id) AS id FROM answers GROUP BY token) m ON a.id = m.id "
    "WHERE a.persistent = 1"
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _to_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


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


def _status_from_body(body: str | None) -> str | None:
    """The normalised status of a stored success body (used by the v1 migration)."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return "unknown"
    value = data.get("status") if isinstance(data, dict) else None
    return normalise_status(value)[0]


class Store:
    """A SQLite file of answers and tokens. Thread-safe; use as a context manager.

    >>> with Store("rentals.sqlite") as store:  # doctest: +SKIP
    ...     store.latest_records()
    """

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open()

    # -- opening and migrating ---------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        where = f"{self._path}"
        if self._path.is_dir():
            raise StoreError(f"{where} is a folder: give a file name for the store (*.sqlite).")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self._path, check_same_thread=False, isolation_level=None, timeout=30.0
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"Cannot open the store {where} ({exc}): check the path.") from None
        try:
            self._prepare(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(
                f"{where} is not a smspartner-analytics store ({exc}): "
                "give another --store path or move this file away."
            ) from None
        except StoreError:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "meta" not in tables:
            raise StoreError(
                f"{self._path} is an SQLite file but not a smspartner-analytics store: "
                "give another --store path."
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        version = self._schema_version(conn) if tables else None
        if version is None:
            conn.executescript(_CREATE)
            conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        elif version > SCHEMA_VERSION:
            raise StoreError(
                f"{self._path} was written by a newer smspartner-analytics (schema {version}, "
                f"this one reads up to {SCHEMA_VERSION}): upgrade the package."
            )
        elif version < SCHEMA_VERSION:
            self._migrate(conn, version)

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise StoreError(
                f"{self._path} has no readable schema version: it is not a store this "
                "package wrote; give another --store path."
            ) from None

    def _migrate(self, conn: sqlite3.Connection, version: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version not in (1, 2):
                raise StoreError(f"{self._path} has unknown schema {version}: cannot migrate it.")
            if version == 1:
                _migrate_v1_to_v2(conn)
            _migrate_v2_to_v3(conn)
            conn.execute(
                "UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),)
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- life cycle ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """Where the store lives."""
        return self._path

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"The store {self._path} is closed: open it again with Store(path).")
        return self._conn

    def close(self) -> None:
        """Close the connection (and fold the WAL back into the main file). Idempotent."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"Store({str(self._path)!r}, {state})"

    # -- writing -------------------------------------------------------------------------------

    def add_tokens(self, entries: Iterable[TokenEntry]) -> None:
        """Add tokens in order; known tokens keep their position, non-empty metadata replaces."""
        rows = [(e.token, json.dumps(e.metadata, ensure_ascii=False)) for e in entries]
        with self._lock, _transaction(self._db()) as db:
            (top,) = db.execute("SELECT COALESCE(MAX(position), -1) FROM tokens").fetchone()
            seen = _now()
            for offset, (token, meta) in enumerate(rows, start=top + 1):
                db.execute(
                    "INSERT INTO tokens (token, metadata, first_seen, position) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(token) DO UPDATE SET metadata = "
                    "CASE WHEN excluded.metadata = '{}' THEN metadata ELSE excluded.metadata END",
                    (token, meta, seen, offset),
                )

    def record(self, rec: AnswerRecord) -> None:
        """Append one answer and commit at once (the token is added if it was unknown)."""
        values = (
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
        with self._lock, _transaction(self._db()) as db:
            db.execute(
                "INSERT OR IGNORE INTO tokens (token, metadata, first_seen, position) "
                "SELECT ?, '{}', ?, COALESCE(MAX(position), -1) + 1 FROM tokens",
                (rec.token, _now()),
            )
            db.execute(_INSERT, values)

    # -- reading -------------------------------------------------------------------------------

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._db().execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"Cannot read the store {self._path} ({exc}).") from None

    def latest_records(self) -> list[AnswerRecord]:
        """The latest answer per token, in the order tokens were added (unanswered: absent)."""
        return [_row_to_record(r) for r in self._query(_LATEST)]

    def history_records(self) -> list[AnswerRecord]:
        """Every answer, by token (in the order tokens were added) then time."""
        return [_row_to_record(r) for r in self._query(_HISTORY)]

    def recent_records(self, token: str, count: int) -> list[AnswerRecord]:
        """The ``count`` latest answers for ``token``, newest first."""
        return [_row_to_record(r) for r in self._query(_RECENT, (token, count))]

    def persistent_tokens(self) -> set[str]:
        """Tokens whose latest answer is a failure marked persistent (skipped unless refreshed)."""
        return {r[0] for r in self._query(_PERSISTENT)}

    def tokens(self) -> list[str]:
        """Every known token, in the order they were added."""
        return [r[0] for r in self._query("SELECT token FROM tokens ORDER BY position")]

    def token_metadata(self) -> dict[str, dict[str, str]]:
        """Each known token's metadata (empty dict when its file had none), in token order."""
        rows = self._query("SELECT token, metadata FROM tokens ORDER BY position")
        return {token: json.loads(meta) for token, meta in rows}

    def final_tokens(self) -> set[str]:
        """Tokens whose latest answer is final: not found, or a failed/downloaded rental."""
        return {r[0] for r in self._query(_FINAL)}

    def pending_tokens(self, tokens: Iterable[str]) -> list[str]:
        """``tokens`` (in order) without the final ones: what a default fetch would ask."""
        final = self.final_tokens()
        return [t for t in tokens if t not in final]

    def count_answers(self) -> int:
        """How many answers are stored, all tokens and times included."""
        return int(self._query("SELECT COUNT(*) FROM answers")[0][0])

    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._lock:
            return self._schema_version(self._db())


class _transaction:
    """``with _transaction(conn) as db``: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot write to the store ({exc}).") from None
        return self._conn

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            try:
                self._conn.execute("COMMIT")
                return
            except sqlite3.Error as err:
                self._conn.execute("ROLLBACK")
                raise StoreError(f"Cannot write to the store ({err}).") from None
        self._conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"Cannot write to the store ({exc}).") from None


def _migrate_v1_to_v2(conn: sqlite3.Connection) -> None:
    """Add ``answers.status`` and derive it from the stored bodies of successful answers."""
    conn.execute("ALTER TABLE answers ADD COLUMN status TEXT")
    rows = conn.execute("SELECT id, body FROM answers WHERE outcome = ?", (Outcome.OK,))
    updates = [(_status_from_body(body), rid) for rid, body in rows.fetchall()]
    conn.executemany("UPDATE answers SET status = ? WHERE id = ?", updates)
    conn.execute("CREATE INDEX IF NOT EXISTS answers_token_id ON answers (token, id)")


def _migrate_v2_to_v3(conn: sqlite3.Connection) -> None:
    """Add ``answers.reason`` (empty) and ``answers.persistent`` (0) for older answers."""
    conn.execute("ALTER TABLE answers ADD COLUMN reason TEXT")
    conn.execute("ALTER TABLE answers ADD COLUMN persistent INTEGER NOT NULL DEFAULT 0")
