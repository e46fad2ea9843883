"""Labels for the API's ids: ``category`` 102 → CSP+, ``interest`` 14 → Habitation, and so on.

The toolkit ships ``smspartner_analytics/data/labels.csv`` (columns ``kind,id,label``) with the
ids the vendor documents; users extend or override it with their own CSV of the same columns
(``load_labels("my-labels.csv")``, ``smspartner-analytics report --labels my-labels.csv``).
An id without a label is shown as itself. Pure Python (no pandas). A user's file is read with
``core.csvread``: bounded, and every CSV problem named by its line (an error when rows would be
lost, a warning for rows spanning lines or longer than the header).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Final

from smspartner_analytics.core.csvread import csv_rows, read_bounded
from smspartner_analytics.core.errors import InputError

__all__ = ["KINDS", "Labels", "load_labels"]

#: The kinds of id the API sends and the toolkit labels.
KINDS: Final[tuple[str, ...]] = ("category", "interest", "sub_interest")
_COLUMNS: Final = ("kind", "id", "label")


@dataclass(frozen=True)
class Labels:
    """``kind -> {id: label}``; ``label(kind, id)`` falls back to the id itself."""

    table: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, kind: str, id_: str) -> str:
        """The label of ``id_`` (as text) for ``kind``, or ``id_`` itself when unknown."""
        return self.table.get(kind, {}).get(str(id_).strip(), str(id_))

    def merged(self, other: Labels) -> Labels:
        """A copy where ``other``'s labels override and extend these."""
        table = {kind: dict(ids) for kind, ids in self.table.items()}
        for kind, ids in other.table.items():
            table.setdefault(kind, {}).update(ids)
        return Labels(table)

    def __len__(self) -> int:
        return sum(len(ids) for ids in self.table.values())


def _parse(text: str, source: str) -> Labels:
    rows = [(n, row) for n, row in csv_rows(text, ",", f"Labels file {source}") if row]
    header = [cell.strip() for cell in rows[0][1]] if rows else []
    missing = [c for c in _COLUMNS if c not in header]
    if missing:
        raise InputError(
            f"Labels file {source} has no {', '.join(missing)} column: "
            "it needs a header line 'kind,id,label'."
        )
    at = [header.index(c) for c in _COLUMNS]
    table: dict[str, dict[str, str]] = {}
    for _, row in rows[1:]:
        kind, id_, label = ((row[i] if i < len(row) else "").strip() for i in at)
        if kind and id_:
            table.setdefault(kind.lower(), {})[id_] = label or id_
    return Labels(table)


def load_labels(extra_csv: str | Path | None = None) -> Labels:
    """The shipped labels, with ``extra_csv``'s rows (``kind,id,label``) over them."""
    shipped = resources.files("smspartner_analytics").joinpath("data/labels.csv")
    labels = _parse(shipped.read_text(encoding="utf-8"), "labels.csv")
    if extra_csv is None:
        return labels
    path = Path(extra_csv)
    try:
        with path.open("rb") as stream:
            text = read_bounded(stream, f"Labels file {path}").decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, UnicodeDecodeError):
            reason = "it is not UTF-8 text"
        elif isinstance(exc, FileNotFoundError):
            reason = "no such file"
        else:
            reason = (exc.strerror or "unreadable").lower()
        raise InputError(
            f"Cannot read labels file {path} ({reason}): "
            "give a UTF-8 CSV with columns kind,id,label."
        ) from None
    return labels.merged(_parse(text, str(path)))
