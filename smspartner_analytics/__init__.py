"""smspartner-analytics: fetch, keep and analyse many SMS Partner contact rentals.

``import smspartner_analytics as sa`` gives the public names of ``__all__``: the exception tree
of ``core.errors`` (imported at once; it is small) and the names of ``_LAZY``, loaded on first use
so that importing the package (and ``smspartner-analytics --help``) stays fast: pandas, requests
and matplotlib are imported only by the parts that need them.

``__all__`` is derived, never listed by hand: ``core.errors.__all__`` plus the keys of ``_LAZY``.
Every other global is private (``_importlib``, ``_typing``), so the namespace exports nothing else.
The ``TYPE_CHECKING`` block repeats the lazy imports for type checkers and IDEs (they cannot read
``_LAZY``); ``tests/test_namespace.py`` checks that it names exactly the lazy table.

No module directly inside the package may be named like a public name: importing a submodule
binds its name on the package, which would replace the public object (``tests/test_layers.py``).
"""

import importlib as _importlib
import typing as _typing

from smspartner_analytics.core import errors as _errors
from smspartner_analytics.core.errors import *  # noqa: F403 - the whole exception tree is public

__version__ = "0.1.0"

#: public name -> module (under this package) that defines it, imported on first use
_LAZY: dict[str, str] = {
    "Client": "client.http",
    "StatusResponse": "client.http",
    "RetryPolicy": "client.retry",
    "sandbox": "simulator.server",
    "Store": "store.db",
    "read_tokens": "store.tokens",
    "TokenEntry": "core.schema",
    "Labels": "core.labels",
    "load_labels": "core.labels",
    "fetch_statuses": "fetch",
    "FetchResult": "fetch",
    "FetchInterrupted": "fetch",
    "watch": "watching",
    "WatchResult": "watching",
    "WatchInterrupted": "watching",
    "Frames": "frames.dtypes",
    "DataWarning": "frames.coercion",
    "flatten": "frames.flattening",
    "load_frames": "frames.flattening",
    "spend_by": "analysis",
    "spend_by_category": "analysis",
    "volume_by_location": "analysis",
    "status_summary": "analysis",
    "spend_over_time": "analysis",
    "lead_times": "leadtimes",
    "lead_time_summary": "leadtimes",
    "plot_volume": "plots",
    "plot_rental_volume": "plots",
    "plot_spend": "plots",
    "plot_status": "plots",
    "plot_lead_times": "leadtime_plots",
    "write_report": "report.writer",
    "Dashboard": "widgets",
    "dashboard": "widgets",
    "open_workspace": "workspace",
    "Workspace": "workspace",
}

__all__ = ["__version__"]
__all__ += _errors.__all__
__all__ += list(_LAZY)

if _typing.TYPE_CHECKING:  # pragma: no cover - the lazy names, for type checkers and IDEs only
    from smspartner_analytics.analysis import spend_by as spend_by
    from smspartner_analytics.analysis import spend_by_category as spend_by_category
    from smspartner_analytics.analysis import spend_over_time as spend_over_time
    from smspartner_analytics.analysis import status_summary as status_summary
    from smspartner_analytics.analysis import volume_by_location as volume_by_location
    from smspartner_analytics.client.http import Client as Client
    from smspartner_analytics.client.http import StatusResponse as StatusResponse
    from smspartner_analytics.client.retry import RetryPolicy as RetryPolicy
    from smspartner_analytics.core.labels import Labels as Labels
    from smspartner_analytics.core.labels import load_labels as load_labels
    from smspartner_analytics.core.schema import TokenEntry as TokenEntry
    from smspartner_analytics.fetch import FetchInterrupted as FetchInterrupted
    from smspartner_analytics.fetch import FetchResult as FetchResult
    from smspartner_analytics.fetch import fetch_statuses as fetch_statuses
    from smspartner_analytics.frames.coercion import DataWarning as DataWarning
    from smspartner_analytics.frames.dtypes import Frames as Frames
    from smspartner_analytics.frames.flattening import flatten as flatten
    from smspartner_analytics.frames.flattening import load_frames as load_frames
    from smspartner_analytics.leadtime_plots import plot_lead_times as plot_lead_times
    from smspartner_analytics.leadtimes import lead_time_summary as lead_time_summary
    from smspartner_analytics.leadtimes import lead_times as lead_times
    from smspartner_analytics.plots import plot_rental_volume as plot_rental_volume
    from smspartner_analytics.plots import plot_spend as plot_spend
    from smspartner_analytics.plots import plot_status as plot_status
    from smspartner_analytics.plots import plot_volume as plot_volume
    from smspartner_analytics.report.writer import write_report as write_report
    from smspartner_analytics.simulator.server import sandbox as sandbox
    from smspartner_analytics.store.db import Store as Store
    from smspartner_analytics.store.tokens import read_tokens as read_tokens
    from smspartner_analytics.watching import WatchInterrupted as WatchInterrupted
    from smspartner_analytics.watching import WatchResult as WatchResult
    from smspartner_analytics.watching import watch as watch
    from smspartner_analytics.widgets import Dashboard as Dashboard
    from smspartner_analytics.widgets import dashboard as dashboard
    from smspartner_analytics.workspace import Workspace as Workspace
    from smspartner_analytics.workspace import open_workspace as open_workspace


if not _typing.TYPE_CHECKING:  # hidden from type checkers, so that they flag a misspelt ``sa.name``

    def __getattr__(name: str) -> _typing.Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'smspartner_analytics' has no attribute {name!r}")
        value = getattr(_importlib.import_module(f"smspartner_analytics.{module}"), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
