"""The layers of docs/architecture.md hold. The package's folders are the layers: a module imports
only from its own layer or below, every import inside the package is absolute (so the check reads
it without guessing), and matplotlib.pyplot / ipywidgets are imported only in the top layer, and
only inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smspartner_analytics"

#: top-level package or module -> layer (docs/architecture.md draws the same tree)
LAYERS: dict[str, int] = {
    "core": 0,
    "client": 1,
    "simulator": 1,
    "store": 2,
    "frames": 2,
    "fetch": 3,
    "analysis": 3,
    "leadtimes": 3,
    "watching": 3,
    "workspace": 3,
    **dict.fromkeys(
        [
            "plots",
            "plotkit",
            "volume_plots",
            "leadtime_plots",
            "report",
            "widgets",
            "demo",
            "cli",
            "__main__",
        ],
        4,
    ),
}
TOP_ONLY = ("matplotlib.pyplot", "ipywidgets")
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py")


def _unit(path: Path) -> str:
    """The layer unit of a source file: its folder under the package, or its own module name."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """(imported module, relative level, at module level?) for every import in the file."""
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if base == "smspartner_analytics":  # from smspartner_analytics import plots
                found.extend(
                    (f"{base}.{a.name}", 0, id(node) in top_level)
                    for a in node.names
                    if not a.name.startswith("__")  # __version__ lives in the package root
                )
            else:
                found.append((base, node.level, id(node) in top_level))
        elif isinstance(node, ast.Import):
            found.extend((a.name, 0, id(node) in top_level) for a in node.names)
    return found


def _target_unit(module: str) -> str | None:
    if module == "smspartner_analytics" or not module.startswith("smspartner_analytics."):
        return None
    return module.split(".")[1]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path: Path) -> None:
    own = _unit(path)
    assert own in LAYERS, f"{own} has no layer: add it to LAYERS (and docs/architecture.md)"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for module, level, top_level in _imports(tree):
        assert level == 0, f"{path.name}: relative import of {module!r}; use the absolute path"
        target = _target_unit(module)
        if target is not None:
            assert target in LAYERS, f"{own} imports {module}, which has no layer"
            assert LAYERS[target] <= LAYERS[own], f"{own} (layer {LAYERS[own]}) imports {module}"
        if module.startswith(TOP_ONLY):
            assert LAYERS[own] == 4, f"{own} imports {module} below the top layer"
            assert not top_level, f"{own} imports {module} at module level (keep it lazy)"


def test_every_unit_has_a_layer() -> None:
    assert {_unit(p) for p in SOURCES} == set(LAYERS)


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The checker itself can fail: an upward import in a layer-0 file is reported."""
    tree = ast.parse("from smspartner_analytics.fetch import fetch_statuses\n")
    ((module, level, _),) = _imports(tree)
    assert level == 0
    target = _target_unit(module)
    assert target == "fetch"
    assert LAYERS[target] > LAYERS["core"]


def test_package_init_has_no_module_named_like_a_public_name() -> None:
    """A submodule named like a public function would replace it on import (``sa.flatten``)."""
    import smspartner_analytics as sa

    units = {p.stem for p in PACKAGE.rglob("*")}  # every module, package and data file, any depth
    clashes = sorted(set(sa.__all__) & units)
    assert not clashes, f"modules named like public names: {clashes}"
