"""Where the browser tests find Debian's Chromium, and what happens when it is missing.

CI (``CI`` set, as ``.ci/run`` runs) must run every browser test: a missing Chromium or
Playwright fails there. On a developer's or user's machine without Chromium, the README's test
command still works: those tests are skipped with the one-line install hint.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Debian's package (``apt-get install -y chromium``); Playwright never downloads a browser here.
CHROMIUM = Path(os.environ.get("SMSPARTNER_CHROMIUM", "/usr/bin/chromium"))
#: Headless in a container as root, with no request to the network of its own.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def _missing(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI runs every browser test)")
    pytest.skip(f"{message}; CI runs these tests")


def require_chromium() -> Path:
    """The Chromium executable with Playwright importable; fail under CI, skip elsewhere."""
    if not CHROMIUM.is_file() or shutil.which(str(CHROMIUM)) is None:
        _missing(
            f"No browser at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium) "
            "or set SMSPARTNER_CHROMIUM to a Chromium executable"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _missing("Playwright is missing: pip install -e '.[dev,dashboard]'")
    return CHROMIUM
