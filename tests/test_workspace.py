"""open_workspace: the store and client as the CLI finds them, the sandbox only without either."""

from __future__ import annotations

from pathlib import Path

import pytest

import smspartner_analytics as sa
from smspartner_analytics.core.schema import TERMINAL_STATUSES
from smspartner_analytics.simulator.server import SandboxURL, sandbox


def _fill(url: SandboxURL, path: Path, tokens: list[str]) -> None:
    with sa.Client(api_key="k", base_url=url, rate=None) as client:
        sa.fetch_statuses(tokens, client=client, store=path, progress=False, errors="ignore")


def test_no_key_no_store_runs_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with sa.open_workspace() as ws:
        assert ws.is_sandbox
        assert ws.client is not None
        assert ws.base_url is not None
        assert ws.base_url.startswith("http://127.0.0.1:")
        assert len(ws.frames().rentals) == 300
        assert len(ws.frames().errors) == 2  # the tokens the sandbox does not know
        temporary = ws.store_path
        assert temporary.is_file()
        assert tmp_path not in temporary.parents  # a temporary folder, not the working one
        assert "built-in sandbox" in ws.describe()
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1
    assert "running against the built-in sandbox" in out
    assert not temporary.parent.exists()
    assert ws.closed
    ws.close()  # idempotent
    with pytest.raises(sa.StoreError):
        ws.frames()


def test_dotenv_in_a_parent_folder_gives_the_users_store_and_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_key: str
) -> None:
    """The notebooks' case: Jupyter in notebooks/, .env and store at the project root."""
    with sandbox(rentals=30, api_key=fake_key) as url:
        tokens = url.server.tokens[:12]
        _fill_with_key(url, tmp_path / "smspartner.sqlite", tokens, fake_key)
        (tmp_path / ".env").write_text(
            f'export SMSPARTNER_API_KEY="{fake_key}"  # my key\nSMSPARTNER_BASE_URL={url}\n',
            encoding="utf-8",
        )
        (tmp_path / "notebooks").mkdir()
        monkeypatch.chdir(tmp_path / "notebooks")
        url.server.reset_counts()
        with sa.open_workspace() as ws:
            assert not ws.is_sandbox
            assert ws.client is not None
            assert ws.store_path == tmp_path / "smspartner.sqlite"
            assert ws.base_url == str(url)
            assert list(ws.frames().rentals["token"]) == tokens
            line = ws.describe()
            assert "12 tokens" in line
            assert fake_key not in line + repr(ws)
            assert url.server.request_count() == 0  # opening asks nothing
            live = [t for t in tokens if _status(ws, t) not in TERMINAL_STATUSES]
            assert 0 < len(live) < len(tokens)
            result = ws.refresh(progress=False)
            assert result.asked == len(live)
            assert {t for t in tokens if url.server.request_count(t)} == set(live)
        assert not (tmp_path / "notebooks" / "smspartner.sqlite").exists()


def _fill_with_key(url: SandboxURL, path: Path, tokens: list[str], key: str) -> None:
    with sa.Client(api_key=key, base_url=url, rate=None) as client:
        sa.fetch_statuses(tokens, client=client, store=path, progress=False, errors="ignore")


def _status(ws: sa.Workspace, token: str) -> str:
    rentals = ws.frames().rentals
    return str(rentals.loc[rentals["token"] == token, "status"].iloc[0])


def test_no_key_and_a_store_reads_the_store(
    tmp_path: Path, sandbox_url: SandboxURL, capsys: pytest.CaptureFixture[str]
) -> None:
    _fill(sandbox_url, tmp_path / "smspartner.sqlite", sandbox_url.server.tokens[:5])
    sandbox_url.server.reset_counts()
    with sa.open_workspace() as ws:
        assert not ws.is_sandbox
        assert ws.client is None
        assert len(ws.frames().rentals) == 5
        assert "no API key" in ws.describe()
        assert ws.store.read_only  # nothing to write without a key
        with pytest.raises(sa.ConfigurationError, match="SMSPARTNER_API_KEY"):
            ws.refresh()
    assert sandbox_url.server.request_count() == 0
    assert capsys.readouterr().out == ""


def test_no_key_and_a_missing_store_that_was_asked_for(tmp_path: Path) -> None:
    with pytest.raises(sa.StoreError, match="No store at"):
        sa.open_workspace(tmp_path / "typo.sqlite")
    assert not (tmp_path / "typo.sqlite").exists()


def test_arguments_beat_the_dotenv(
    tmp_path: Path, sandbox_url: SandboxURL, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "my.env").write_text(
        f"SMSPARTNER_API_KEY=from-file\nSMSPARTNER_BASE_URL={sandbox_url}\n"
        "SMSPARTNER_STORE=data/rentals.sqlite\n",
        encoding="utf-8",
    )
    with sa.open_workspace(env_file=elsewhere / "my.env") as ws:
        assert ws.store_path == elsewhere / "data" / "rentals.sqlite"  # beside that .env
        assert ws.base_url == str(sandbox_url)
        assert ws.client is not None
    with sa.open_workspace("mine.sqlite", api_key="arg", base_url=sandbox_url) as ws:
        assert ws.store_path == Path("mine.sqlite")
        assert ws.refresh(progress=False).total == 0  # an empty new store: nothing to ask
    assert sandbox_url.server.request_count() == 0
    with pytest.raises(sa.ConfigurationError, match=r"No \.env file"):
        sa.open_workspace(env_file=tmp_path / "missing.env")
    assert capsys.readouterr().out == ""


def test_a_refused_key_stops_refresh_in_one_line(tmp_path: Path, fake_key: str) -> None:
    with sandbox(rentals=5, api_key="right") as url:
        _fill_with_key(url, tmp_path / "s.sqlite", url.server.tokens, "right")
        with sa.open_workspace(tmp_path / "s.sqlite", api_key=fake_key, base_url=url) as ws:
            with pytest.raises(sa.AuthenticationError, match="refused") as info:
                ws.refresh(progress=False)
            assert fake_key not in str(info.value)
            history = ws.store.history_records()
            assert sum(r.outcome == "ok" for r in history) == 5  # nothing saved was lost
