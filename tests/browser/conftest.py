"""The served dashboard in a real browser: Debian's chromium driven by Playwright.

One server and one page for the module (start-up costs seconds): ``smspartner-analytics
dashboard --no-browser`` on a free port, on a store filled from a sandbox that accepts only a
unique fake key. The page records every request, response, websocket frame and console error.
A missing browser or Playwright fails the suite: it is never skipped.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from browsers import CHROMIUM, CHROMIUM_ARGS, require_chromium

from smspartner_analytics.client.http import Client
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store

ROOT = Path(__file__).resolve().parents[2]
#: A key no other test uses, so finding it anywhere in the page means it leaked.
FAKE_KEY = f"fake-key-{uuid.uuid4().hex}"
RENTALS = 40
UNKNOWN = "f" * 40
SCREENSHOTS = Path(tempfile.gettempdir()) / "smspartner-browser-screenshots"
_URL = re.compile(r"Dashboard at (http://\S+)")


@dataclass
class Server:
    """The running ``dashboard`` command."""

    process: subprocess.Popen[str]
    url: str
    store: Path
    out_dir: Path
    sandbox: SandboxURL
    output: list[str] = field(default_factory=list)
    key: str = FAKE_KEY
    rentals: int = RENTALS
    screenshots: Path = SCREENSHOTS

    def children(self) -> set[int]:
        """Every process below the server (the pages' kernels)."""
        return children_of(self.process.pid)


@dataclass
class Recorder:
    """What the page did: requests, responses, websocket frames, errors."""

    requests: list[str] = field(default_factory=list)
    responses: list[Any] = field(default_factory=list)
    frames: list[str | bytes] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("response", lambda response: self.responses.append(response))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console error: {msg.text}") if msg.type == "error" else None
            ),
        )
        page.on("websocket", self._websocket)

    def _websocket(self, socket: Any) -> None:
        socket.on("framesent", lambda payload: self.frames.append(payload))
        socket.on("framereceived", lambda payload: self.frames.append(payload))


def start_dashboard(
    store: Path, out_dir: Path, cwd: Path, env: dict[str, str], *options: str
) -> tuple[subprocess.Popen[str], str, list[str]]:
    """Run ``smspartner-analytics dashboard --no-browser --port 0``; wait for its address.

    ``env`` is added to this environment less every ``SMSPARTNER_*`` setting; with a ``BROWSER``
    in it (the command Python's ``webbrowser`` runs), ``--no-browser`` is left out."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    full.update(
        env,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), full.get("PYTHONPATH")])),
        MPLBACKEND="Agg",
    )
    command = [sys.executable, "-m", "smspartner_analytics", "dashboard"]
    if "BROWSER" not in env:  # a test that gives a BROWSER command wants it opened
        command.append("--no-browser")
    command += ["--port", "0", "--store", str(store), "--out", str(out_dir), *options]
    process = subprocess.Popen(
        command, cwd=cwd, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if found := _URL.search(line):
            output.append(process.stdout.readline())  # the line on idle kernels and Ctrl-C
            return process, found.group(1), output
    process.kill()
    process.wait()
    process.stdout.close()
    pytest.fail("the dashboard command printed no address:\n" + "".join(output))


def stop_dashboard(process: subprocess.Popen[str]) -> None:
    """Ctrl-C, then kill if it hangs; close its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


def children_of(root: int) -> set[int]:
    """Every process below ``root`` (the pages' kernels under the server), read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        kids = [child for child, parent in parents.items() if parent == pid]
        found.update(kids)
        todo.extend(kids)
    return found


def fill_store(path: Path, url: SandboxURL, key: str) -> None:
    """The sandbox's rentals and one token it does not know, fetched into a store at ``path``."""
    client = Client(api_key=key, base_url=url, rate=None)
    with Store(path) as store:
        entries = [*url.server.entries, TokenEntry(UNKNOWN, {"campaign": "Unknown"})]
        fetch_statuses(entries, client=client, store=store, progress=False, errors="ignore")
    client.close()


#: True once the page has drawn its charts (the dashboard's first redraw is done).
CHARTS_DRAWN = "document.querySelectorAll('.widget-output img').length >= 3"


def wait_for_charts(page: Any) -> None:
    """Until ``page`` shows the dashboard's charts (a kernel start takes seconds)."""
    page.wait_for_function(CHARTS_DRAWN, timeout=120_000)


def open_page(
    browser: Any, address: str, *, width: int = 1400, height: int = 1400
) -> tuple[Any, Any]:
    """A new browser context and its page on ``address``, charts drawn; close the context."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(address)
    wait_for_charts(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return context, page


@contextmanager
def serving(store: Path, folder: Path, *options: str) -> Iterator[str]:
    """``smspartner-analytics dashboard`` on ``store`` (report into ``folder/out``): its address."""
    process, address, _ = start_dashboard(store, folder / "out", folder, {}, *options)
    try:
        yield address
    finally:
        stop_dashboard(process)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("dashboard")
    with sandbox(rentals=RENTALS, api_key=FAKE_KEY, advance_every=1) as url:
        fill_store(folder / "store.sqlite", url, FAKE_KEY)  # counts kept: they move rentals on
        env = {"SMSPARTNER_API_KEY": FAKE_KEY, "SMSPARTNER_BASE_URL": str(url)}
        process, address, output = start_dashboard(
            folder / "store.sqlite", folder / "report", folder, env
        )
        running = Server(process, address, folder / "store.sqlite", folder / "report", url, output)
        try:
            yield running
        finally:
            stop_dashboard(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def page(browser: Any, server: Server, recorder: Recorder) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 2200}, accept_downloads=True)
    opened = context.new_page()
    recorder.attach(opened)
    opened.goto(server.url)
    wait_for_charts(opened)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield opened
    finally:
        context.close()
