"""The store's tables and their versions: creating a new file, checking and migrating an old one.

Layout (schema version 3)::

    meta(key PRIMARY KEY, value)                      schema_version, tokens_mark
    tokens(token PRIMARY KEY, metadata JSON, first_seen, position)   index (position)
    answers(id AUTOINCREMENT, token, fetched_at, http_status, outcome, status,
            error_code, error_message, attempts, body, reason, persistent)   index (token, id)

``reason`` is the kind of failure (``"HTTP 404 page"``, ``"connection refused"``, ...; empty for
successes) and ``persistent`` marks a failure that repeated identically on consecutive runs: such a
token is not asked again unless the user forces a refresh. ``tokens_mark`` (a random hex text,
set when the file is first opened writable) changes whenever a known token's metadata changes:
the frames cache keeps the metadata it read under it, and reads only the tokens added since (new
tokens only ever get larger positions).

Version 1 (the first layout) had no ``answers.status`` column; opening such a file writable adds it
and derives it from the stored bodies (the only time rows are ever updated). Version 2 had no
``reason`` and ``persistent`` columns; they are added (empty and 0). The ``tokens(position)``
index is added to older files when they are opened writable: it is what keeps ``Store.record()``
as cheap on a million tokens as on a hundred. A file written by a newer version, or a file that
is not a store, raises ``StoreError``.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Final

from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.schema import Outcome, normalise_status

__all__ = ["SCHEMA_VERSION", "prepare", "read_schema_version"]

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
"""
# Indexes are additive: files of the same version without them are still valid stores.
_INDEXES: Final = """
CREATE INDEX IF NOT EXISTS answers_token_id ON answers (token, id);
CREATE INDEX IF NOT EXISTS tokens_position ON tokens (position);
"""


def prepare(conn: sqlite3.Connection, path: Path, *, writable: bool) -> int:
    """Check (and, when ``writable``, create or migrate) the file; return its schema version.

    A read-only connection is only checked: an empty file (no tables: nothing was ever saved)
    raises ``StoreError`` saying to fetch first; an older schema, one saying how to upgrade it.
    """
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables and "meta" not in tables:
        raise StoreError(
            f"{path} is an SQLite file but not a smspartner-analytics store: "
            "give another --store path."
        )
    version = read_schema_version(conn, path) if tables else None
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer smspartner-analytics (schema {version}, "
            f"this one reads up to {SCHEMA_VERSION}): upgrade the package."
        )
    if not writable:
        if version is None:
            raise StoreError(
                f"{path} is empty: no answers were ever saved there; run `smspartner-analytics "
                f"fetch TOKENS_FILE --store {path}` first."
            )
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"The store {path} is read-only and needs an upgrade (schema {version}, "
                f"this version reads {SCHEMA_VERSION}): copy it to a writable place and open "
                "it there once."
            )
        return version
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    if version is None:
        conn.executescript(_CREATE)
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    elif version < SCHEMA_VERSION:
        _migrate(conn, path, version)
    conn.executescript(_INDEXES)
    conn.execute("INSERT OR IGNORE INTO meta VALUES ('tokens_mark', ?)", (uuid.uuid4().hex,))
    return SCHEMA_VERSION


def read_schema_version(conn: sqlite3.Connection, path: Path) -> int:
    """The ``schema_version`` in ``meta``; ``StoreError`` when it is missing or unreadable."""
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StoreError(
            f"{path} has no readable schema version: it is not a store this "
            "package wrote; give another --store path."
        ) from None


def _migrate(conn: sqlite3.Connection, path: Path, version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        if version not in (1, 2):
            raise StoreError(f"{path} has unknown schema {version}: cannot migrate it.")
        if version == 1:
            _migrate_v1_to_v2(conn)
        _migrate_v2_to_v3(conn)
        conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _status_from_body(body: str | None) -> str | None:
    """The normalised status of a stored success body (used by the v1 migration)."""
    try:
        data = json.loads(body or "")
    except ValueError:
        return "unknown"
    value = data.get("status") if isinstance(data, dict) else None
    return normalise_status(value)[0]


def _migrate_v1_to_v2(conn: sqlite3.Connection) -> None:
    """Add ``answers.status`` and derive it from the stored bodies of successful answers."""
    conn.execute("ALTER TABLE answers ADD COLUMN status TEXT")
    rows = conn.execute("SELECT id, body FROM answers WHERE outcome = ?", (Outcome.OK,))
    updates = [(_status_from_body(body), rid) for rid, body in rows.fetchall()]
    conn.executemany("UPDATE answers SET status = ? WHERE id = ?", updates)


def _migrate_v2_to_v3(conn: sqlite3.Connection) -> None:
    """Add ``answers.reason`` (empty) and ``answers.persistent`` (0) for older answers."""
    conn.execute("ALTER TABLE answers ADD COLUMN reason TEXT")
    conn.execute("ALTER TABLE answers ADD COLUMN persistent INTEGER NOT NULL DEFAULT 0")
