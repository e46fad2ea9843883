"""Opening the store's SQLite file, and turning SQLite's failures into one-line ``StoreError``s.

- Only a regular file (or a path where none exists yet) is opened: ``/dev/null``, a pipe or a
  folder is refused before SQLite sees it (SQLite would create ``/dev/null-journal``).
- ``read_only=True`` never changes the store's data. Where the file and its folder may be written,
  it opens ``mode=rw`` with ``PRAGMA query_only``: no statement can write, and closing the last
  connection removes the ``-wal`` and ``-shm`` files as a writer's close does (a ``mode=ro``
  connection cannot, so every report left an empty ``-wal`` and a ``-shm`` beside the store).
  Elsewhere it opens ``file:...?mode=ro``, so a store on a read-only mount, or one the user may
  not write, can still be reported. When SQLite cannot even
  set up its shared-memory index there (WAL mode on a read-only folder), the file is opened
  ``immutable`` instead, which is safe only when no ``-wal`` file holds unmerged answers; such a
  store is refused with a message saying how to copy it.
- Errors are told apart by SQLite's error code, never by the message text: "not a store" is said
  only for a file SQLite itself calls not a database (or damaged), so a valid store that is only
  read-only or on a full disk is never described as "not a store".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path
from types import TracebackType
from typing import Final
from urllib.parse import quote

from smspartner_analytics.core.errors import ReadOnlyStoreError, StoreError, StoreFullError
from smspartner_analytics.store.layout import SCHEMA_VERSION, prepare

__all__ = ["check_store_path", "open_connection", "store_error", "transaction"]

# SQLite primary result codes (sqlite3.h); Python 3.11 exposes them as ``sqlite_errorcode``.
_PERM: Final = 3
_READONLY: Final = 8
_CORRUPT: Final = 11
_FULL: Final = 13
_CANTOPEN: Final = 14
_NOTADB: Final = 26


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def store_error(exc: sqlite3.Error, path: Path, doing: str) -> StoreError:
    """The one-line ``StoreError`` (or subclass) for an SQLite failure while ``doing``."""
    code = _code(exc)
    if code == _FULL:
        return StoreFullError(
            f"Disk full while {doing} the store {path} ({exc}): what was saved before is kept; "
            "free some space (or use a --store on another disk) and run again."
        )
    if code in (_READONLY, _PERM):
        return ReadOnlyStoreError(
            f"The store {path} is read-only ({exc}): fetch needs to write it; fix its "
            "permissions or copy it to a writable folder (report can read it as it is)."
        )
    if code in (_NOTADB, _CORRUPT):
        return StoreError(
            f"{path} is not a smspartner-analytics store, or it is damaged ({exc}): "
            "give another --store path or move this file away."
        )
    return StoreError(f"Cannot use the store {path} while {doing} ({exc}): check the path.")


def check_store_path(path: Path) -> None:
    """Refuse what cannot be a store: a folder, a device, a pipe, a socket."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(
            f"Cannot look at the store {path} ({exc.strerror}): check the path."
        ) from None
    if stat.S_ISDIR(mode):
        raise StoreError(f"{path} is a folder: give a file name for the store (*.sqlite).")
    if not stat.S_ISREG(mode):
        raise StoreError(
            f"{path} is not a regular file (a device, pipe or socket): give the path of a "
            "store file, or of a new file to create (*.sqlite)."
        )


def _uri(path: Path, flags: str) -> str:
    return f"file:{quote(str(path.absolute()))}?{flags}"


def open_connection(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A checked connection to the store at ``path`` (created and migrated unless read-only)."""
    check_store_path(path)
    if read_only:
        return _open_read_only(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30.0)
    except OSError as exc:
        raise StoreError(
            f"Cannot open the store {path} ({exc.strerror}): check the path."
        ) from None
    except sqlite3.Error as exc:
        raise store_error(exc, path, "opening") from None
    _prepared(conn, path, writable=True)
    return conn


def _prepared(conn: sqlite3.Connection, path: Path, *, writable: bool) -> int:
    try:
        return prepare(conn, path, writable=writable)
    except sqlite3.Error as exc:
        conn.close()
        if writable and _code(exc) == _CANTOPEN and not _may_write(path):
            raise ReadOnlyStoreError(
                f"The store {path} is on a read-only file system or folder: fetch needs to "
                "write it; copy it to a writable folder (report can read it as it is)."
            ) from None
        raise store_error(exc, path, "opening") from None
    except BaseException:
        conn.close()
        raise


def _may_write(path: Path) -> bool:
    """Whether the file and its folder (where SQLite keeps ``-wal`` and ``-shm``) are writable."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open_read_only(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise StoreError(
            f"No store at {path}: run `smspartner-analytics fetch TOKENS_FILE` first "
            "(or pass --store)."
        )
    try:
        conn = _reader(path)
        version = _peek_version(conn, path)
    except sqlite3.Error as exc:
        if _code(exc) not in (_READONLY, _CANTOPEN, _PERM):
            raise store_error(exc, path, "reading") from None
        conn = _immutable(path)
        version = _peek_version(conn, path)
    if 0 < version < SCHEMA_VERSION:
        # An older store: upgrade it in place when we may, then read it read-only.
        conn.close()
        try:
            open_connection(path).close()
        except StoreError:
            raise StoreError(
                f"The store {path} was written by an older version (schema {version}) and "
                "cannot be upgraded here: copy it to a writable folder and read the copy."
            ) from None
        conn = _reader(path)
    _prepared(conn, path, writable=False)
    return conn


def _reader(path: Path) -> sqlite3.Connection:
    """A connection that cannot write: ``query_only`` where the store may be written (its close
    then tidies the ``-wal``/``-shm`` files away), ``mode=ro`` elsewhere."""
    if not _may_write(path):
        return _connect_uri(path, "mode=ro")
    conn = _connect_uri(path, "mode=rw")
    try:
        conn.execute("PRAGMA query_only=ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _connect_uri(path: Path, flags: str) -> sqlite3.Connection:
    return sqlite3.connect(
        _uri(path, flags), uri=True, check_same_thread=False, isolation_level=None, timeout=30.0
    )


def _immutable(path: Path) -> sqlite3.Connection:
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ReadOnlyStoreError(
            f"The store {path} is read-only and its {wal.name} file holds answers not yet "
            "merged into it: copy both files to a writable folder and read the copy."
        )
    try:
        return _connect_uri(path, "immutable=1")
    except sqlite3.Error as exc:
        raise store_error(exc, path, "reading") from None


def _peek_version(conn: sqlite3.Connection, path: Path) -> int:
    """The schema version, 0 for a file without tables; SQLite errors propagate."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            return 0
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    except sqlite3.Error:
        conn.close()
        raise
    try:
        return int(row[0])
    except (TypeError, ValueError):
        return 0


class transaction:
    """``with transaction(conn, path) as db``: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on error.

    SQLite failures come out as ``StoreError`` (``StoreFullError`` for a full disk). A failed
    COMMIT may already have rolled back; the rollback is only attempted when one is still open.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise store_error(exc, self._path, "writing to") from None
        return self._conn

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have undone it already
                self._conn.execute("ROLLBACK")

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
                self._rollback()
                raise store_error(err, self._path, "writing to") from None
        self._rollback()
        if isinstance(exc, sqlite3.Error):
            raise store_error(exc, self._path, "writing to") from None
