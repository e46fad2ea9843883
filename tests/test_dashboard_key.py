"""The dashboard on a workspace after the API refused the key: a Refresh resolves the key again
(argument > environment > .env), so a key corrected in .env works at the next click; the
messages say where the key came from and what to do, in plain words on the served page. A real
sandbox that accepts one key only; the key is never shown."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import smspartner_analytics as sa
from smspartner_analytics.client.http import Client
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store
from smspartner_analytics.widgets.keys import REFRESH_TOOLTIP

RIGHT = "right-dashboard-key-31a"
WRONG = "wrong-dashboard-key-9f0"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxURL]:
    """A folder with a store filled from a sandbox that accepts only ``RIGHT``; no key set."""
    for name in ("SMSPARTNER_API_KEY", "SMSPARTNER_STORE", "SMSPARTNER_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    with sandbox(rentals=30, api_key=RIGHT, advance_every=1) as url:
        good = Client(api_key=RIGHT, base_url=url, rate=None)
        with good, Store(tmp_path / "smspartner.sqlite") as store:
            fetch_statuses(url.server.entries, client=good, store=store, progress=False)
        yield url


def _shown(board: object) -> str:
    return str(board.message.value)  # type: ignore[attr-defined]


def test_a_key_corrected_in_dotenv_works_at_the_next_refresh(
    tmp_path: Path, project: SandboxURL
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SMSPARTNER_API_KEY={WRONG}\n", encoding="utf-8")
    with sa.open_workspace(base_url=str(project)) as workspace:
        board = sa.dashboard(workspace.frames(), workspace=workspace, served=True)
        live = board.refresh_tokens()
        assert live
        board.refresh_button.click()
        first = _shown(board)
        assert f"error: The API refused the API key from {dotenv}: correct " in first
        assert "then click Refresh again." in first
        assert WRONG not in first
        board.refresh_button.click()  # nothing corrected yet: refused again, said again
        assert "refused the API key" in _shown(board)
        dotenv.write_text(f"SMSPARTNER_API_KEY={RIGHT}\n", encoding="utf-8")
        board.refresh_button.click()
        shown = _shown(board)
        assert "error" not in shown
        assert f"{len(live)} rentals asked again" in shown
        assert board.client is workspace.client  # the workspace's client is the new one
        assert RIGHT not in shown


def test_a_wrong_key_in_the_environment_on_the_served_page_says_to_restart(
    tmp_path: Path, project: SandboxURL, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"SMSPARTNER_API_KEY={RIGHT}\n", encoding="utf-8")
    monkeypatch.setenv("SMSPARTNER_API_KEY", WRONG)
    with sa.open_workspace(base_url=str(project)) as workspace:
        board = sa.dashboard(workspace.frames(), workspace=workspace, served=True)
        board.refresh_button.click()
        shown = _shown(board)
        assert (
            "The API refused the API key from the environment variable SMSPARTNER_API_KEY "
            f"(it overrides {dotenv}): correct the environment variable SMSPARTNER_API_KEY (or "
            f"unset it to use {dotenv}), then restart `smspartner-analytics dashboard` (Ctrl-C, "
            "run it again) and reload the page."
        ) in shown
        assert WRONG not in shown
        assert RIGHT not in shown
        # in a notebook the environment can change: unset, the next Refresh uses .env
        notebook = sa.dashboard(workspace.frames(), workspace=workspace)
        notebook.refresh_button.click()
        assert "then click Refresh again." in _shown(notebook)
        monkeypatch.delenv("SMSPARTNER_API_KEY")
        notebook.refresh_button.click()
        assert "rentals asked again" in _shown(notebook)
        assert "error" not in _shown(notebook)


def test_a_key_given_as_an_argument_cannot_change_so_the_message_says_so(
    project: SandboxURL,
) -> None:
    with sa.open_workspace(api_key=WRONG, base_url=str(project)) as workspace:
        page = sa.dashboard(workspace.frames(), workspace=workspace, served=True)
        page.refresh_button.click()
        assert "given as api_key=: pass the right value as api_key=, then reload the page." in (
            _shown(page)
        )
        notebook = sa.dashboard(workspace.frames(), workspace=workspace)
        notebook.refresh_button.click()
        assert "then open the workspace and the dashboard again." in _shown(notebook)
        notebook.refresh_button.click()  # resolving it again gives the same argument: no change
        assert "refused the API key given as api_key=" in _shown(notebook)


def test_refresh_off_without_a_key_says_where_to_put_it_on_the_served_page(
    tmp_path: Path, project: SandboxURL
) -> None:
    (tmp_path / ".env").write_text("SMSPARTNER_BASE_URL=http://127.0.0.1:9/v1\n", "utf-8")
    with sa.open_workspace() as workspace:
        assert workspace.client is None  # no key: the store read as it is
        page = sa.dashboard(workspace.frames(), workspace=workspace, served=True)
        expected = (
            f"No API key, so Refresh is off: put SMSPARTNER_API_KEY=... in {tmp_path / '.env'} "
            "(beside the store), then reload the page."
        )
        assert page.refresh_button.disabled
        assert page.refresh_button.tooltip == expected
        assert expected in _shown(page)  # seen without hovering
        assert "dashboard(frames" not in _shown(page)
        notebook = sa.dashboard(workspace.frames(), workspace=workspace)
        assert notebook.refresh_button.tooltip == REFRESH_TOOLTIP  # Python words in a notebook
        assert _shown(notebook) == ""


def test_refresh_off_without_a_dotenv_names_the_folder(tmp_path: Path, project: SandboxURL) -> None:
    with sa.open_workspace() as workspace:
        page = sa.dashboard(workspace.frames(), workspace=workspace, served=True)
        assert f"put SMSPARTNER_API_KEY=... in a .env file in {tmp_path} " in (
            page.refresh_button.tooltip
        )
