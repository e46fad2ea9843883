"""Reading the user's list of rental tokens: a text file, a CSV with metadata, or stdin.

Two formats, told apart by the first non-blank line:

- **plain text**: one token per line; blank lines and ``#`` comments are skipped, a first line
  reading just ``token`` is taken as a header, and one pair of double quotes around a token
  (``"e8be..."``, as a spreadsheet exports a one-column list) is dropped, never sent;
- **CSV**: the first line holds ``,``, ``;`` or a tab and names a ``token`` column (any case);
  every other column is kept as metadata (text) and joined to the reports.

Whitespace around tokens is stripped, a UTF-8 BOM is tolerated (and Windows-1252, Excel's
French default, when the file is not UTF-8), and a token listed twice is asked once: the first
line's metadata wins and one warning says how many duplicates were dropped.

Reading is bounded (``core.csvread``): a line over 1 MiB, a file over 1 GiB or a token over
``MAX_TOKEN_LENGTH`` characters is refused with a message naming the line. CSV problems that would
lose rows (a quote never closed, a field over 131,072 characters) are errors naming the line;
rows spanning several lines or with more fields than the header are read and warned about.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Final, TextIO

from smspartner_analytics.core.csvread import csv_rows, read_bounded
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import TokenEntry

__all__ = [
    "MAX_TOKEN_LENGTH",
    "TOKEN_COLUMN",
    "dedupe_entries",
    "parse_tokens",
    "read_tokens",
    "warn_duplicates",
]

#: The CSV column that holds the tokens.
TOKEN_COLUMN = "token"  # noqa: S105 - a column name, not a secret
_DELIMITERS = (",", ";", "\t")
#: The longest token accepted: the API's tokens are 40 hex characters; this leaves ample room.
MAX_TOKEN_LENGTH: Final = 256


def read_tokens(source: str | Path, *, stdin: TextIO | None = None) -> list[TokenEntry]:
    """Read tokens (and metadata) from a file, or from standard input when ``source`` is ``-``.

    Raises ``InputError`` for a missing, unreadable or binary file, a CSV without a ``token``
    column, a malformed token, or a list with no token at all. Warns (``UserWarning``) once when
    duplicates were dropped.
    """
    if str(source) == "-":
        name = "standard input"
        text = _read_stdin(stdin if stdin is not None else sys.stdin)
    else:
        name = str(source)
        text = _read_text(Path(source))
    entries, duplicates = _parse(text, name)
    if duplicates:
        warn_duplicates(duplicates)
    return entries


def parse_tokens(text: str, *, name: str = "the token list") -> list[TokenEntry]:
    """Parse the text of a token file (same rules and errors as ``read_tokens``)."""
    entries, duplicates = _parse(text.removeprefix("\ufeff"), name)
    if duplicates:
        warn_duplicates(duplicates)
    return entries


def dedupe_entries(entries: Iterable[TokenEntry]) -> tuple[list[TokenEntry], int]:
    """Keep the first entry of each token, in order; return them and how many were dropped."""
    seen: set[str] = set()
    kept: list[TokenEntry] = []
    dropped = 0
    for entry in entries:
        if entry.token in seen:
            dropped += 1
        else:
            seen.add(entry.token)
            kept.append(entry)
    return kept, dropped


def warn_duplicates(count: int, stacklevel: int = 3) -> None:
    """One warning saying how many duplicate tokens were dropped (each token is asked once)."""
    noun = "token was" if count == 1 else "tokens were"
    warnings.warn(
        f"{count} duplicate {noun} dropped: each token is asked once, with the metadata of its "
        "first line.",
        UserWarning,
        stacklevel=stacklevel,
    )


def _read_stdin(stream: TextIO) -> str:
    raw: BinaryIO | None = getattr(stream, "buffer", None)
    try:
        if raw is None:  # an in-memory text stream
            return stream.read().removeprefix("\ufeff")
        return _decoded(read_bounded(raw, "standard input"), "standard input")
    except (OSError, UnicodeDecodeError):
        raise InputError(
            "Cannot read tokens from standard input as text: pipe a text file with one "
            "token per line, or a CSV with a 'token' column."
        ) from None


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            data = read_bounded(stream, str(path))
    except FileNotFoundError:
        raise InputError(
            f"No tokens file at {path}: check the path (or use - for stdin)."
        ) from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder: give the tokens file inside it.") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"Cannot read the tokens file {path} ({reason}): check it.") from None
    return _decoded(data, str(path))


def _decoded(data: bytes, name: str) -> str:
    binary = InputError(
        f"{name} looks binary, not text: give a text file with one token per line, "
        "or a CSV with a 'token' column."
    )
    if b"\x00" in data:
        raise binary
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise binary


def _parse(text: str, name: str) -> tuple[list[TokenEntry], int]:
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first.count)
    if first.count(delimiter):
        entries = _parse_csv(text, delimiter, name)
    else:
        entries = _parse_lines(lines, name)
    if not entries:
        raise InputError(
            f"{name} holds no tokens: put one token per line, or a CSV with a 'token' column."
        )
    return dedupe_entries(entries)


def _parse_lines(lines: list[str], name: str) -> list[TokenEntry]:
    entries: list[TokenEntry] = []
    header_done = False
    for number, raw in enumerate(lines, start=1):
        token = _unquoted(raw.strip())
        if not token or token.startswith("#"):
            continue
        if not header_done and token.lower() == TOKEN_COLUMN:
            header_done = True
            continue
        header_done = True
        entries.append(TokenEntry(_checked(token, name, number), {}))
    return entries


def _unquoted(text: str) -> str:
    """``"abc"`` -> ``abc`` (one pair of double quotes around the whole line, then its spaces)."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].strip()
    return text


def _parse_csv(text: str, delimiter: str, name: str) -> list[TokenEntry]:
    rows = [(n, row) for n, row in csv_rows(text, delimiter, name) if any(c.strip() for c in row)]
    header = [cell.strip().removeprefix("\ufeff") for cell in rows[0][1]]
    lowered = [cell.lower() for cell in header]
    if TOKEN_COLUMN not in lowered:
        shown = ", ".join(repr(c) for c in header[:6])
        raise InputError(
            f"{name} looks like a CSV (columns {shown}) but has no 'token' column: name the "
            "column of rental tokens 'token', or give one token per line."
        )
    at = lowered.index(TOKEN_COLUMN)
    others = [(i, col) for i, col in enumerate(header) if i != at and col]
    entries: list[TokenEntry] = []
    for number, row in rows[1:]:
        token = row[at].strip() if at < len(row) else ""
        if not token:
            continue
        metadata = {col: (row[i].strip() if i < len(row) else "") for i, col in others}
        entries.append(TokenEntry(_checked(token, name, number), metadata))
    return entries


def _checked(token: str, name: str, number: int) -> str:
    """Refuse tokens with spaces or control characters inside (usually a wrong column)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InputError(
            f"{name}, line {number}: a token of {len(token):,} characters ({token[:20]!r}...) "
            f"is not a rental token (they are 40 characters; at most {MAX_TOKEN_LENGTH} are "
            "accepted): check that line."
        )
    if any(ch.isspace() or not ch.isprintable() for ch in token):
        shown = token if len(token) <= 40 else token[:40] + "..."
        raise InputError(
            f"{name}, line {number}: {shown!r} is not a rental token (it holds spaces or "
            "control characters): give one token per line, or a CSV with a 'token' column."
        )
    return token
