"""The notebooks run top to bottom on the sandbox, and are committed without outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120


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
def test_notebook_uses_only_the_public_api(path: Path) -> None:
    source = "\n".join(
        "".join(c["source"]) for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
    )
    assert "smspartner_analytics." not in source
    assert "import smspartner_analytics as sa" in source


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_sandbox(path: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    env["MPLBACKEND"] = "Agg"
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=env)
    first = _text(notebook.cells[2]["outputs"])  # the setup cell, after title and parameters
    assert "running against the built-in sandbox" in first
    assert "Traceback" not in "\n".join(_text(c.get("outputs", [])) for c in notebook.cells)
    assert not list(tmp_path.glob("*.sqlite")), "the store belongs in a temporary folder"


def _text(outputs: list[dict[str, object]]) -> str:
    parts: list[str] = []
    for output in outputs:
        if "text" in output:
            parts.append(str(output["text"]))
        data = output.get("data")
        if isinstance(data, dict) and "text/plain" in data:
            parts.append(str(data["text/plain"]))
    return "\n".join(parts)
