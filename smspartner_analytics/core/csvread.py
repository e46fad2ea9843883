"""Reading the user's small text and CSV files (tokens, labels) with bounds and named lines.

- ``read_bounded``: the bytes of a file or stream, refusing a line longer than ``max_line`` bytes
  or a file larger than ``max_total`` bytes, so ``/dev/zero`` or a runaway pipe ends in one clear
  ``InputError`` naming the line instead of a ``MemoryError``.
- ``csv_rows``: ``(line number, fields)`` of a CSV text. Python's ``csv`` module is used in strict
  mode and its failures become ``InputError``s naming the line: a quote never closed (which would
  swallow every following row into one cell), a field over ``csv.field_size_limit()`` (131,072
  characters), stray quotes. What is readable but suspicious is said in one ``UserWarning`` naming
  the lines: a quoted value spanning several lines (rows inside it are not rows), a row with more
  fields than the header (the extra fields are not kept).
"""

from __future__ import annotations

import csv
import io
import warnings
from collections.abc import Iterator
from typing import BinaryIO, Final

from smspartner_analytics.core.errors import InputError

__all__ = ["MAX_FILE_BYTES", "MAX_LINE_BYTES", "csv_rows", "read_bounded"]

#: The longest line read from a user's file (a CSV line with its metadata fits many times over).
MAX_LINE_BYTES: Final = 1024 * 1024
#: The largest file read (about ten million tokens with metadata).
MAX_FILE_BYTES: Final = 1024 * 1024 * 1024
_SHOWN_LINES: Final = 5


def read_bounded(
    stream: BinaryIO,
    name: str,
    *,
    max_line: int = MAX_LINE_BYTES,
    max_total: int = MAX_FILE_BYTES,
) -> bytes:
    """Every byte of ``stream``; ``InputError`` naming the line when a bound is passed."""
    parts: list[bytes] = []
    total = 0
    number = 0
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return b"".join(parts)
        number += 1
        if len(line) > max_line:
            raise InputError(
                f"{name}, line {number}: longer than {max_line:,} bytes, so not a line of a "
                "text file: check the file (or that line)."
            )
        total += len(line)
        if total > max_total:
            raise InputError(
                f"{name} is larger than {max_total:,} bytes (line {number}): split it into "
                "smaller files."
            )
        parts.append(line)


def _lines(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}-{last}"


def _listed(places: list[str]) -> str:
    shown = ", ".join(places[:_SHOWN_LINES])
    more = len(places) - _SHOWN_LINES
    return shown + (f" and {more} more" if more > 0 else "")


def csv_rows(text: str, delimiter: str, name: str) -> Iterator[tuple[int, list[str]]]:
    """``(first line number, fields)`` of each CSV row of ``text``; the header comes first.

    Raises ``InputError`` naming the line for what cannot be read without losing rows; warns
    once (``UserWarning``) for rows spanning lines and rows longer than the header.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    spanning: list[str] = []
    longer: list[str] = []
    width: int | None = None
    end = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(_csv_problem(name, start, reader.line_num, str(exc))) from None
        end = reader.line_num
        if end > start and any("\n" in cell or "\r" in cell for cell in row):
            spanning.append(_lines(start, end))
        if width is None:
            if any(cell.strip() for cell in row):
                width = len(row)
        elif len(row) > width and any(cell.strip() for cell in row[width:]):
            longer.append(f"line {start} ({len(row)} fields)")
        yield start, row
    _warn(name, spanning, longer, width)


def _csv_problem(name: str, start: int, at: int, reason: str) -> str:
    if "unexpected end of data" in reason:
        return (
            f"{name}, line {start}: a quote opened on this line is never closed, so every "
            f"following line (to line {at}) would be read as one cell: close or remove the quote."
        )
    if "field larger than field limit" in reason:
        return (
            f"{name}, {_lines(start, at)}: a field is longer than "
            f"{csv.field_size_limit():,} characters (often a quote never closed): fix that line."
        )
    return f"{name}, line {at}: not valid CSV ({reason}): fix the quotes on that line."


def _warn(name: str, spanning: list[str], longer: list[str], width: int | None) -> None:
    if spanning:
        warnings.warn(
            f"{name}: a quoted value spans several lines at {_listed(spanning)}; lines inside "
            "quotes are read as part of that value, not as rows: check the quotes.",
            UserWarning,
            stacklevel=4,
        )
    if longer:
        warnings.warn(
            f"{name}: {len(longer)} row(s) have more fields than the header's {width} at "
            f"{_listed(longer)}; the extra fields are not kept: check the separators and quotes.",
            UserWarning,
            stacklevel=4,
        )
