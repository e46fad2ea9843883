"""``rental_labels``: the vectorised names equal the row-by-row definition, and naming only a
few tokens (what the charts ask) gives those tokens the same names as naming every rental."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from smspartner_analytics.analysis import rental_labels

# few distinct values, " · " inside some and missing ones, so names clash and prefixes collide
_CAMPAIGNS = st.sampled_from(["Soldes", "Noël", "Soldes · 2025-01-15", "", None, "2025-01-15"])
# French dates (day first) name the same day as ISO ones: "01/12/2025" clashes with "2025-12-01"
_DATES = st.sampled_from(
    ["2025-01-15", "2025-01-15T10:00:00", "2025-12-01", "", None, "15/01/2025", "01/12/2025"]
)


def _day(value: str) -> str:
    """A date of ``_DATES`` as its day, ``2025-12-01``."""
    if "/" in value:
        day, month, year = value.split("/")
        return f"{year}-{month}-{day}"
    return value[:10]


def _by_rows(rentals: pd.DataFrame, limit: int = 40) -> dict[str, str]:
    """The definition, one row at a time (what the function did before it was vectorised)."""
    columns = [c for c in ("campaign", "ordered_on") if c in rentals.columns]
    names = []
    for _, row in rentals.iterrows():
        parts = []
        for column in columns:
            value = row[column]
            if pd.isna(value) or not str(value):
                continue
            parts.append(str(value) if column == "campaign" else _day(str(value)))
        names.append(" · ".join(parts))
    counts = pd.Series(names).value_counts()
    out = {}
    for token, name in zip(rentals["token"], names, strict=True):
        if not name or counts[name] > 1:
            name = f"{name} · {token[:8]}…" if name else f"{token[:8]}…"
        out[token] = name if len(name) <= limit else name[: limit - 1] + "…"
    return out


@st.composite
def _rentals(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    data: dict[str, list[object]] = {"token": [f"tok{i:02d}-{'x' * 10}" for i in range(n)]}
    if draw(st.booleans()):
        data["campaign"] = draw(st.lists(_CAMPAIGNS, min_size=n, max_size=n))
    if draw(st.booleans()):
        data["ordered_on"] = draw(st.lists(_DATES, min_size=n, max_size=n))
    return pd.DataFrame(data).astype("string")


@settings(max_examples=200, deadline=None)
@given(rentals=_rentals(), data=st.data())
def test_names_equal_the_row_by_row_definition(rentals: pd.DataFrame, data: st.DataObject) -> None:
    expected = _by_rows(rentals)
    assert rental_labels(rentals) == expected
    tokens = data.draw(st.lists(st.sampled_from(list(rentals["token"])), max_size=5))
    assert rental_labels(rentals, tokens=tokens) == {t: expected[t] for t in tokens}


def test_a_long_name_is_cut_at_the_limit() -> None:
    rentals = pd.DataFrame({"token": ["a" * 20], "campaign": ["x" * 60]}).astype("string")
    assert rental_labels(rentals, limit=12) == {"a" * 20: "x" * 11 + "…"}


def test_no_token_column_names_nothing() -> None:
    assert rental_labels(pd.DataFrame({"campaign": ["Soldes"]})) == {}


def test_a_name_made_of_another_column_still_clashes() -> None:
    # "2025-01-15" is one rental's campaign and another's date without a campaign
    rentals = pd.DataFrame(
        {
            "token": ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"],
            "campaign": ["2025-01-15", None, "Noël"],
            "ordered_on": [None, "2025-01-15", None],
        }
    ).astype("string")
    expected = {"aaaaaaaaaa": "2025-01-15 · aaaaaaaa…", "bbbbbbbbbb": "2025-01-15 · bbbbbbbb…"}
    assert rental_labels(rentals, tokens=["aaaaaaaaaa", "bbbbbbbbbb"]) == expected
    assert rental_labels(rentals, tokens=["aaaaaaaaaa"]) == {"aaaaaaaaaa": expected["aaaaaaaaaa"]}
    assert rental_labels(rentals, tokens=["cccccccccc"]) == {"cccccccccc": "Noël"}


def test_tokens_may_be_an_iterator() -> None:
    rentals = pd.DataFrame({"token": ["aaaaaaaaaa", "bbbbbbbbbb"], "campaign": ["Soldes", "Noël"]})
    named = rental_labels(rentals.astype("string"), tokens=iter(["bbbbbbbbbb"]))
    assert named == {"bbbbbbbbbb": "Noël"}
