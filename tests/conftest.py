"""Shared fixtures. Every test starts with none of our environment variables and in an empty
working directory, so a developer's own ``SMSPARTNER_API_KEY`` or ``.env`` never leaks in."""

from __future__ import annotations

from pathlib import Path

import pytest

OUR_ENV = ("SMSPARTNER_API_KEY", "SMSPARTNER_BASE_URL", "SMSPARTNER_STORE")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in OUR_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(tmp_path)
    return tmp_path
