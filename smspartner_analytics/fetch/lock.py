"""One writer per store: ``with one_writer(store_path):`` around a fetch (or a whole watch).

A fetch holds an OS advisory lock (``fcntl.flock``, exclusive, non-blocking) on ``NAME.lock``
beside the store (``big.sqlite`` -> ``big.sqlite.lock``) for as long as it writes. A second fetch
on the same store, in another process or another thread, does not wait: it raises
``StoreBusyError`` at once, naming the holder (its pid and start time, which the holder writes
into the lock file) and the store. Readers (report, ``load_frames``, the dashboard's viewing)
never take the lock, so they are never blocked.

- The kernel drops a ``flock`` when its holder dies, however it dies (``SIGKILL`` included): a
  killed fetch never leaves the store locked. Its lock file stays behind, stale, and the next
  fetch simply locks it again.
- A clean end deletes the lock file while still holding the lock, then lets it go. A contender
  that opened the old file just before gets the lock on a file no longer in the folder: it sees
  that (the path now names another file, or none) and starts over on the current one.
- The same thread may nest: ``watch`` holds the lock for all its rounds and each round's
  ``fetch_statuses`` takes it again (a counter, per store, per thread).
- No lock file can be created (a read-only folder or mount): the fetch goes on without one, and
  opening the store for writing then refuses with its own one-line message. Nobody can write
  such a store, so there is no writer to exclude.
- Where ``fcntl`` does not exist (Windows), no lock is taken.

Hand-written rather than with ``filelock``: its Unix lock opens the lock file truncating it
before it tries the lock, so every contender would erase the pid and start time the holder wrote
there, which the one-line message of the second fetch needs. What is needed here is a few lines
of ``os`` and ``fcntl``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smspartner_analytics.core.errors import StoreBusyError

__all__ = ["busy_message", "lock_path", "one_writer"]


@dataclass
class _Held:
    thread: int
    depth: int
    fd: int | None  # None: no lock file could be made (a read-only folder)
    path: Path


_held: dict[str, _Held] = {}
_held_lock = threading.Lock()


def lock_path(store_path: str | Path) -> Path:
    """The lock file of the store at ``store_path``: ``NAME.lock`` beside the real file."""
    real = Path(os.path.realpath(store_path))
    return real.with_name(real.name + ".lock")


@contextlib.contextmanager
def one_writer(store_path: str | Path) -> Iterator[None]:
    """Hold the store's writer lock while the block runs; ``StoreBusyError`` when another fetch
    holds it (nothing is written then)."""
    key = str(lock_path(store_path))
    me = threading.get_ident()
    with _held_lock:
        mine = _held.get(key)
        if mine is not None and mine.thread == me:
            mine.depth += 1
        else:
            mine = None
    if mine is not None:
        try:
            yield
        finally:
            with _held_lock:
                mine.depth -= 1
        return
    held = _Held(me, 1, _acquire(Path(key), store_path), Path(key))
    with _held_lock:
        _held[key] = held
    try:
        yield
    finally:
        with _held_lock:
            if _held.get(key) is held:  # without a lock file two threads may both be here
                del _held[key]
        _release(held)


def _acquire(path: Path, store_path: str | Path) -> int | None:
    if sys.platform == "win32":  # pragma: no cover - no flock there
        return None
    import fcntl

    while True:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None  # a read-only folder: opening the store for writing says so
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise StoreBusyError(busy_message(store_path, holder)) from None
        except OSError:  # a file system without flock: go on unlocked, as on Windows
            os.close(fd)
            return None
        if _same_file(fd, path):
            break
        os.close(fd)  # a holder deleted it as we opened it: lock the current one
    started = time.time()
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {started:.0f}\n".encode(), 0)
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (now.st_dev, now.st_ino)


def _release(held: _Held) -> None:
    if held.fd is None:
        return
    try:
        with contextlib.suppress(OSError):  # delete while still holding it (see the docstring)
            os.unlink(held.path)
    finally:
        os.close(held.fd)  # lets the lock go


def _read(fd: int) -> tuple[int, float] | None:
    """The holder's pid and start time (seconds since the epoch), if it wrote them yet."""
    try:
        pid, started = os.pread(fd, 64, 0).decode("ascii").split()
        return int(pid), float(started)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def busy_message(store_path: str | Path, holder: tuple[int, float] | None) -> str:
    """``another fetch (pid 1234, started 10:02) is writing PATH: wait for it to finish or stop
    it.`` The start time is local; its date is added when it is not today."""
    who = ""
    if holder is not None:
        pid, started = holder
        moment = time.localtime(started)
        same_day = time.strftime("%Y-%m-%d", moment) == time.strftime("%Y-%m-%d")
        when = time.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M", moment)
        who = f" (pid {pid}, started {when})"
    return (
        f"another fetch{who} is writing {os.path.abspath(store_path)}: wait for it to finish "
        "or stop it."
    )
