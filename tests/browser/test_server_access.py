"""``smspartner-analytics dashboard`` on another host: the token is required and printed once,
the address is opened in the browser, and a page's kernel with no browser connected is shut down
after ``--idle-timeout``."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from smspartner_analytics.simulator.server import sandbox

from .conftest import children_of, fill_store, start_dashboard, stop_dashboard


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # show the redirect itself (to the login page), do not follow it


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, str]:
    """Status and body of a GET, redirects not followed, no proxy."""
    try:
        with _OPENER.open(url, timeout=60) as answer:
            return int(answer.status), answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, str(exc.headers.get("Location", ""))


def test_other_host_needs_the_token_and_idle_kernels_are_culled(tmp_path: Path) -> None:
    with sandbox(rentals=5) as url:
        fill_store(tmp_path / "store.sqlite", url, "any-key")
    everywhere = "0.0.0.0"  # noqa: S104 - the point: another host than loopback needs the token
    options = ("--host", everywhere, "--idle-timeout", "2")
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"  # what the command opens, written down instead of shown
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    process, address, output = start_dashboard(
        tmp_path / "store.sqlite", tmp_path / "out", tmp_path, {"BROWSER": str(browser)}, *options
    )
    try:
        token = address.split("?token=", 1)[1]
        assert len(token) >= 24
        assert "".join(output).count(token) == 1  # printed once, in the address
        assert "after 2 s" in "".join(output)
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert opened.read_text(encoding="utf-8") == address  # opened without --no-browser
        port = urlsplit(address).port
        local = f"http://127.0.0.1:{port}/"
        assert _get(local) == (302, "/login?next=%2F")  # no token: the login page, no kernel
        status, where = _get(f"{local}?token=wrong")
        assert status in (302, 403), where
        assert children_of(process.pid) == set()
        status, page = _get(f"{local}?token={token}")
        assert status == 200
        assert "jupyter-config-data" in page  # the rendered page, its kernel started
        kernels = children_of(process.pid)
        assert kernels, "the page should have started a kernel"
        deadline = time.monotonic() + 30
        while children_of(process.pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert children_of(process.pid) == set(), "the idle kernel was not shut down"
    finally:
        stop_dashboard(process)
    assert process.returncode == 130
