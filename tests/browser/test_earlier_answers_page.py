"""The dashboard page when some rentals are shown from an earlier answer (their latest attempt
was refused), in headless Chromium: the summary line counts them with the words of every other
place, the table marks their rows with a *Latest attempt* note, and neither overflows nor
overlaps what is around it, at two page widths. Screenshots: ``SCREENSHOTS/earlier-answer-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import fetch_then_refuse

from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.frames.earlier import earlier_answers
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.simulator.server import sandbox

from .conftest import SCREENSHOTS, UNKNOWN, open_page, start_dashboard, stop_dashboard

KEY = "browser-earlier-key-4e1b7c"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The dashboard on a store whose first rentals' refresh was refused: its address and how
    many rentals are shown from an earlier answer."""
    folder = tmp_path_factory.mktemp("earlier")
    store = folder / "store.sqlite"
    with sandbox(rentals=30, seed=6, api_key=KEY) as url:
        entries = [*url.server.entries, TokenEntry(UNKNOWN, {"campaign": "Unknown"})]
        kept = fetch_then_refuse(url, store, KEY, entries)
    frames = load_frames(store)
    earlier = earlier_answers(frames.rentals, frames.errors)
    assert earlier.count == len(kept)
    process, address, _ = start_dashboard(store, folder / "report", folder, {})
    try:
        yield address, earlier.count
    finally:
        stop_dashboard(process)


@pytest.mark.parametrize("width", [1400, 1024])
def test_the_page_counts_and_marks_rentals_shown_from_an_earlier_answer(
    browser: Any, served: tuple[str, int], width: int
) -> None:
    address, kept = served
    context, page = open_page(browser, address, width=width, height=1600)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"earlier-answer-{width}-top.png"))
        summary = page.locator(".widget-html", has_text="rentals · spend").first
        line = f"{kept} shown from an earlier answer (latest attempt failed: refused key)"
        assert line in summary.inner_text()
        assert "fetch again" in (page.locator("span.sa-earlier").get_attribute("title") or "")
        table = page.locator("table.sa-table")
        headers = table.locator("th").all_inner_texts()
        assert "Latest attempt" in headers
        marked = table.locator("tr.sa-earlier")
        assert marked.count() == kept
        notes = marked.locator("td.sa-attempt").all_inner_texts()
        assert all(n.startswith("failed ") and n.endswith(" UTC: refused key") for n in notes)

        # nothing overflows its box or runs into the next one
        for box in (summary, page.locator(".widget-html", has=table)):
            sizes = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert sizes[0] <= sizes[1] + 1, f"overflows by {sizes[0] - sizes[1]}px"
        cell = marked.first.locator("td.sa-attempt")
        note = cell.bounding_box()
        assert note is not None
        assert note["x"] + note["width"] <= width  # beside the status: seen without scrolling
        text = cell.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert text[0] <= text[1], "the note is cut"
        if width < 1400:  # the whole table does not fit: its box scrolls sideways instead
            scroll = page.locator(".sa-scroll").evaluate("e => [e.scrollWidth, e.clientWidth]")
            assert scroll[0] > scroll[1]
        rows = [marked.nth(i).bounding_box() for i in range(kept)]
        assert all(r is not None and r["height"] < 40 for r in rows)  # one line each
        summary_box = summary.bounding_box()
        filters = page.locator("select").first.bounding_box()
        assert summary_box is not None
        assert summary_box["height"] < 60  # two lines at most
        table.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"earlier-answer-{width}-table.png"))
        assert filters is not None
        assert summary_box["y"] + summary_box["height"] <= filters["y"]
    finally:
        context.close()
