"""The dashboard on a French team's store: tokens exported from Excel (BOM, ``;``, CRLF, a
``Date de commande`` column in ``dd/mm/yyyy``, amounts like ``1000,00``), fetched by the CLI.
The order date is a from/to date filter (not a list of texts sorted by day, nor gone past 50
values), it keeps the rentals of the days chosen, and the table shows those days."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from smspartner_analytics.cli import main
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store
from smspartner_analytics.widgets import dashboard
from smspartner_analytics.widgets.table import table_html

KEY = "dates-key-51c0e2"
COLUMN = "Date de commande"
FIRST = dt.date(2025, 9, 1)


def _ordered(i: int) -> dt.date:
    """Rental i's order day: every 4 days from 1 September 2025 (60 rentals: to May 2026)."""
    return FIRST + dt.timedelta(days=4 * i)


@pytest.fixture(scope="module")
def french_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Frames, list[str]]:
    folder = tmp_path_factory.mktemp("french")
    with sandbox(rentals=60, seed=11) as url:
        tokens = list(url.server.tokens)
        lines = [f"token;campagne;{COLUMN};Montant"]
        for i, token in enumerate(tokens):
            amount = "1000,00" if i % 2 else "250,50"
            lines.append(f"{token};Soldes;{_ordered(i):%d/%m/%Y};{amount}")
        path = folder / "jetons.csv"
        path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8") + b"\r\n")
        mp = pytest.MonkeyPatch()
        mp.setenv("SMSPARTNER_API_KEY", KEY)
        try:
            store_path = str(folder / "store.sqlite")
            args = ["fetch", str(path), "--store", store_path, "--base-url", url, "--rate", "0"]
            assert main([*args, "--quiet"]) == 0
        finally:
            mp.undo()
    with Store(folder / "store.sqlite") as store:
        frames = load_frames(store)
    return frames, tokens


def test_the_french_date_column_is_a_from_to_filter(
    french_store: tuple[Frames, list[str]],
) -> None:
    frames, tokens = french_store
    assert frames.rentals[COLUMN].nunique() == 60  # more than a list of options may hold
    board = dashboard(frames)
    start, end = board.filters[COLUMN].children
    assert type(start).__name__ == type(end).__name__ == "DatePicker"
    amounts = [value for _label, value in board.filters["Montant"].options]
    assert amounts == ["250,50", "1000,00"]  # a short list of amounts, by value (not as text)

    board.set_filter(COLUMN, (dt.date(2025, 12, 1), dt.date(2025, 12, 31)))
    kept = set(board.filtered().rentals["token"])
    december = {t for i, t in enumerate(tokens) if _ordered(i).month == 12}
    assert kept == december
    assert len(december) == 8

    board.set_filter(COLUMN, (None, "2025-09-09"))  # 1, 5 and 9 September: three rentals
    assert set(board.filtered().rentals["token"]) == set(tokens[:3])
    board.set_filter(COLUMN, ("01/12/2025", "31/12/2025"))  # typed the French way: day first
    assert set(board.filtered().rentals["token"]) == december
    with pytest.raises(ValueError, match="31/12/2025"):
        board.set_filter(COLUMN, ("demain", None))


def test_the_table_shows_the_day_that_was_written(
    french_store: tuple[Frames, list[str]],
) -> None:
    frames, tokens = french_store
    rentals = frames.rentals.set_index("token").loc[tokens[:4]].reset_index()
    # 1, 5, 9 and 13 September: the first three alone would not prove the order of a column
    shown = table_html(rentals, 4, locale="en", orders={COLUMN: "day-first"})
    assert all(f"{_ordered(i).day} Sep 2025" in shown for i in range(4))
    assert "05/09/2025" in table_html(rentals, 4, locale="fr")
    assert "9 May 2025" not in shown


def test_the_table_shows_a_value_that_is_no_date_as_written() -> None:
    rentals = pd.DataFrame(
        {"token": ["a", "b", "c"], COLUMN: ["11/12/2025 14:30", "demain", None]}, dtype="string"
    )
    shown = table_html(rentals, 3, locale="fr")
    assert "11/12/2025 14:30" in shown  # its time too
    assert '<td class="">demain</td>' in shown
