"""The dashboard's formats, messages, downloads and errors, and the ``dashboard`` command's checks
(no browser: tests/browser/ drives the served page)."""

from __future__ import annotations

import base64
import io
import re
import socket
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from test_widgets import make_frames

from smspartner_analytics.cli import main
from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.widgets.actions import download_links, refresh_message
from smspartner_analytics.widgets.page import error_page
from smspartner_analytics.widgets.table import format_date, summary_html, table_html


def test_table_shows_euros_empty_cells_and_localised_dates() -> None:
    rentals = make_frames().rentals
    rentals.loc[1, "cost_total"] = pd.NA
    rentals["quantity"] = pd.array([1200, None, 30, 40], dtype="Int64")
    text = table_html(rentals, rows=10)
    assert "<NA>" not in text
    assert "nan" not in text.lower().split(">")
    assert "€0.90" in text
    assert "1,200" in text
    assert "10 Jan 2025" in text  # ordered_on, a metadata column of ISO dates
    assert "CSP+" in text
    assert ">999<" in text
    row = re.findall(r"<tr>(.*?)</tr>", text)[2]  # t2 (after the header): no cost, no quantity
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[4:6] == ["", ""]
    french = table_html(rentals, rows=10, locale="fr")
    assert "0,90\u00a0€" in french
    assert "10/01/2025" in french
    assert "1\u202f200" in french


def test_format_date_and_summary_counts() -> None:
    assert format_date(None) == ""
    assert format_date(pd.Timestamp("2025-08-01 14:05", tz="UTC"), time=True) == (
        "1 Aug 2025 14:05"
    )
    rentals = make_frames().rentals
    line = summary_html(rentals, 10, 1)
    assert "<b>4</b> of 10 rentals" in line
    assert "€8.40" in line
    assert "1 processing, 1 ready, 1 failed, 1 downloaded" in line
    assert "1 token without data" in line
    assert "no answers in the store yet" not in line
    empty = summary_html(rentals.iloc[0:0], 0, 0)
    assert "<b>0</b> of 0 rentals" in empty
    assert "no answers in the store yet: run <code>smspartner-analytics fetch" in empty


def test_refresh_message_says_what_changed() -> None:
    before = {"a": "processing", "b": "processing", "c": "requested", "d": "ready"}
    after = {"a": "ready", "b": "processing", "c": "processing", "d": "ready"}
    line = refresh_message(["a", "b", "c"], before, after, failed=1)
    assert line == (
        "3 rentals asked again, 1 now ready, 1 moved to another status; "
        "1 got no answer (refresh again later)."
    )
    assert refresh_message([], {}, {}) == "0 rentals asked again, 0 now ready."


def test_download_links_carry_the_files_and_a_zip(tmp_path: Path) -> None:
    files = [tmp_path / "rentals.csv", tmp_path / "chart.png"]
    files[0].write_text("token\nt1\n", encoding="utf-8")
    files[1].write_bytes(b"\x89PNG fake")
    links = dict(
        re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', download_links(files))
    )
    assert base64.b64decode(links["rentals.csv"]) == b"token\nt1\n"
    assert base64.b64decode(links["chart.png"]) == b"\x89PNG fake"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(links["smspartner-report.zip"]))) as bundle:
        assert sorted(bundle.namelist()) == ["chart.png", "rentals.csv"]
    assert download_links([]) == ""


def test_error_page_is_one_redacted_line(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "secret-key-0123456789"
    monkeypatch.setenv("SMSPARTNER_API_KEY", secret)
    shown = error_page(StoreError(f"The store is locked\n(another program, key {secret})."))
    html = shown._repr_html_()
    assert "error: The store is locked (another program, key ***)." in html
    assert secret not in html
    assert "\n" not in repr(shown)


def test_refresh_with_a_refused_key_says_so_on_the_page(tmp_path: Path) -> None:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.fetch import fetch_statuses
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store
    from smspartner_analytics.widgets import dashboard

    with sandbox(rentals=10, api_key="the-right-key-123") as url:
        good = Client(api_key="the-right-key-123", base_url=url, rate=None)
        with Store(tmp_path / "s.sqlite") as store:
            fetch_statuses(url.server.tokens, client=good, store=store, progress=False)
            wrong = Client(api_key="a-wrong-key-4567890", base_url=url, rate=None)
            board = dashboard(load_frames(store), store=store, client=wrong)
            board.refresh_button.click()
            assert board.message.value.count("error: The API refused") == 1
            assert "\n" not in board.message.value
            assert "a-wrong-key-4567890" not in (board.message.value)
            assert not board.refresh_button.disabled


def test_refresh_against_a_wrong_base_url_says_so_on_the_page(tmp_path: Path) -> None:
    """A fetch that stops early (nothing listening at the base URL) is one line on the page."""
    import socket

    from smspartner_analytics.client.http import Client
    from smspartner_analytics.fetch import fetch_statuses
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store
    from smspartner_analytics.widgets import dashboard

    with socket.socket() as probe:  # a loopback port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with sandbox(rentals=12) as url, Store(tmp_path / "s.sqlite") as store:
        client = Client(api_key="k-123456", base_url=url, rate=None)
        fetch_statuses(url.server.tokens, client=client, store=store, progress=False)
        frames = load_frames(store)
        elsewhere = Client(api_key="k-123456", base_url=f"http://127.0.0.1:{closed_port}/v1")
        board = dashboard(frames, store=store, client=elsewhere)
        assert board.refresh_tokens(), "the sandbox should leave some rentals to refresh"
        board.refresh_button.click()
        assert board.message.value.count("error: Stopped early") == 1
        assert f"127.0.0.1:{closed_port}" in board.message.value
        assert "\n" not in board.message.value
        assert not board.refresh_button.disabled


def test_dashboard_on_a_sandbox_workspace_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import smspartner_analytics as sa

    monkeypatch.delenv("SMSPARTNER_API_KEY", raising=False)
    monkeypatch.chdir(Path(__file__).parent)  # no .env and no store here
    with sa.open_workspace(quiet=True) as workspace:
        assert workspace.is_sandbox
        board = sa.dashboard(workspace.frames(), workspace=workspace)
        assert "Sandbox: generated rentals" in board.banner.value
        assert not board.refresh_button.disabled


def test_dashboard_command_without_voila_gives_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "voila.app", None)
    assert main(["dashboard", "--no-browser", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: The dashboard page needs Voilà: pip install "
        "'smspartner-analytics[dashboard]', then run the command again."
    )


def test_dashboard_command_on_a_busy_port_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("voila")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: Port {port} is already in use on 127.0.0.1: choose another "
        "with --port (0 picks a free one)."
    )


def test_dashboard_help_names_the_extra_and_the_idle_timeout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # argparse wraps at the terminal's width
    with pytest.raises(SystemExit):
        main(["dashboard", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "smspartner-analytics[dashboard]" in out
    assert "shut down after 600 s" in out
    assert "127.0.0.1" in out


def _run_page_notebook() -> dict[str, object]:
    """Run the code of the notebook the ``dashboard`` command serves; return its names."""
    import json

    from smspartner_analytics.widgets.page import NOTEBOOK

    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    assert [c["cell_type"] for c in cells] == ["code"]
    assert not cells[0]["outputs"]
    namespace: dict[str, object] = {}
    exec(compile("".join(cells[0]["source"]), str(NOTEBOOK), "exec"), namespace)  # noqa: S102
    return namespace


def test_page_notebook_runs_on_the_sandbox_without_key_or_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from smspartner_analytics.widgets import Dashboard

    monkeypatch.delenv("SMSPARTNER_API_KEY", raising=False)
    monkeypatch.delenv("SMSPARTNER_STORE", raising=False)
    monkeypatch.chdir(tmp_path)  # restored after the notebook moves to the command's folder
    monkeypatch.setenv("SMSPARTNER_DASHBOARD_CWD", str(tmp_path))
    monkeypatch.delenv("SMSPARTNER_DASHBOARD_STORE", raising=False)
    names = _run_page_notebook()
    workspace = names["workspace"]
    try:
        page = names["page"]
        assert isinstance(page, Dashboard)
        assert "Sandbox: generated rentals" in page.banner.value
        assert "of 300 rentals" in page.summary.value
    finally:
        workspace.close()  # type: ignore[attr-defined]


def test_page_notebook_shows_a_bad_store_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "not-a-store.sqlite"
    bad.write_bytes(b"this is not SQLite" * 100)
    monkeypatch.delenv("SMSPARTNER_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SMSPARTNER_DASHBOARD_CWD", str(tmp_path))
    monkeypatch.setenv("SMSPARTNER_DASHBOARD_STORE", str(bad))
    page = _run_page_notebook()["page"]
    line = page._repr_html_()  # type: ignore[attr-defined]
    assert f"error: {bad} is not a smspartner-analytics store" in line
    assert "StoreError" not in line
    assert "\n" not in repr(page)


def test_french_dashboard_draws_its_charts_in_french() -> None:
    from smspartner_analytics.widgets import dashboard

    french = dashboard(make_frames(), locale="fr")
    labels = [t.get_text() for t in french.axes["spend"].texts]
    assert labels[0] == "4,90\u00a0€ · 2 rentals"
    english = dashboard(make_frames())
    assert english.axes["spend"].texts[0].get_text() == "€4.90 · 2 rentals"


def test_dashboard_help_offers_the_locales(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit):
        main(["dashboard", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--locale {en,fr}" in out
    with pytest.raises(SystemExit):
        main(["dashboard", "--locale", "de"])
    assert "invalid choice: 'de'" in capsys.readouterr().err
