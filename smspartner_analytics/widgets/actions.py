"""What the dashboard's buttons report: refresh outcomes, written reports offered as downloads.

Downloads are ``data:`` links inside the page (each file, and one zip of them all): the files
come from the kernel through the widget that shows them, so they work wherever the page is
served (Jupyter, Voilà, a remote host) without a file server.
"""

from __future__ import annotations

import base64
import html
import io
import mimetypes
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from smspartner_analytics.core.numbers import Locale, count
from smspartner_analytics.core.schema import TERMINAL_STATUSES
from smspartner_analytics.frames.dtypes import Frames

if TYPE_CHECKING:
    from smspartner_analytics.store.db import Store

__all__ = [
    "MAX_DOWNLOAD_BYTES",
    "chunks",
    "download_links",
    "refresh_message",
    "statuses",
    "tokens_to_refresh",
]

#: Files larger than this are not put in the page (the message gives their folder instead).
MAX_DOWNLOAD_BYTES = 25_000_000


def tokens_to_refresh(frames: Frames, store: Store | None) -> list[str]:
    """Tokens a refresh asks again for: rentals not in a terminal status, then errors.

    With a store, its own rule decides (``Store.pending_tokens``: what ``fetch_statuses`` really
    asks, so a not-found token is not counted as asked again).
    """
    rentals = frames.rentals
    live = rentals.loc[~rentals["status"].isin(list(TERMINAL_STATUSES)), "token"]
    tokens = [str(t) for t in live] + [str(t) for t in frames.errors.get("token", [])]
    tokens = list(dict.fromkeys(tokens))
    return tokens if store is None else store.pending_tokens(tokens)


def statuses(frames: Frames) -> dict[str, str]:
    """Each rental's status, by token."""
    rentals = frames.rentals
    return {str(t): str(s) for t, s in zip(rentals["token"], rentals["status"], strict=True)}


def refresh_message(
    asked: Sequence[str],
    before: Mapping[str, str],
    after: Mapping[str, str],
    *,
    failed: int = 0,
    locale: Locale = "en",
) -> str:
    """``"12 rentals asked again, 3 now ready"``, then other status changes and failures."""
    moved = [t for t in asked if t in after and after[t] != before.get(t)]
    ready = sum(1 for t in moved if after[t] == "ready")
    line = f"{count(len(asked), locale=locale)} rentals asked again, "
    line += f"{count(ready, locale=locale)} now ready"
    others = len(moved) - ready
    if others:
        line += f", {count(others, locale=locale)} moved to another status"
    if failed:
        line += f"; {count(failed, locale=locale)} got no answer (refresh again later)"
    return line + "."


def chunks(items: list[str], size: int) -> Iterable[list[str]]:
    """``items`` in consecutive lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _link(name: str, payload: bytes, mime: str) -> str:
    data = base64.b64encode(payload).decode("ascii")
    label = f"{html.escape(name)} ({_size(len(payload))})"
    return (
        f'<a download="{html.escape(name, quote=True)}" href="data:{mime};base64,{data}" '
        f'style="margin-right:14px">{label}</a>'
    )


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} kB"


def download_links(paths: Sequence[Path], *, zip_name: str = "smspartner-report.zip") -> str:
    """HTML links that download each file (and a zip of all) straight from the page."""
    if not paths:
        return ""
    links: list[str] = []
    archive = io.BytesIO()
    too_big: list[str] = []
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in paths:
            payload = path.read_bytes()
            bundle.writestr(path.name, payload)
            if len(payload) > MAX_DOWNLOAD_BYTES:
                too_big.append(path.name)
                continue
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            links.append(_link(path.name, payload, mime))
    whole = archive.getvalue()
    if len(whole) <= MAX_DOWNLOAD_BYTES:
        links.insert(0, _link(zip_name, whole, "application/zip"))
    note = (
        f" <i>Too large for the page, in the folder: {html.escape(', '.join(too_big))}</i>"
        if too_big
        else ""
    )
    return f'<div class="sa-downloads">Download: {" ".join(links)}{note}</div>'
