"""Closing the dashboard's tab shuts its kernel down at once, through Voilà's own shutdown request.

Voilà's page posts ``voila/api/shutdown/<kernel>`` on ``beforeunload`` with the ``_xsrf`` cookie's
value; the server refuses a POST without it. The idle cull (600 s here) cannot be what stops the
kernel within the wait below.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smspartner_analytics.simulator.server import sandbox

from .conftest import (
    children_of,
    fill_store,
    open_page,
    start_dashboard,
    stop_dashboard,
    wait_for_charts,
)

#: Generous: the kernel goes in about a second; only a broken shutdown waits this long.
WAIT_FOR_SHUTDOWN = 60.0


@pytest.fixture
def dashboard(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    with sandbox(rentals=8) as url:
        fill_store(tmp_path / "store.sqlite", url, "any-key-123")
    process, address, _ = start_dashboard(
        tmp_path / "store.sqlite", tmp_path / "out", tmp_path, {}, "--idle-timeout", "600"
    )
    try:
        yield process, address
    finally:
        stop_dashboard(process)


def _kernels_after_wait(process: Any, want_none: bool) -> set[int]:
    """The server's kernel processes, polled until there are none (or some) or the wait ends."""
    deadline = time.monotonic() + WAIT_FOR_SHUTDOWN
    while True:
        kernels = children_of(process.pid)
        if (not kernels) == want_none or time.monotonic() > deadline:
            return kernels
        time.sleep(0.25)


def test_closing_the_tab_shuts_its_kernel_down(browser: Any, dashboard: tuple[Any, str]) -> None:
    process, address = dashboard
    context, page = open_page(browser, address)
    try:
        assert "_xsrf=" in page.evaluate("document.cookie"), "the page carries no _xsrf cookie"
        assert len(children_of(process.pid)) == 1, "the page should have its own kernel"
        page.close(run_before_unload=True)  # as a user closing the tab: beforeunload runs
        assert _kernels_after_wait(process, want_none=True) == set(), (
            "the closed tab's kernel is still running"
        )
        again = context.new_page()  # the server goes on serving: a new tab, a new kernel
        again.goto(address)
        wait_for_charts(again)
        assert len(children_of(process.pid)) == 1
    finally:
        context.close()
    assert process.poll() is None, "closing tabs must not stop the server"
