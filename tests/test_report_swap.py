"""A report replaces the previous one whole or not at all, keeps foreign files, and its files get
the permissions ``open()`` gives under the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from mounts import fill, small_tmpfs
from test_report import make_frames

from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import flatten
from smspartner_analytics.report import writer
from smspartner_analytics.report.writer import CHART_FILES, CSV_FILES, write_report


def other_frames() -> Frames:
    return flatten([{"success": False, "code": 32, "message": "introuvable", "token": "zz"}])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def hidden_leftovers(folder: Path) -> list[str]:
    names = [p.name for p in folder.iterdir()] + [p.name for p in folder.parent.iterdir()]
    return [n for n in names if ".new-" in n or ".old-" in n]


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_report_files_get_the_umask_permissions(tmp_path: Path, umask: None, mask: int) -> None:
    os.umask(mask)
    out = tmp_path / "out"
    written = write_report(make_frames(), out, charts=mask == 0o022)
    assert written
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, path.name


def test_foreign_files_stay_and_old_report_files_all_go(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_report(make_frames(), out, charts=True)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    (out / "sub").mkdir()
    written = write_report(other_frames(), out, charts=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([*CSV_FILES, "notes.txt", "sub"])  # no stale chart of the old report
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert "zz" in (out / "errors.csv").read_text(encoding="utf-8")
    assert "t1" not in (out / "rentals.csv").read_text(encoding="utf-8")
    assert sorted(p.name for p in written) == sorted(CSV_FILES)
    assert hidden_leftovers(out) == []


def test_a_failure_after_some_files_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_report(make_frames(), out, charts=True)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = snapshot(out)

    def half_charts(frames: Frames, folder: Path, locale: str) -> list[str]:
        (folder / CHART_FILES[0]).write_bytes(b"half a png")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write_charts", half_charts)
    with pytest.raises(ReportError, match="previous report is unchanged") as info:
        write_report(other_frames(), out, charts=True)
    assert "\n" not in str(info.value)
    assert snapshot(out) == before  # the new CSVs, already written, did not replace the old ones
    assert hidden_leftovers(out) == []


def test_a_folder_where_a_report_file_goes_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "rentals.csv").mkdir(parents=True)
    with pytest.raises(ReportError, match="not a file"):
        write_report(make_frames(), out, charts=False)
    assert [p.name for p in out.iterdir()] == ["rentals.csv"]


def test_disk_full_mid_report_keeps_the_whole_previous_report(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path / "disk", 1024) as disk:
        out = disk / "out"
        write_report(make_frames(), out, charts=True)
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        before = snapshot(out)
        fill(disk)
        os.truncate(disk / "filler", (disk / "filler").stat().st_size - 24 * 1024)  # CSVs fit
        with pytest.raises(ReportError, match="No space left") as info:
            write_report(make_frames(), out, charts=True)
        assert "previous report is unchanged" in str(info.value)
        assert snapshot(out) == before
        assert hidden_leftovers(out) == []
