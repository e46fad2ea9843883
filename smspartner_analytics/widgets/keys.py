"""What the dashboard says about the API key: why Refresh is off, and what to do once the API
refused the key, in Python words in a notebook and in plain words on the page
``smspartner-analytics dashboard`` serves (``served=True``). Never the key itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from smspartner_analytics.core.config import ENV_API_KEY, SettingSource, find_env_file

__all__ = ["REFRESH_TOOLTIP", "refresh_off", "refused_then"]

#: Why Refresh is off, for a notebook user (a Dashboard built without a store or a client).
REFRESH_TOOLTIP: Final = (
    "Refresh needs a store and a client: dashboard(frames, store=..., client=...)"
)


def refresh_off(*, served: bool) -> str:
    """Why Refresh is off. On the served page (always a store): no key was found, so where to
    put it: the ``.env`` the page read (found from the command's folder up), else one there."""
    if not served:
        return REFRESH_TOOLTIP
    found = find_env_file()
    where = str(found) if found is not None else f"a .env file in {Path.cwd()}"
    return (
        f"No API key, so Refresh is off: put {ENV_API_KEY}=... in {where} (beside the store), "
        "then reload the page."
    )


def refused_then(source: SettingSource | None, *, renewable: bool, served: bool) -> str:
    """What to do once a refused key is corrected where it came from (``source``).

    ``renewable``: the dashboard's client came from a workspace, whose key a Refresh resolves
    again after a refusal: a corrected ``.env`` (or, in a notebook, environment) then works at
    the next click. The served page's environment is the command's: only a restart changes it.
    """
    if source is not None and source.kind == "environment" and served:
        return "restart `smspartner-analytics dashboard` (Ctrl-C, run it again) and reload the page"
    if renewable and source is not None and source.kind != "argument":
        return "click Refresh again"
    if served:
        return "reload the page"
    return "open the workspace and the dashboard again" if renewable else "build them again"
