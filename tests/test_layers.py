"""The layers of design.md hold: a module imports only from its own layer or below, and
matplotlib.pyplot / ipywidgets are imported only in the top layer (and only inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "smspartner_analytics"

LAYERS: dict[str, int] = {
    **dict.fromkeys(["errors", "redaction", "schema", "records", "config", "labels"], 0),
    **dict.fromkeys(
        [
            *("client", "answers", "retry", "ratelimit"),
            *("sandbox", "sandbox_data", "sandbox_faults", "sandbox_http"),
        ],
        1,
    ),
    **dict.fromkeys(["store", "tokens", "frames", "flatten", "columns", "coerce", "tables"], 2),
    **dict.fromkeys(["fetch", "analysis"], 3),
    **dict.fromkeys(["plots", "report", "csvout", "widgets", "demo", "cli", "__main__"], 4),
}
TOP_ONLY = ("matplotlib.pyplot", "ipywidgets")


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(imported name, at module level?) for every import in the file."""
    found: list[tuple[str, bool]] = []
    top_level = {id(node) for node in getattr(tree, "body", [])}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names = [base] if node.module else [base + a.name for a in node.names]
            found.extend((name, id(node) in top_level) for name in names)
        elif isinstance(node, ast.Import):
            found.extend((a.name, id(node) in top_level) for a in node.names)
    return found


def _internal_target(name: str, path: Path) -> str | None:
    """The package module a relative import points at (None for third-party imports)."""
    if name.startswith("smspartner_analytics."):
        return name.split(".")[1]
    if not name.startswith("."):
        return None
    depth = len(name) - len(name.lstrip("."))
    inside_subpackage = len(path.relative_to(PACKAGE).parts) > 1
    rest = name[depth:]
    if inside_subpackage and depth == 1:
        return _module_name(path)  # a sibling inside cli/
    return rest.split(".")[0] or None


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent != PACKAGE)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_respect_the_layers(path: Path) -> None:
    own = _module_name(path)
    assert own in LAYERS, f"{own} has no layer: add it to LAYERS (and docs/architecture.md)"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name, top_level in _imports(tree):
        target = _internal_target(name, path)
        if target is not None and target in LAYERS:
            assert LAYERS[target] <= LAYERS[own], f"{own} (layer {LAYERS[own]}) imports {target}"
        if name.startswith(TOP_ONLY):
            assert LAYERS[own] == 4, f"{own} imports {name} below the top layer"
            assert not top_level, f"{own} imports {name} at module level (keep it lazy)"


def test_every_module_has_a_layer() -> None:
    modules = {_module_name(p) for p in SOURCES}
    assert modules == set(LAYERS)
