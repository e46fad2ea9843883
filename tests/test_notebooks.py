"""The notebooks: one parameters cell and one ``open_workspace`` call, the user's own store read
without asking the API, and any honest data (no metadata, no date, one status, no success, an
empty store) run top to bottom. Committed without outputs.

Three situations run in a Jupyter kernel through papermill, each passing a parameter: the sandbox
default, a user-like project (``.env`` at its root, store filled by the ``fetch`` CLI, Jupyter
started in ``notebooks/``) and an empty store. The odd-data variants run the same cells in this
process (no kernel start: cheap), with warnings as errors like every test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from helpers import fetch_then_refuse
from notebook_tools import CHART_CHECK, NOTEBOOKS, code_cells, outputs_text, run_in_process

import smspartner_analytics as sa
from smspartner_analytics.simulator.data import generate_rentals
from smspartner_analytics.simulator.server import SandboxURL, sandbox

CELL_TIMEOUT = 120
#: Notebooks run two at a time (CI has two cores; a kernel spends much of its time starting).
PARALLEL = 2
USER_CAMPAIGNS = ("Printemps-Lyon", "Relance-Nantes")


# --- what the committed notebooks look like ---------------------------------------------------


def test_the_four_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01-quickstart.ipynb",
        "02-volume.ipynb",
        "03-spend.ipynb",
        "04-dashboard.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_committed_without_outputs(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_starts_with_parameters_then_one_workspace(path: Path) -> None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    first, setup = code[0], "".join(code[1]["source"])
    assert first["metadata"].get("tags") == ["parameters"]
    assert len("".join(first["source"]).splitlines()) <= 5, "keep the parameters cell short"
    assert "open_workspace(STORE)" in setup
    assert len(setup.splitlines()) <= 10, "the setup is one call, not a copied block"
    source = "\n".join(code_cells(path))
    assert source.count("open_workspace(") == 1
    assert "smspartner_analytics." not in source  # the public API only
    assert "import smspartner_analytics as sa" in source
    for hand_made in ("TemporaryDirectory", "sa.sandbox(", "sa.Client(", "os.environ"):
        assert hand_made not in source, f"{path.name} builds its own {hand_made}"


def test_dashboard_notebook_shows_it_once_unfiltered_and_keeps_it_open() -> None:
    (path,) = [p for p in NOTEBOOKS if p.stem == "04-dashboard"]
    source = "\n".join(code_cells(path))
    assert source.count("sa.dashboard(") == 1
    assert "set_filter" not in source
    assert ".close()" not in source  # the buttons act through the workspace: it stays open
    assert ".refresh()" not in source


# --- in a kernel, through papermill -----------------------------------------------------------


def _papermill(cwd: Path, out_dir: Path, parameters: Mapping[str, Any]) -> dict[str, str]:
    """Run every notebook (with the chart check appended) in a kernel; return their outputs.

    Two at a time: a kernel spends much of its run starting up and importing, so two overlap
    well on two cores. Each kernel starts in ``cwd`` without this process changing folder (a
    process-wide chdir raced between the threads, and a kernel could miss the project's .env).
    Each thread closes the event loop Jupyter's client opened in it."""
    papermill = pytest.importorskip("papermill")
    nbformat = pytest.importorskip("nbformat")
    out_dir.mkdir(parents=True, exist_ok=True)

    def run(path: Path) -> tuple[str, str]:
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(CHART_CHECK))
        checked = out_dir / f"in-{path.name}"
        nbformat.write(notebook, checked)
        try:
            executed = papermill.execute_notebook(
                str(checked),
                str(out_dir / path.name),
                parameters=dict(parameters),
                kernel_name="python3",
                # the kernel's own working folder, as Jupyter starts it; papermill's cwd= would
                # chdir this whole process, which races between the two threads
                resources={"metadata": {"path": str(cwd)}},
                progress_bar=False,
                execution_timeout=CELL_TIMEOUT,
            )
        finally:
            _close_thread_loop()
        return path.stem, outputs_text(executed)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(pool.map(run, NOTEBOOKS))


def _close_thread_loop() -> None:
    """Close the asyncio loop jupyter_core's run_sync left in this worker thread."""
    import asyncio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # no running loop: policy's own
        loop = asyncio.get_event_loop_policy().get_event_loop()
    if not loop.is_running():
        loop.close()


def _env() -> dict[str, str]:
    """This process's environment (our variables already cleared by conftest), with the package
    importable from this checkout."""
    return {**os.environ, "PYTHONPATH": str(Path(sa.__file__).resolve().parents[1])}


def _all_shown(text: str, total: int) -> bool:
    """The dashboard shows every rental: "Dashboard(300 of 300 rentals shown)"."""
    return f"Dashboard({total:,} of {total:,} rentals shown)" in text


def _assert_clean(outputs: Mapping[str, str]) -> None:
    for stem, text in outputs.items():
        assert "Traceback" not in text, f"{stem}:\n{text[-2000:]}"
        assert "Error:" not in text, f"{stem}:\n{text[-2000:]}"
        assert "charts checked:" in text, stem


@pytest.mark.slow
def test_notebooks_on_the_sandbox_by_default(tmp_path: Path) -> None:
    """No key and no store: the sandbox, in a temporary store; FETCH=True refreshes it."""
    cwd = tmp_path / "work"
    cwd.mkdir()
    outputs = _papermill(cwd, tmp_path / "out", {"FETCH": True})
    _assert_clean(outputs)
    for stem, text in outputs.items():
        assert "running against the built-in sandbox" in text, stem
        assert re.search(r"\d+ tokens: \d+ asked, \d+ skipped as final", text), stem  # FETCH
    assert "charts checked: 0" not in outputs["02-volume"]
    assert _all_shown(outputs["04-dashboard"], 300)  # nothing filtered before the user acts
    assert not list(cwd.rglob("*.sqlite")), "the sandbox's store belongs in a temporary folder"


@pytest.fixture
def user_project(tmp_path: Path, fake_key: str) -> Any:
    """A project as the README sets it up: .env at the root with the key and the base URL of a
    sandbox (only that key accepted), a store filled by the fetch CLI from a tokens file that has
    campaigns but no date column, and Jupyter started in notebooks/."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    with sandbox(rentals=40, seed=7, api_key=fake_key) as url:
        tokens = url.server.tokens[:24]
        rows = [f"{t},{USER_CAMPAIGNS[i % 2]}" for i, t in enumerate(tokens)]
        (root / "tokens.csv").write_text("token,campaign\n" + "\n".join(rows) + "\n")
        (root / ".env").write_text(
            f'SMSPARTNER_API_KEY="{fake_key}"  # the user\'s key\nSMSPARTNER_BASE_URL={url}\n',
            encoding="utf-8",
        )
        done = subprocess.run(
            [sys.executable, "-m", "smspartner_analytics", "fetch", "tokens.csv", "--rate", "0"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=_env(),
        )
        assert done.returncode == 0, done.stderr
        assert (root / "smspartner.sqlite").is_file()
        url.server.reset_counts()
        yield root, url, tokens


@pytest.mark.slow
def test_notebooks_read_the_users_store_and_ask_nothing(
    user_project: tuple[Path, SandboxURL, list[str]], tmp_path: Path, fake_key: str
) -> None:
    root, url, tokens = user_project
    outputs = _papermill(root / "notebooks", tmp_path / "out", {"FETCH": False})
    assert url.server.request_count() == 0, "the notebooks asked the API: they must read the store"
    _assert_clean(outputs)
    everything = "\n".join(outputs.values())
    assert "built-in sandbox" not in everything
    assert fake_key not in everything
    for stem, text in outputs.items():
        assert f"Store {root / 'smspartner.sqlite'}: 24 tokens" in text, stem
        assert f"API at {url}" in text, stem
    assert any(token in everything for token in tokens)
    assert any(name in everything for name in USER_CAMPAIGNS)
    sandbox_tokens = {r.token for r in generate_rentals(300, 0)}
    assert not [t for t in sandbox_tokens if t in everything], "sandbox data leaked in"
    assert "No spend per month:" in outputs["03-spend"]  # no date column: said in one line
    assert "charts checked: 0" not in outputs["03-spend"]
    assert _all_shown(outputs["04-dashboard"], 24)
    assert not (root / "notebooks" / "smspartner.sqlite").exists()


@pytest.mark.slow
def test_notebooks_on_an_empty_store(tmp_path: Path) -> None:
    """STORE passed as a parameter (the store is not where the notebooks would look)."""
    store = tmp_path / "elsewhere" / "empty.sqlite"
    sa.Store(store).close()
    cwd = tmp_path / "work"
    cwd.mkdir()
    outputs = _papermill(cwd, tmp_path / "out", {"STORE": str(store)})
    _assert_clean(outputs)
    for stem, text in outputs.items():
        assert f"Store {store}: 0 tokens" in text, stem
        assert "built-in sandbox" not in text, stem
    assert "No rental with data in this store yet" in outputs["01-quickstart"]
    assert "No spend per month:" in outputs["03-spend"]


# --- odd but honest data, cell by cell in this process ------------------------------------------


def _fill(url: SandboxURL, store: Path, tokens_file: Path) -> None:
    with sa.Client(api_key="k", base_url=url, rate=None) as client:
        sa.fetch_statuses(tokens_file, client=client, store=store, progress=False, errors="ignore")


@pytest.fixture(scope="module")
def odd_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Stores of data that lacks something: no metadata with every rental in one status, and no
    successful answer at all."""
    folder = tmp_path_factory.mktemp("odd")
    with sandbox(rentals=60, seed=3) as url:
        ready = [r.token for r in url.server.rentals if r.status_code == 2]
        assert len(ready) >= 3
        (folder / "ready.txt").write_text("\n".join(ready) + "\n", encoding="utf-8")
        _fill(url, folder / "one-status.sqlite", folder / "ready.txt")
        unknown = ["0" * 40, "1" * 40, "2" * 40]
        (folder / "unknown.txt").write_text("\n".join(unknown) + "\n", encoding="utf-8")
        _fill(url, folder / "no-success.sqlite", folder / "unknown.txt")
    with sandbox(rentals=20, seed=4, api_key="k") as url:  # the latest attempt was refused
        kept = fetch_then_refuse(url, folder / "refused.sqlite", "k", url.server.tokens)
    (folder / "refused.txt").write_text(str(len(kept)), encoding="utf-8")
    return {
        "one-status": folder / "one-status.sqlite",
        "no-success": folder / "no-success.sqlite",
        "earlier-answer": folder / "refused.sqlite",
    }


@pytest.mark.parametrize("kind", ["one-status", "no-success", "earlier-answer"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_run_on_odd_data(
    path: Path, kind: str, odd_stores: dict[str, Path], tmp_path: Path
) -> None:
    store = odd_stores[kind]
    printed = run_in_process(path, tmp_path, {"STORE": str(store), "FETCH": False})
    assert f"Store {store}:" in printed
    assert "built-in sandbox" not in printed
    if path.stem == "03-spend":
        assert "No campaign column in the tokens file" in printed  # .txt: no metadata
        assert "No spend per month:" in printed
    if path.stem == "01-quickstart" and kind == "no-success":
        assert "No rental with data in this store yet" in printed
    if kind == "earlier-answer" and path.stem != "04-dashboard":  # the frames' line says it
        kept = (store.parent / "refused.txt").read_text(encoding="utf-8")
        phrase = f"; {kept} shown from an earlier answer (latest attempt failed: refused key))"
        assert phrase in printed


def test_the_chart_check_fails_on_overlapping_and_cut_labels() -> None:
    """The check itself can fail: long crowded tick labels, and one pushed off the figure."""
    import matplotlib.pyplot as plt

    plt.close("all")
    _fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar([f"a long category name {i}" for i in range(8)], range(8))
    with pytest.raises(AssertionError, match="overlap"):
        exec(CHART_CHECK, {})  # noqa: S102 - our own check
    plt.close("all")
    _fig, ax = plt.subplots(figsize=(3, 2))
    ax.barh(["a label far too long to fit in a figure this narrow, cut at the edge"], [1])
    with pytest.raises(AssertionError, match="cut by the figure edge"):
        exec(CHART_CHECK, {})  # noqa: S102
    plt.close("all")


def test_quickstart_fetches_a_tokens_file_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_key: str
) -> None:
    """With a key: FETCH=False asks nothing; FETCH=True with TOKENS_FILE asks for those tokens
    into the user's store (not a temporary one)."""
    (path,) = [p for p in NOTEBOOKS if p.stem == "01-quickstart"]
    store = tmp_path / "mine.sqlite"
    with sandbox(rentals=10, seed=5, api_key=fake_key) as url:
        monkeypatch.setenv("SMSPARTNER_API_KEY", fake_key)
        monkeypatch.setenv("SMSPARTNER_BASE_URL", url)
        url.server.write_tokens_csv(tmp_path / "tokens.csv")
        params = {"STORE": str(store), "TOKENS_FILE": str(tmp_path / "tokens.csv")}
        printed = run_in_process(path, tmp_path, {**params, "FETCH": False})
        assert url.server.request_count() == 0
        assert "Reading the store as it is" in printed
        printed = run_in_process(path, tmp_path, {**params, "FETCH": True})
        assert url.server.request_count() == 10
    assert "10 tokens: 10 asked" in printed
    assert fake_key not in printed
    with sa.Store(store) as opened:
        assert len(opened.latest_records()) == 10
