"""All of a report's files replace the previous ones together, or none do.

``replacing(folder, ours)`` yields an empty staging folder; the writers put every file of the new
report there. Only when all of them are written does the swap run: the previous report's files
(those named in ``ours``) move aside into a backup folder, the new files move in, and the backup
is deleted. Renames inside one file system need no free space, so a full disk fails while staging,
before anything in ``folder`` changed; if a rename fails anyway, what moved is put back. Files in
``folder`` whose names are not ``ours`` are never touched.

The staging folder is a hidden sibling of ``folder`` (``.NAME.new-XXXX``), or a hidden folder
inside it when the sibling would sit on another file system or cannot be created (``folder`` is a
mount point, or its parent is not writable). Files are created with ``open()``, so they get the
usual permissions for the user's umask; only the staging folders themselves are private.

Hand-written: no library offers a multi-file swap that keeps foreign files in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from smspartner_analytics.core.errors import ReportError

__all__ = ["replacing"]


def _staging_folder(folder: Path, tag: str) -> Path:
    """A new hidden folder on the same file system as ``folder``, beside it if possible."""
    device = folder.stat().st_dev
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{tag}-", dir=folder.parent))
    except OSError:
        return Path(tempfile.mkdtemp(prefix=f".report.{tag}-", dir=folder))
    if staging.stat().st_dev == device:
        return staging
    staging.rmdir()
    return Path(tempfile.mkdtemp(prefix=f".report.{tag}-", dir=folder))


def _check_targets(folder: Path, ours: Iterable[str]) -> None:
    for name in ours:
        target = folder / name
        if target.exists() and not target.is_file():
            raise ReportError(
                f"{target} is not a file, but the report writes a file of that name: "
                "move it away or choose another --out."
            )


@contextmanager
def replacing(folder: Path, ours: Iterable[str]) -> Iterator[Path]:
    """Yield a staging folder; on success its files replace ``ours`` in ``folder`` at once.

    Names in ``ours`` that the new report did not write are removed (they belong to the
    previous report). On any error inside the block nothing in ``folder`` changes.
    """
    names = list(dict.fromkeys(ours))
    _check_targets(folder, names)
    staging = _staging_folder(folder, "new")
    try:
        yield staging
        _swap(folder, staging, names)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap(folder: Path, staging: Path, names: list[str]) -> None:
    backup = _staging_folder(folder, "old")
    moved_out: list[str] = []
    moved_in: list[str] = []
    try:
        for name in names:
            if (folder / name).is_file():
                os.replace(folder / name, backup / name)
                moved_out.append(name)
        for name in names:
            if (staging / name).is_file():
                os.replace(staging / name, folder / name)
                moved_in.append(name)
    except OSError as exc:
        kept = _undo(folder, staging, backup, moved_in, moved_out)
        raise ReportError(
            f"Cannot put the new report in place in {folder} ({exc.strerror}): "
            + ("the previous report is unchanged" if kept else f"the previous one is in {backup}")
            + "; check the folder and run again."
        ) from None
    shutil.rmtree(backup, ignore_errors=True)


def _undo(
    folder: Path, staging: Path, backup: Path, moved_in: list[str], moved_out: list[str]
) -> bool:
    """Put the previous files back; ``False`` (and the backup kept) when that failed too."""
    try:
        for name in moved_in:
            os.replace(folder / name, staging / name)
        for name in moved_out:
            os.replace(backup / name, folder / name)
        backup.rmdir()
    except OSError:
        return False
    return True
