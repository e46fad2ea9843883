"""``smspartner-analytics dashboard --locale fr`` in headless Chromium: the summary, the table and
the charts read money and numbers the French way (``13 336,10 €``). Screenshot:
``SCREENSHOTS/locale-fr.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from smspartner_analytics.simulator.server import sandbox

from .conftest import SCREENSHOTS, fill_store, open_page, serving

KEY = "browser-locale-key-5a17c0"
#: French money: digits grouped by a narrow no-break space, a decimal comma, then " €".
FRENCH_MONEY = re.compile(r"\d{1,3}(?:\u202f\d{3})*,\d{2}\u00a0€")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("locale")
    with sandbox(rentals=40, seed=4, api_key=KEY) as url:
        fill_store(folder / "store.sqlite", url, KEY)
    with serving(folder / "store.sqlite", folder, "--locale", "fr") as address:
        yield address


def test_the_french_page_shows_french_numbers(browser: Any, served: str) -> None:
    context, page = open_page(browser, served)
    try:
        page.screenshot(path=str(SCREENSHOTS / "locale-fr.png"))
        summary = page.locator(".widget-html", has_text="rentals · spend").first.inner_text()
        spend = FRENCH_MONEY.search(summary)
        assert spend is not None, summary
        assert "\u202f" in spend.group()  # thousands grouped: more than €1,000 spent
        table = page.locator("table.sa-table").inner_text()
        assert FRENCH_MONEY.search(table)
        assert not re.search(r"€\d", table + summary)  # no English money anywhere
    finally:
        context.close()
