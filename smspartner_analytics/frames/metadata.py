"""The tokens' metadata as extra ``rentals`` columns, joined by token position (the cached read).

``flattening.join_metadata`` takes a mapping token -> metadata; a store of a million tokens makes
that a million dicts and string look-ups. Here the store's metadata texts are factorized (tokens
share a few texts: a campaign, a client), each distinct text is parsed once, and every rentals row
takes its values through its token's position. Same columns, order and values as
``join_metadata`` (the frames cache test compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from smspartner_analytics.core.schema import RENTAL_COLUMNS
from smspartner_analytics.frames.dtypes import TEXT

__all__ = ["join_metadata_by_position"]

_EMPTY_TEXT: Final = "{}"


def join_metadata_by_position(
    rentals: pd.DataFrame,
    positions: np.ndarray,
    where: np.ndarray,
    texts: pa.Array,
    tokens: Callable[[], list[str]],
) -> pd.DataFrame:
    """``rentals`` (whose tokens sit at ``positions``) with each metadata key as a text column.

    ``where`` and ``texts``: every token's position and metadata text, in position order;
    ``tokens()`` lists the tokens in the same order (only called to name a token whose metadata
    is not an object).
    """
    from smspartner_analytics.store.db import parse_metadata

    if not len(where):
        return rentals
    encoded = pc.dictionary_encode(texts)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    uniques = encoded.dictionary.to_pylist()
    parsed: list[dict[str, str]] = []
    for i, text in enumerate(uniques):
        if text == _EMPTY_TEXT:
            parsed.append({})
            continue
        try:
            parsed.append(parse_metadata("", str(text)))
        except Exception:  # name the first token holding it, as Store.token_metadata does
            first = int(np.flatnonzero(codes == i)[0])
            parse_metadata(tokens()[first], str(text))
            raise
    names = list(dict.fromkeys(key for meta in parsed for key in meta))
    if not names:
        return rentals
    lookup = np.full(int(where.max()) + 1, len(parsed), dtype=np.int64)
    lookup[where] = codes
    inside = positions <= where.max()
    rows_code = np.full(len(positions), len(parsed), dtype=np.int64)
    rows_code[inside] = lookup[positions[inside]]
    out = rentals.copy()
    for name in names:
        target = f"meta_{name}" if name in RENTAL_COLUMNS else name
        values = [_meta_text(meta.get(name)) for meta in parsed] + [None]
        out[target] = pd.array(values, dtype=TEXT).take(rows_code)
    return out


def _meta_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)
