"""Shared fixtures. Every test starts with none of our environment variables and in an empty
working directory, so a developer's own ``SMSPARTNER_API_KEY`` or ``.env`` never leaks in."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

# CI explores the same examples on every run (a red CI must mean a regression, not a new random
# find); a developer's runs explore new ones and keep failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

if TYPE_CHECKING:
    from smspartner_analytics.simulator.server import SandboxURL

OUR_ENV = ("SMSPARTNER_API_KEY", "SMSPARTNER_BASE_URL", "SMSPARTNER_STORE")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in OUR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def sandbox_url() -> Iterator[SandboxURL]:
    """A fresh sandbox (20 rentals, seed 0, any non-empty key) for one test; ``.server`` on it."""
    from smspartner_analytics.simulator.server import sandbox

    with sandbox(rentals=20, seed=0) as url:
        yield url


@pytest.fixture
def fake_key() -> str:
    """A unique fake API key: search for it in every output to prove it never leaks."""
    return f"KEY-{uuid.uuid4().hex}"
