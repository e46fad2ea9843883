"""The frames cache's files: segments as Arrow IPC files, and the manifest naming them.

Written so that a process killed at any point leaves a usable or an ignored cache, never a wrong
one: segment files first (new names), then the manifest through a temporary file and an atomic
rename, then the files no manifest names are removed. A manifest of another format (flattener
version) or whose mark (token, time and id of the last answer covered) does not match the store
is ignored, and a segment file missing or cut short makes the reader rebuild.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any, Final, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

__all__ = ["drop_metadata", "read_segment", "save", "token_metadata", "valid_manifest"]

_TOKENS_MARK: Final = re.compile(r"[0-9a-f]{32}")


class _Marks(Protocol):
    def answer_mark(self, answer_id: int) -> tuple[str, str, int] | None: ...


class _Tokens(Protocol):
    def tokens_mark(self) -> str | None: ...
    def metadata_texts(self, after: int = -1) -> list[tuple[int, str]]: ...


def valid_manifest(folder: Path, store: _Marks, fmt: str) -> dict[str, Any] | None:
    """The manifest when it is of format ``fmt`` and its mark matches the store, else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != fmt:
        return None
    segments = manifest.get("segments")
    mark = manifest.get("mark")
    if not isinstance(segments, list) or not segments:
        return None
    if store.answer_mark(int(segments[-1]["last"])) != (tuple(mark) if mark else None):
        return None
    return manifest


def read_segment(
    folder: Path, seg: dict[str, Any], names: tuple[str, ...]
) -> dict[str, pa.Table] | None:
    """One segment's tables (memory-mapped), or None when a file is missing or damaged."""
    try:
        return {
            name: ipc.open_file(
                pa.memory_map(str(folder / f"{seg['name']}.{name}.arrow"))
            ).read_all()
            for name in names
        }
    except (OSError, pa.ArrowInvalid, KeyError):
        return None


def save(
    folder: Path,
    store: _Marks,
    fmt: str,
    segments: list[dict[str, Any]],
    new_segments: list[dict[str, Any]],
    new_parts: list[dict[str, pa.Table]],
    upto: int,
) -> None:
    """Write the new segments then the manifest (atomic rename); silently skip when unwritable."""
    try:
        folder.mkdir(exist_ok=True)
        for seg, part in zip(new_segments, new_parts, strict=True):
            for name, table in part.items():
                target = folder / f"{seg['name']}.{name}.arrow"
                with pa.OSFile(str(target), "wb") as sink, ipc.new_file(sink, table.schema) as w:
                    w.write_table(table)
        mark = store.answer_mark(upto)
        text = json.dumps({"format": fmt, "segments": segments, "mark": mark})
        temp = folder / f"manifest.{uuid.uuid4().hex}.tmp"
        temp.write_text(text, encoding="utf-8")
        os.replace(temp, folder / "manifest.json")
    except OSError:
        return
    keep = {s["name"] for s in segments}
    for old in folder.glob("*.arrow"):
        if old.name.split(".")[0] not in keep:
            with contextlib.suppress(OSError):
                old.unlink()


def token_metadata(folder: Path, store: _Tokens) -> tuple[np.ndarray, pa.Array]:
    """Every token's position and metadata text, in position order.

    Kept in ``metadata-MARK.ipc`` under the store's tokens mark MARK, which changes whenever a
    known token's metadata changes; tokens added since are read from the store (they are placed
    after every known one) and the file is written again with them. A million texts read from
    SQLite cost more than the rest of a cached read. Written like the segments (a temporary
    name, then an atomic rename); a damaged file is read from the store again."""
    mark = store.tokens_mark()
    usable = mark is not None and _TOKENS_MARK.fullmatch(mark) is not None
    target = folder / f"metadata-{mark}.ipc"
    kept: pa.Table | None = None
    if usable:
        try:
            kept = ipc.open_file(pa.memory_map(str(target))).read_all()
        except (OSError, pa.ArrowInvalid):
            kept = None
    if kept is not None and kept.schema.names != ["position", "metadata"]:
        kept = None  # not a file of ours
    after = int(kept.column("position")[-1].as_py()) if kept is not None and kept.num_rows else -1
    rows = store.metadata_texts(after)
    new = pa.table(
        {
            "position": pa.array([r[0] for r in rows], type=pa.int64()),
            "metadata": pa.array([r[1] for r in rows], type=pa.string()),
        }
    )
    table = new if kept is None else pa.concat_tables([kept, new])
    if usable and (rows or kept is None) and folder.is_dir():
        _keep_metadata(folder, target, table)
    return table.column("position").to_numpy(), table.column("metadata").combine_chunks()


def drop_metadata(folder: Path) -> None:
    """Remove the kept metadata (the cache is being rebuilt from the store)."""
    for old in folder.glob("metadata-*.ipc"):
        with contextlib.suppress(OSError):
            old.unlink()


def _keep_metadata(folder: Path, target: Path, table: pa.Table) -> None:
    temp = folder / f"metadata.{uuid.uuid4().hex}.tmp"
    try:
        with pa.OSFile(str(temp), "wb") as sink, ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(temp, target)
    except OSError:
        with contextlib.suppress(OSError):
            temp.unlink()
        return
    for old in folder.glob("metadata-*.ipc"):
        if old != target:
            with contextlib.suppress(OSError):
                old.unlink()
