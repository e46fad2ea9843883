"""smspartner-analytics: fetch, keep and analyse many SMS Partner contact rentals.

``import smspartner_analytics as sa`` gives the public names below. They are loaded on first use
so that importing the package (and ``smspartner-analytics --help``) stays fast: pandas,
requests and matplotlib are imported only by the parts that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
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
    "Client": "client",
    "StatusResponse": "client",
    "sandbox": "sandbox",
    "Store": "store",
    "read_tokens": "tokens",
    "fetch_statuses": "fetch",
    "FetchResult": "fetch",
    "Frames": "frames",
    "flatten": "flatten",
    "load_frames": "flatten",
    "load_labels": "labels",
    "spend_by": "analysis",
    "spend_by_category": "analysis",
    "volume_by_location": "analysis",
    "status_summary": "analysis",
    "spend_over_time": "analysis",
    "plot_volume": "plots",
    "plot_spend": "plots",
    "plot_status": "plots",
    "write_report": "report",
    "dashboard": "widgets",
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
    "__version__",
    "dashboard",
    "fetch_statuses",
    "flatten",
    "load_frames",
    "load_labels",
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
    from .analysis import (
        spend_by,
        spend_by_category,
        spend_over_time,
        status_summary,
        volume_by_location,
    )
    from .client import Client, StatusResponse
    from .fetch import FetchResult, fetch_statuses
    from .flatten import flatten, load_frames
    from .frames import Frames
    from .labels import load_labels
    from .plots import plot_spend, plot_status, plot_volume
    from .report import write_report
    from .sandbox import sandbox
    from .store import Store
    from .tokens import read_tokens
    from .widgets import dashboard


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smspartner_analytics' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
