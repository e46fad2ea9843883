"""Running the notebooks in tests: with papermill in a kernel, or cell by cell in this process
(where a cell's last expression is shown as Jupyter shows it: its ``repr``, printed).

``CHART_CHECK`` is a cell appended to every run: it draws every open pyplot figure and fails when
two tick labels of one axis overlap, or a tick label sticks out of its figure; it also prints the
dashboard's ``repr`` (how many rentals it shows) when the notebook built one.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))

CHART_CHECK = """
import matplotlib.pyplot as _plt

def _chart_problems():
    problems = []
    for number in _plt.get_fignums():
        figure = _plt.figure(number)
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        frame = figure.bbox.padded(1.0)
        for ax in figure.axes:
            title = ax.get_title().splitlines()[0] if ax.get_title() else "untitled"
            for index, axis in enumerate((ax.xaxis, ax.yaxis)):
                low, high = sorted(axis.get_view_interval())
                slack = (high - low) * 1e-9
                labels = [  # the labels drawn: visible, with text, within the axis' range
                    t
                    for t in axis.get_ticklabels()
                    if t.get_visible()
                    and t.get_text()
                    and low - slack <= t.get_position()[index] <= high + slack
                ]
                boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
                for (a, box_a), (b, box_b) in zip(boxes, boxes[1:]):
                    if box_a.overlaps(box_b):
                        problems.append(f"{title}: tick labels {a!r} and {b!r} overlap")
                for text, box in boxes:
                    if not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)):
                        problems.append(f"{title}: tick label {text!r} is cut by the figure edge")
    return problems

if "board" in globals():  # the dashboard notebook: what its summary says is shown
    print(repr(board))
_problems = _chart_problems()
print(f"charts checked: {len(_plt.get_fignums())}")
assert not _problems, "; ".join(_problems)
_plt.close("all")
"""


def code_cells(path: Path) -> list[str]:
    """The source of every code cell of a notebook, in order."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@contextmanager
def working_dir(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_in_process(path: Path, cwd: Path, parameters: Mapping[str, Any]) -> str:
    """Execute a notebook's code cells here (parameters set after the parameters cell, as papermill
    does), then the chart check; return what the cells printed."""
    import contextlib
    import io

    cells = code_cells(path)
    injected = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    sources = [cells[0], injected, *cells[1:], CHART_CHECK]
    namespace: dict[str, Any] = {"__name__": "__main__"}
    printed = io.StringIO()
    with working_dir(cwd), contextlib.redirect_stdout(printed):
        for number, source in enumerate(sources):
            _run_cell(source, f"{path.name}[{number}]", namespace)
        workspace = namespace.get("ws")
        if workspace is not None:
            workspace.close()
    return printed.getvalue()


def _run_cell(source: str, name: str, namespace: dict[str, Any]) -> None:
    """Run one cell as Jupyter does: its last expression's ``repr`` is shown (printed here),
    unless the cell ends with ``;``."""
    tree = ast.parse(source, name)
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or source.rstrip().endswith(";"):
        exec(compile(tree, name, "exec"), namespace)  # noqa: S102 - the notebook's own cells
        return
    tree.body.pop()
    exec(compile(tree, name, "exec"), namespace)  # noqa: S102
    value = eval(compile(ast.Expression(last.value), name, "eval"), namespace)  # noqa: S307
    if value is not None:
        print(repr(value))


def outputs_text(notebook: Mapping[str, Any]) -> str:
    """Every text output of an executed notebook (streams, results, errors), joined."""
    parts: list[str] = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append(_joined(output["text"]))
            data = output.get("data")
            if isinstance(data, Mapping):
                for kind in ("text/plain", "text/html"):
                    if kind in data:
                        parts.append(_joined(data[kind]))
            if output.get("output_type") == "error":
                parts.append(f"{output.get('ename')}: {output.get('evalue')}")
    return "\n".join(parts)


def _joined(value: object) -> str:
    return "".join(value) if isinstance(value, list) else str(value)
