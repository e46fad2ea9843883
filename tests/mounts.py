"""Real file-system faults for tests: a tiny tmpfs (a full disk) and read-only mounts.

Mounting needs root (or a user namespace); where neither is available the test is skipped with
the reason. Every mount is undone when the ``with`` block ends.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _mount(*args: str) -> None:
    if shutil.which("mount") is None:
        pytest.skip("no mount command here: cannot make a small or read-only file system")
    done = _run("mount", *args)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or done.returncode}): needs root")


def _umount(target: Path) -> None:
    _run("umount", "-l", str(target))


@contextmanager
def small_tmpfs(target: Path, size_kib: int) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` KiB mounted on ``target`` (created): a disk that fills up."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(target))
    try:
        yield target
    finally:
        _umount(target)


@contextmanager
def read_only_view(source: Path, target: Path) -> Iterator[Path]:
    """``source`` (a folder) seen read-only at ``target``: writes there fail with EROFS."""
    target.mkdir(parents=True, exist_ok=True)
    _mount("--bind", str(source), str(target))
    try:
        done = _run("mount", "-o", "remount,ro,bind", str(target))
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only here ({done.stderr.strip()})")
        yield target
    finally:
        _umount(target)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte."""
    block = b"\0" * 4096
    with (folder / "filler").open("wb", buffering=0) as fh:
        try:
            while fh.write(block):
                pass
        except OSError:
            pass
