"""The served page and the API key, in headless Chromium, as a new user meets it: no key in the
folder's .env (Refresh off, and the page says in plain words where to put it), then a wrong key
(Refresh says the key from that .env was refused), then the key corrected in .env: the next
click on Refresh works, without reloading the page. Screenshots: ``SCREENSHOTS/key-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smspartner_analytics.simulator.server import SandboxURL, sandbox

from .conftest import SCREENSHOTS, fill_store, open_page, start_dashboard, stop_dashboard

RIGHT = "browser-right-key-7d2e91"
WRONG = "browser-wrong-key-3c8a55"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, SandboxURL]]:
    """The dashboard started in a folder whose .env names the sandbox but holds no key."""
    folder = tmp_path_factory.mktemp("key")
    with sandbox(rentals=30, seed=3, api_key=RIGHT, advance_every=1) as url:
        fill_store(folder / "store.sqlite", url, RIGHT)
        (folder / ".env").write_text(f"SMSPARTNER_BASE_URL={url}\n", encoding="utf-8")
        process, address, _ = start_dashboard(folder / "store.sqlite", folder / "out", folder, {})
        try:
            yield address, folder, url
        finally:
            stop_dashboard(process)


def test_a_new_user_sets_a_wrong_key_then_corrects_it(
    browser: Any, served: tuple[str, Path, SandboxURL]
) -> None:
    address, folder, url = served
    dotenv = folder / ".env"
    context, page = open_page(browser, address)
    try:
        button = page.get_by_role("button", name="Refresh")
        assert button.is_disabled()
        said = (
            f"No API key, so Refresh is off: put SMSPARTNER_API_KEY=... in {dotenv} (beside the "
            "store), then reload the page."
        )
        assert button.get_attribute("title") == said
        assert said in page.inner_text("body")  # seen without hovering
        assert "dashboard(frames" not in page.inner_text("body")
        page.screenshot(path=str(SCREENSHOTS / "key-none.png"))
    finally:
        context.close()

    dotenv.write_text(f"SMSPARTNER_BASE_URL={url}\nSMSPARTNER_API_KEY={WRONG}\n", "utf-8")
    context, page = open_page(browser, address)
    try:
        button = page.get_by_role("button", name="Refresh")
        assert button.is_enabled()
        button.click()
        refused = page.locator(".widget-html", has_text="refused the API key")
        refused.wait_for(timeout=30_000)
        text = refused.inner_text()
        assert f"The API refused the API key from {dotenv}: correct SMSPARTNER_API_KEY=" in text
        assert "then click Refresh again." in text
        page.wait_for_function(
            "!document.querySelector('button[title^=\"Ask the API again\"]').disabled"
        )
        page.screenshot(path=str(SCREENSHOTS / "key-refused.png"))

        dotenv.write_text(f"SMSPARTNER_BASE_URL={url}\nSMSPARTNER_API_KEY={RIGHT}\n", "utf-8")
        asked = url.server.request_count()
        button.click()
        done = page.locator(".widget-html", has_text="rentals asked again")
        done.wait_for(timeout=30_000)
        assert "refused" not in page.inner_text("body")
        assert url.server.request_count() > asked
        page.screenshot(path=str(SCREENSHOTS / "key-corrected.png"))
        body = page.content()
        assert WRONG not in body
        assert RIGHT not in body
    finally:
        context.close()
