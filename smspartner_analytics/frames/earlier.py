"""Tokens shown from an earlier answer: the one count every place that says so uses.

A token is **shown from an earlier answer** when the attempt after the answer its row comes from
failed (a refused key, a wrong base URL, the network down): its row in ``rentals`` or ``errors``
has ``last_attempt_at`` set (``frames.attempts``). ``earlier_answers`` counts such tokens in any
frames (each token is in one of ``rentals`` and ``errors`` only, so the tables add up), with the
kinds of failure, commonest first; ``core.earlier`` says it in words.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from smspartner_analytics.core.earlier import EarlierAnswers, failure_kind

__all__ = ["earlier_answers"]


def earlier_answers(*tables: pd.DataFrame) -> EarlierAnswers:
    """Tokens shown from an earlier answer in ``tables`` (``rentals``, ``errors``, filtered or
    not): rows whose ``last_attempt_at`` is set. A table without that column (``flatten``'s,
    or a CSV written before it existed) counts none."""
    found: list[pd.DataFrame] = []
    for table in tables:
        if "last_attempt_at" not in table.columns or table.empty:
            continue
        rows = table["last_attempt_at"].notna().to_numpy()
        if not rows.any():
            continue
        outcome = _column(table, "last_attempt_outcome", rows)
        reason = _column(table, "last_attempt_reason", rows)
        found.append(pd.DataFrame({"outcome": outcome, "reason": reason}))
    if not found:
        return EarlierAnswers(0)
    pairs = pd.concat(found, ignore_index=True).value_counts(sort=False)
    kinds: dict[str, int] = {}
    for pair, n in pairs.items():  # a few distinct failures, however many rows
        kind = failure_kind(*cast("tuple[str, str]", pair))
        kinds[kind] = kinds.get(kind, 0) + int(n)
    ranked = sorted(kinds.items(), key=lambda item: (-item[1], item[0]))
    return EarlierAnswers(sum(kinds.values()), tuple(ranked))


def _column(table: pd.DataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    """The values of ``name`` on ``rows`` as text, "" when missing (or the column absent)."""
    if name not in table.columns:
        return np.full(int(rows.sum()), "", dtype=object)
    picked = table[name].iloc[np.flatnonzero(rows)]  # only those rows: few, even in big frames
    values: np.ndarray = picked.astype("string").fillna("").to_numpy(dtype=object)
    return values
