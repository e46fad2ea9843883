"""``dashboard(frames)``: filters, linked charts, a table and report/refresh buttons in Jupyter.

The package's modules, by responsibility: ``filters`` (which filters, their options, the rows they
keep), ``table`` (summary line and table formats), ``charts`` (figures as PNG outputs),
``actions`` (refresh tokens and messages, downloads), ``app`` (:class:`Dashboard`), ``build``
(:func:`dashboard`),
``page`` and ``serve`` (the web page ``smspartner-analytics dashboard`` serves through Voilà).
ipywidgets is an optional extra (``pip install 'smspartner-analytics[notebooks]'``).

The names are loaded on first use, so the command line reaches ``serve`` without pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from smspartner_analytics.widgets.app import Dashboard
    from smspartner_analytics.widgets.build import dashboard

__all__ = ["Dashboard", "dashboard"]
_HOMES = {"Dashboard": "app", "dashboard": "build"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"smspartner_analytics.widgets.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
