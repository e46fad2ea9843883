"""The ``last_attempt_*`` columns: a failed attempt after the answer a token is shown from.

A token's rows come from its latest answer from the API (``core.schema.is_answer``). When the
attempts since then failed (a refused key, a wrong base URL, the network down), the row keeps that
answer and says so: ``last_attempt_at``, ``last_attempt_outcome`` and ``last_attempt_reason`` are
those of the token's latest attempt; they are missing when the row *is* the latest attempt. The
flattening from scratch finds the rows by token (``rows_by_token``), the frames cache by token
position (``shown_ids``, ``failed_attempts``, ``rows_by_position``: vectorised over the cached
Arrow tables); both build the columns here (``attempt_columns``), which keeps them equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smspartner_analytics.core.schema import ANSWER_OUTCOMES
from smspartner_analytics.frames.dtypes import ATTEMPT_DTYPES, OUTCOME_DTYPE, TEXT, TIMESTAMP

__all__ = [
    "Attempts",
    "LastAttempts",
    "attempt_columns",
    "failed_attempts",
    "rows_by_position",
    "rows_by_token",
    "shown_ids",
]

_ANSWERS: Final = pa.array(sorted(ANSWER_OUTCOMES), type=pa.string())


@dataclass(frozen=True)
class LastAttempts:
    """``k`` failed attempts (when, outcome, reason), one per token shown from an earlier answer;
    row ``i`` of a frame takes failure ``which[i]``, or none when it is ``-1``."""

    at: Any  # TIMESTAMP array of k
    outcome: Sequence[str]
    reason: Any  # TEXT array of k

    def __len__(self) -> int:
        return len(self.outcome)


@dataclass(frozen=True)
class Attempts:
    """The failures and, for the rentals and errors rows, which one each row takes (-1: none)."""

    last: LastAttempts
    rental_rows: np.ndarray
    error_rows: np.ndarray


def attempt_columns(last: LastAttempts | None, which: np.ndarray | None, n: int) -> dict[str, Any]:
    """The three columns for ``n`` rows, typed as ``dtypes.ATTEMPT_DTYPES``."""
    k = 0 if last is None else len(last)
    if last is None or not k or which is None:
        pick = np.zeros(n, dtype=np.int64)
        at: list[Any] = [pd.NaT]
        outcome: list[str | None] = [None]
        reason: list[Any] = [None]
    else:  # a missing value appended at index k: rows without a failure take it
        pick = np.where(which >= 0, which, k)
        at = [*last.at, pd.NaT]
        outcome = [*last.outcome, None]
        reason = [*last.reason, None]
    columns = (
        pd.array(at, dtype=TIMESTAMP),
        pd.Categorical(outcome, dtype=OUTCOME_DTYPE),
        pd.array(reason, dtype=TEXT),
    )
    return {name: values.take(pick) for name, values in zip(ATTEMPT_DTYPES, columns, strict=True)}


def rows_by_token(tokens: Sequence[object], failing: Mapping[str, int]) -> np.ndarray:
    """For each row's token, its failure's index in ``failing`` (token -> index), else -1."""
    if not failing:
        return np.full(len(tokens), -1, dtype=np.int64)
    get = failing.get
    found = (get(t, -1) if isinstance(t, str) else -1 for t in tokens)
    return np.fromiter(found, dtype=np.int64, count=len(tokens))


def rows_by_position(positions: np.ndarray, failing: np.ndarray) -> np.ndarray:
    """For each row's token position, the index of its failure (``failing``: the failing
    positions, one per failure, in failure order), else -1."""
    if not len(failing) or not len(positions):
        return np.full(len(positions), -1, dtype=np.int64)
    top = int(max(positions.max(), failing.max())) + 1
    lookup = np.full(top, -1, dtype=np.int64)
    lookup[failing] = np.arange(len(failing), dtype=np.int64)
    rows: np.ndarray = lookup[positions]
    return rows


def shown_ids(history: pa.Table, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per token position (-1: no answer): the answer id shown (its latest answer from the API,
    ``core.schema.is_answer``, else its latest attempt) and its latest attempt's id. ``order``
    sorts the history by (position, id)."""
    spos = history.column("position").to_numpy()[order]
    sid = history.column("answer_id").to_numpy()[order]
    last = np.full(int(spos[-1]) + 1 if len(spos) else 0, -1, dtype=np.int64)
    ends = _group_ends(spos)
    last[spos[ends]] = sid[ends]
    answered = pc.is_in(history.column("outcome"), value_set=_ANSWERS)
    if pc.all(answered).as_py() is not False:  # no failed attempt stored: the usual case
        return last, last
    shown = last.copy()
    answered_sorted = answered.to_numpy(zero_copy_only=False)[order]
    apos, aid = spos[answered_sorted], sid[answered_sorted]
    ends = _group_ends(apos)
    shown[apos[ends]] = aid[ends]
    return shown, last


def _group_ends(values: np.ndarray) -> np.ndarray:
    """The last row of each run of equal sorted ``values``, as a mask."""
    ends = np.ones(len(values), dtype=bool)
    ends[:-1] = values[1:] != values[:-1]
    return ends


def failed_attempts(
    errors: pa.Table, history: pa.Table, shown: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, LastAttempts]:
    """The failed latest attempts after the answers shown (``shown_ids``): their token positions
    and their when, outcome and reason (from their ``errors`` row and their history row; the
    tables' rows are tagged ``answer_id``)."""
    failing = np.flatnonzero(last != shown)
    if not len(failing):
        return failing, LastAttempts(pd.array([], dtype=TIMESTAMP), [], [])
    ids = last[failing]
    is_failure = np.zeros(int(max(last.max(initial=0), _top(errors), _top(history))) + 1, bool)
    is_failure[ids] = True
    erows = np.flatnonzero(is_failure[errors.column("answer_id").to_numpy()])
    hrows = np.flatnonzero(is_failure[history.column("answer_id").to_numpy()])
    # put both in the order of ``ids`` (one errors row and one history row per failed attempt)
    erows = erows[_align(errors.column("answer_id").to_numpy()[erows], ids)]
    hrows = hrows[_align(history.column("answer_id").to_numpy()[hrows], ids)]
    found = errors.take(pa.array(erows))
    outcomes = history.column("outcome").take(pa.array(hrows)).to_pylist()
    at = pd.DatetimeIndex(found.column("fetched_at").to_pandas()).astype(TIMESTAMP).array
    reason = found.column("reason").to_pylist()
    return failing, LastAttempts(at, outcomes, reason)


def _align(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Indices that put ``values`` (a permutation of ``wanted``) in the order of ``wanted``."""
    return np.argsort(values, kind="stable")[np.argsort(np.argsort(wanted, kind="stable"))]


def _top(table: pa.Table) -> int:
    """The largest ``answer_id`` of a table (0 when empty)."""
    ids = table.column("answer_id").to_numpy()
    return int(ids.max()) if len(ids) else 0
