"""``smspartner-analytics dashboard --locale fr`` on tokens dated the French way (``Date de
commande``: ``11/12/2025``) in headless Chromium: the column is a from/to pair of date pickers,
picking December keeps December's rentals, and the table shows the days as written. Screenshot:
``SCREENSHOTS/french-dates.png``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from smspartner_analytics.client.http import Client
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import sandbox
from smspartner_analytics.store.db import Store

from .conftest import SCREENSHOTS, open_page, serving

KEY = "browser-dates-key-8e21b4"
COLUMN = "Date de commande"


def _ordered(i: int) -> dt.date:
    """Rental i's order day: every 4 days from 1 September 2025 (60 rentals: to May 2026)."""
    return dt.date(2025, 9, 1) + dt.timedelta(days=4 * i)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dates")
    with sandbox(rentals=60, seed=5, api_key=KEY) as url:
        entries = [
            TokenEntry(t, {"campagne": "Soldes", COLUMN: f"{_ordered(i):%d/%m/%Y}"})
            for i, t in enumerate(url.server.tokens)
        ]
        client = Client(api_key=KEY, base_url=url, rate=None)
        with Store(folder / "store.sqlite") as store:
            fetch_statuses(entries, client=client, store=store, progress=False, errors="ignore")
        client.close()
    with serving(folder / "store.sqlite", folder, "--locale", "fr") as address:
        yield address


def test_french_order_dates_are_a_date_filter(browser: Any, served: str) -> None:
    context, page = open_page(browser, served)
    try:
        start = page.locator(".widget-datepicker", has_text=f"{COLUMN}, from").locator("input")
        end = page.locator(".widget-datepicker", has_text=f"{COLUMN}, to").locator("input")
        assert start.count() == end.count() == 1
        start.fill("2025-12-01")
        end.fill("2025-12-31")
        end.dispatch_event("change")
        december = [_ordered(i) for i in range(60) if _ordered(i).month == 12]
        summary = page.locator(".widget-html", has_text="rentals · spend").first
        summary.filter(has_text=f"{len(december)} of 60 rentals").wait_for(timeout=60_000)
        caption = f"of {len(december)} rentals shown by the filters"  # the table, drawn after
        page.get_by_text(caption).wait_for(timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "french-dates.png"), full_page=True)
        # every filter is a list showing its options, even one with a single option
        sizes = page.locator("select[multiple]").evaluate_all("els => els.map(e => e.size)")
        assert sizes
        assert min(sizes) >= 2, sizes
        table = page.locator("table.sa-table").inner_text()
        shown = [f"{d:%d/%m/%Y}" for d in december]
        assert all(day in table for day in shown[:5]), table
        assert "/11/2025" not in table
        assert "/01/2026" not in table
    finally:
        context.close()
