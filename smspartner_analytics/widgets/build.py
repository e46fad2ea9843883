"""``dashboard(frames, workspace=...)``: the :class:`Dashboard` on a workspace or a store."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.widgets.app import Dashboard

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.store.db import Store
    from smspartner_analytics.workspace import Workspace

__all__ = ["dashboard", "sandbox_banner"]

_SANDBOX = (
    '<div style="background:#fff4ce;padding:6px 10px;border-radius:4px">Sandbox: generated '
    "rentals from the built-in imitation of the API, not your data (no API key and no store "
    "found). {}</div>"
)


def sandbox_banner(description: str) -> str:
    """The line a sandbox dashboard shows above everything else."""
    return _SANDBOX.format(html.escape(description))


def dashboard(
    frames: Frames,
    *,
    workspace: Workspace | None = None,
    store: Store | None = None,
    client: Client | None = None,
    out_dir: str | Path | None = None,
    rows: int = 20,
    locale: Locale = "en",
    served: bool = False,
) -> Dashboard:
    """Build the dashboard for ``frames``; the last expression of a cell displays it.

    ``workspace`` (from ``sa.open_workspace()``) gives the store and client, and a line saying
    when the data comes from the sandbox; or pass ``store`` and ``client`` yourself. With both,
    "Refresh" asks the API again for rentals that can still change. "Write report" writes the
    filtered frames to ``out_dir`` (default ``report``) and offers the files for download.
    ``locale`` (``en`` or ``fr``) formats money, counts and dates. After the API refused the
    key, a Refresh on the workspace's client resolves the key again (argument > environment >
    ``.env``), so a key corrected in ``.env`` works at the next click. ``served=True`` is for
    the page ``smspartner-analytics dashboard`` serves: its hints speak of ``.env`` and of
    reloading the page, not of Python.
    """
    banner = ""
    if workspace is not None:
        store = workspace.store if store is None else store
        client = workspace.client if client is None else client
        if workspace.is_sandbox:
            banner = sandbox_banner(workspace.describe())
    return Dashboard(
        frames,
        store=store,
        client=client,
        out_dir=out_dir,
        rows=rows,
        locale=locale,
        banner=banner,
        workspace=workspace,
        served=served,
    )
