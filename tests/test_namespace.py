"""The public namespace ``import smspartner_analytics as sa``: what it exports, in any order of use.

The lazy loader once bound ``sa.flatten`` to the *module* ``smspartner_analytics.flatten`` after
``sa.load_frames`` had been touched (importing a submodule binds its name on the package). These
tests touch every public name in every order that can matter, in fresh interpreters, and check
each name is still the object its module defines; then they use every public name for real.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tomllib
import types
from pathlib import Path
from typing import Any

import pytest

import smspartner_analytics as sa
from smspartner_analytics.core import errors

ROOT = Path(__file__).resolve().parents[1]
LAZY: dict[str, str] = sa._LAZY


def test_all_is_the_errors_the_lazy_table_and_the_version() -> None:
    assert sorted(sa.__all__) == sorted(["__version__", *errors.__all__, *LAZY])
    assert len(sa.__all__) == len(set(sa.__all__))


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, Any] = {}
    exec("from smspartner_analytics import *", namespace)  # noqa: S102 - the user's star import
    assert set(namespace) - {"__builtins__"} == set(sa.__all__)


def test_the_namespace_exports_nothing_else() -> None:
    """Once every public name is loaded, the only other public attributes are the submodules."""
    for name in sa.__all__:
        getattr(sa, name)
    extra = {n for n in vars(sa) if not n.startswith("_")} - set(sa.__all__)
    for name in extra:
        value = getattr(sa, name)
        assert isinstance(value, types.ModuleType), f"sa.{name} is exported but not in __all__"
        assert value.__name__ == f"smspartner_analytics.{name}"
    assert set(dir(sa)) >= set(sa.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'flaten'"):
        sa.flaten  # type: ignore[attr-defined]  # noqa: B018


def test_type_checking_block_names_exactly_the_lazy_table() -> None:
    """Type checkers read the ``TYPE_CHECKING`` imports, the runtime reads ``_LAZY``: same names,
    same modules, each re-exported with ``import X as X``."""
    tree = ast.parse((ROOT / "smspartner_analytics" / "__init__.py").read_text(encoding="utf-8"))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Attribute)
        and node.test.attr == "TYPE_CHECKING"
    )
    imported: dict[str, str] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom), ast.dump(node)
        assert node.module is not None
        for alias in node.names:
            assert alias.asname == alias.name, f"{alias.name}: write `import {alias.name} as ...`"
            imported[alias.name] = node.module.removeprefix("smspartner_analytics.")
    assert imported == LAZY


_ORDERS_SCRIPT = """
import importlib, json, sys, types

names = json.loads(sys.argv[1])
problems = []
for order in json.loads(sys.argv[2]):
    for key in [k for k in sys.modules if k.split(".")[0] == "smspartner_analytics"]:
        del sys.modules[key]
    sa = importlib.import_module("smspartner_analytics")
    for name in order:
        getattr(sa, name)
    for name in names:
        value = getattr(sa, name)
        if name == "__version__":
            continue
        home = sa._LAZY.get(name, "core.errors")
        expected = getattr(importlib.import_module("smspartner_analytics." + home), name)
        if isinstance(value, types.ModuleType) or value is not expected:
            problems.append(f"after touching {order[0]} first: sa.{name} is {value!r}")
print(json.dumps(problems))
"""


def test_every_order_of_first_use_keeps_every_name() -> None:
    """Each name first then all others, and all others then each name last: every pair of names
    is touched in both orders, each round in a freshly imported package."""
    names = list(sa.__all__)
    orders = [[n, *(m for m in names if m != n)] for n in names]
    orders += [[*(m for m in reversed(names) if m != n), n] for n in names]
    out = subprocess.run(
        [sys.executable, "-c", _ORDERS_SCRIPT, json.dumps(names), json.dumps(orders)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert json.loads(out.stdout) == []


def test_the_order_check_catches_a_shadowing_module(tmp_path: Path) -> None:
    """The check above can fail: a package whose lazy ``flatten`` is shadowed by its submodule
    ``flatten`` once ``load_frames`` (which imports that submodule) has been touched."""
    package = tmp_path / "shadowed"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import importlib\n"
        "_LAZY = {'flatten': 'tables', 'load_frames': 'loading'}\n"
        "def __getattr__(name):\n"
        "    value = getattr(importlib.import_module('shadowed.' + _LAZY[name]), name)\n"
        "    globals()[name] = value\n"
        "    return value\n",
        encoding="utf-8",
    )
    (package / "tables.py").write_text("def flatten():\n    return 1\n", encoding="utf-8")
    (package / "flatten.py").write_text("", encoding="utf-8")
    (package / "loading.py").write_text(
        "import shadowed.flatten\ndef load_frames():\n    return 2\n", encoding="utf-8"
    )
    script = _ORDERS_SCRIPT.replace("smspartner_analytics", "shadowed").replace(
        'sa._LAZY.get(name, "core.errors")', "sa._LAZY[name]"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            json.dumps(["flatten", "load_frames"]),
            json.dumps([["flatten", "load_frames"], ["load_frames", "flatten"]]),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    problems = json.loads(out.stdout)
    assert problems, "the shadowing went unnoticed"
    assert all("sa.flatten is <module 'shadowed.flatten'" in p for p in problems)


class _Recorder:
    """``sa`` that remembers which public names were used."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        self.used.add(name)
        return getattr(sa, name)


def test_every_public_name_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A small session that uses every public name for what it is for (and so calls it)."""
    pytest.importorskip("ipywidgets")  # the optional extra of the dashboard
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMSPARTNER_API_KEY", raising=False)
    s = _Recorder()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert s.__version__ == pyproject["project"]["version"]

    # the exception tree: each public error is one of ours and carries its message
    for name in errors.__all__:
        error_class = getattr(s, name)
        with pytest.raises(s.SMSPartnerError, match="boom"):
            raise error_class("boom")

    with s.sandbox(rentals=5, seed=3) as url:
        tokens_file = url.server.write_tokens_csv(tmp_path / "tokens.csv")
        entries = s.read_tokens(tokens_file)
        assert all(isinstance(e, s.TokenEntry) for e in entries)
        assert len(entries) == 5
        policy = s.RetryPolicy(attempts=2, backoff_base=0.01)
        client = s.Client(api_key="demo-key", base_url=url, rate=None, retry=policy)
        try:
            answer = client.get_status(entries[0].token)
            assert isinstance(answer, s.StatusResponse)
            assert answer.data["success"] is True
            with pytest.raises(s.RentalNotFoundError):
                client.get_status("no-such-token")
        finally:
            client.close()
        with s.Store(tmp_path / "store.sqlite") as store:
            result = s.fetch_statuses(
                entries, store=store, client=None, api_key="k", base_url=url, progress=False
            )
            assert isinstance(result, s.FetchResult)
            assert result.succeeded == 5
            interrupted = s.FetchInterrupted(result)
            assert interrupted.result is result
            watched = s.watch(
                entries, store=store, api_key="k", base_url=url, every=0.01, max_duration=0.05,
                progress=False, rate=None, _min_interval=0.01,
            )  # fmt: skip
            assert isinstance(watched, s.WatchResult)
            assert watched.stopped in ("all_final", "max_duration")
            assert s.WatchInterrupted(watched).result is watched
            frames = s.load_frames(store)
        with s.open_workspace(
            tmp_path / "store.sqlite", api_key="k", base_url=url, quiet=True
        ) as workspace:
            assert isinstance(workspace, s.Workspace)
            assert workspace.frames().rentals["token"].tolist() == frames.rentals["token"].tolist()
    assert isinstance(frames, s.Frames)
    assert len(frames.rentals) == 5

    labels = s.load_labels()
    assert isinstance(labels, s.Labels)
    same = s.flatten([answer.data], labels=labels)
    assert same.rentals["token"].tolist() == [entries[0].token]
    with pytest.warns(s.DataWarning):
        s.flatten([{**answer.data, "location": {**answer.data["location"], "minAge": "thirty"}}])

    assert s.spend_by(frames.rentals, "category")["cost_total"].sum() == pytest.approx(
        frames.rentals["cost_total"].sum()
    )
    assert s.spend_by_category(frames.rentals)["rentals"].sum() == 5
    assert s.status_summary(frames.rentals)["rentals"].sum() == 5
    assert not s.volume_by_location(frames.localisations).empty
    assert not s.spend_over_time(frames.rentals, date_column="fetched_at").empty
    durations = s.lead_times(frames.history)
    assert sorted(durations["token"]) == sorted(frames.rentals["token"])
    assert set(s.lead_time_summary(durations, frames.rentals)["category"]) <= set(
        frames.rentals["category"]
    )
    for plot, frame in (
        (s.plot_volume, frames.localisations),
        (s.plot_rental_volume, frames.localisations),
        (s.plot_spend, frames.rentals),
        (s.plot_status, frames.rentals),
        (s.plot_lead_times, durations),
    ):
        ax = Figure().subplots()
        assert plot(frame, ax=ax) is ax
        assert isinstance(ax, Axes)
        assert ax.get_title()
    written = s.write_report(frames, tmp_path / "report", charts=False)
    assert all(path.is_file() for path in written)
    board = s.dashboard(frames)
    assert isinstance(board, s.Dashboard)
    assert len(board.filtered().rentals) == 5

    assert s.used == set(sa.__all__), f"not used here: {sorted(set(sa.__all__) - s.used)}"
