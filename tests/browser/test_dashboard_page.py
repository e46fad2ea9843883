"""``smspartner-analytics dashboard`` in headless Chromium: what a manager sees and clicks.

The tests share one server and one page and run in file order (render, filter, refresh, report,
then what leaked, then stopping the server). Screenshots go to ``SCREENSHOTS``.
"""

from __future__ import annotations

import re
import signal
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from browsers import require_chromium

from smspartner_analytics.store.db import Store

# ``server`` is a ``conftest.Server``, ``recorder`` a ``conftest.Recorder``.


def _state(page: Any) -> dict[str, Any]:
    """What a filter change must change: summary, the four charts' images, the table."""
    images = page.locator(".widget-output img")
    return {
        "summary": page.locator(".widget-html", has_text="rentals · spend").first.inner_text(),
        "charts": [images.nth(i).get_attribute("src") for i in range(images.count())],
        "table": page.locator("table.sa-table").inner_text(),
    }


def _wait_for_redraw(page: Any, table: str) -> None:
    """Until the table changes: a redraw sets the summary, the charts, then the table."""
    page.wait_for_function(
        "old => document.querySelector('table.sa-table').innerText !== old",
        arg=table,
        timeout=30_000,
    )


def _select(page: Any, option: str) -> None:
    page.locator(f"select:has(option:text-is('{option}'))").select_option(label=option)


def test_widgets_render_with_four_charts(page: Any, server: Any) -> None:
    rentals = server.rentals
    body = page.inner_text("body")
    for widget in ("VBox(", "HBox(", "HTML(value", "Output(", "Dashboard("):
        assert widget not in body, f"a widget is shown as text: {widget}"
    assert page.locator(".widget-output img").count() == 4
    for i in range(4):
        box = page.locator(".widget-output img").nth(i).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 150
    assert f"of {rentals} rentals" in body
    assert "Sandbox" not in body  # a key and a store: the user's data, no sandbox banner
    assert "<NA>" not in body
    assert "nan" not in body.split()
    assert "€" in page.locator("table.sa-table").inner_text()
    page.screenshot(path=str(server.screenshots / "landing.png"), full_page=True)


def test_status_then_category_filter_changes_summary_charts_and_table(
    page: Any, server: Any
) -> None:
    before = _state(page)
    _select(page, "ready")
    _wait_for_redraw(page, before["table"])
    by_status = _state(page)
    assert by_status["summary"] != before["summary"]
    assert by_status["table"] != before["table"]
    for old, new in zip(before["charts"], by_status["charts"], strict=True):
        assert old != new, "a chart was not redrawn"
    assert "processing" not in by_status["table"]

    category = page.locator("select:has(option[value*='10'])").first
    options = category.locator("option").all_inner_texts()
    category.select_option(label=options[0])
    _wait_for_redraw(page, by_status["table"])
    both = _state(page)
    assert both["summary"] != by_status["summary"]
    assert both["table"] != by_status["table"]
    for old, new in zip(by_status["charts"], both["charts"], strict=True):
        assert old != new, "a chart was not redrawn for the category"
    page.screenshot(path=str(server.screenshots / "filtered.png"), full_page=True)


def test_refresh_asks_exactly_the_non_final_tokens_and_says_so(page: Any, server: Any) -> None:
    with Store(server.store) as store:
        pending = set(store.pending_tokens(store.tokens()))
    assert 0 < len(pending) < server.rentals
    sandbox = server.sandbox.server  # advance_every=1: each rental asked again moves on one step
    before = {t: sandbox.request_count(t) for t in sandbox.tokens}
    total_before = sandbox.request_count()
    table_before = _state(page)["table"]
    page.get_by_role("button", name="Refresh").click()
    message = page.locator(".widget-html", has_text="rentals asked again")
    message.wait_for(timeout=30_000)
    asked = {t: sandbox.request_count(t) - n for t, n in before.items()}
    assert {t for t, n in asked.items() if n} == pending
    assert all(asked[t] == 1 for t in pending)
    assert sandbox.request_count() - total_before == len(pending)
    text = message.inner_text()
    assert f"{len(pending)} rentals asked again" in text
    found = re.search(r"(\d+) now ready(?:, (\d+) moved to another status)?", text)
    assert found is not None, text
    assert int(found.group(1)) + int(found.group(2) or 0) == len(pending)  # every one moved on
    assert int(found.group(1)) > 0
    assert _state(page)["table"] != table_before  # the filtered ready rentals are others now


def test_write_report_offers_the_files_for_download(page: Any, server: Any) -> None:
    page.get_by_role("button", name="Write report").click()
    links = page.locator(".sa-downloads a[download]")
    links.first.wait_for(timeout=30_000)
    names = links.evaluate_all("links => links.map(a => a.getAttribute('download'))")
    on_disk = {p.name for p in server.out_dir.iterdir()}
    assert set(names) - {"smspartner-report.zip"} == on_disk
    with page.expect_download() as download:
        page.locator("a[download='smspartner-report.zip']").click()
    saved = Path(download.value.path())
    with zipfile.ZipFile(saved) as bundle:
        assert set(bundle.namelist()) == on_disk
    csv_name = next(n for n in names if n.endswith(".csv") and "rental" in n)
    with page.expect_download() as download:
        page.locator(f"a[download='{csv_name}']").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text == (server.out_dir / csv_name).read_text(encoding="utf-8-sig")
    assert "ready" in text
    page.screenshot(path=str(server.screenshots / "refreshed-and-report.png"))


def test_no_page_errors_no_key_and_no_outside_request(
    page: Any, server: Any, recorder: Any
) -> None:
    assert recorder.errors == []
    outside = [u for u in recorder.requests if not u.startswith(("data:", "blob:"))]
    outside = [u for u in outside if urlsplit(u).hostname not in {"127.0.0.1", "localhost"}]
    assert outside == []
    assert server.key not in page.content()
    key = server.key.encode()
    assert recorder.frames, "no websocket frame was recorded"
    for frame in recorder.frames:
        assert key not in (frame if isinstance(frame, bytes) else frame.encode())
    bodies = 0
    for response in recorder.responses:
        if 300 <= response.status < 400:
            continue
        body = response.body()
        bodies += 1
        assert key not in body, f"the key is in {response.url}"
    assert bodies > 5


def test_ctrl_c_exits_130_and_leaves_no_process(server: Any) -> None:
    require_chromium()  # the kernel below was started by the earlier tests' page
    children = server.children()
    assert children, "the page's kernel should be running under the server"
    server.process.send_signal(signal.SIGINT)
    code = server.process.wait(timeout=30)
    assert server.process.stdout is not None
    rest = server.process.stdout.read()
    assert code == 130, "".join(server.output) + rest
    assert "Traceback" not in rest
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == []
