"""smspartner-analytics: fetch, keep and analyse many SMS Partner contact rentals.

``import smspartner_analytics as sa`` gives the public names below. They are loaded on first use
so that importing the package (and ``smspartner-analytics --help``) stays fast: pandas,
requests and matplotlib are imported only by the parts that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from smspartner_analytics.core.errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    InputError,
    MissingAPIKeyError,
    RateLimitError,
    RentalNotFoundError,
    ReportError,
    RequestError,
    ResponseParseError,
    ServerError,
    SMSPartnerError,
    StoreError,
    TokenRequiredError,
    TransportError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily)
_LAZY: dict[str, str] = {
    "Client": "client.http",
    "StatusResponse": "client.http",
    "sandbox": "simulator.server",
    "Store": "store.db",
    "read_tokens": "store.tokens",
    "fetch_statuses": "fetch",
    "FetchResult": "fetch",
    "Frames": "frames.dtypes",
    "flatten": "frames.flattening",
    "load_frames": "frames.flattening",
    "load_labels": "core.labels",
    "spend_by": "analysis",
    "spend_by_category": "analysis",
    "volume_by_location": "analysis",
    "status_summary": "analysis",
    "spend_over_time": "analysis",
    "lead_times": "leadtimes",
    "lead_time_summary": "leadtimes",
    "plot_volume": "plots",
    "plot_spend": "plots",
    "plot_status": "plots",
    "plot_lead_times": "leadtime_plots",
    "write_report": "report.writer",
    "dashboard": "widgets",
    "open_workspace": "workspace",
    "Workspace": "workspace",
}

__all__ = [
    "APIError",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "FetchResult",
    "Frames",
    "InputError",
    "MissingAPIKeyError",
    "RateLimitError",
    "RentalNotFoundError",
    "ReportError",
    "RequestError",
    "ResponseParseError",
    "SMSPartnerError",
    "ServerError",
    "StatusResponse",
    "Store",
    "StoreError",
    "TokenRequiredError",
    "TransportError",
    "Workspace",
    "__version__",
    "dashboard",
    "fetch_statuses",
    "flatten",
    "lead_time_summary",
    "lead_times",
    "load_frames",
    "load_labels",
    "open_workspace",
    "plot_lead_times",
    "plot_spend",
    "plot_status",
    "plot_volume",
    "read_tokens",
    "sandbox",
    "spend_by",
    "spend_by_category",
    "spend_over_time",
    "status_summary",
    "volume_by_location",
    "write_report",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from smspartner_analytics.analysis import (
        spend_by,
        spend_by_category,
        spend_over_time,
        status_summary,
        volume_by_location,
    )
    from smspartner_analytics.client.http import Client, StatusResponse
    from smspartner_analytics.core.labels import load_labels
    from smspartner_analytics.fetch import FetchResult, fetch_statuses
    from smspartner_analytics.frames.dtypes import Frames
    from smspartner_analytics.frames.flattening import flatten, load_frames
    from smspartner_analytics.leadtime_plots import plot_lead_times
    from smspartner_analytics.leadtimes import lead_time_summary, lead_times
    from smspartner_analytics.plots import plot_spend, plot_status, plot_volume
    from smspartner_analytics.report.writer import write_report
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store
    from smspartner_analytics.store.tokens import read_tokens
    from smspartner_analytics.widgets import dashboard
    from smspartner_analytics.workspace import Workspace, open_workspace


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smspartner_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
