"""What the web page's notebook (``widgets/page.ipynb``) needs: its settings and its error line.

``smspartner-analytics dashboard`` passes its settings to the page's kernel through the
environment (``SMSPARTNER_DASHBOARD_*``; never the API key, which the kernel resolves itself
exactly as the CLI does). :func:`page_settings` reads them and moves the kernel to the folder the
command ran in, so ``.env`` and the default store are found there, as the CLI finds them.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from smspartner_analytics.core.config import DEFAULT_REPORT_DIR, ENV_API_KEY, resolve_setting
from smspartner_analytics.core.messages import error_line
from smspartner_analytics.core.numbers import LOCALES, Locale, check_locale

__all__ = [
    "ENV_CWD",
    "ENV_LOCALE",
    "ENV_OUT",
    "ENV_STORE",
    "NOTEBOOK",
    "PageSettings",
    "error_page",
    "page_settings",
]

#: The notebook the command serves (shipped inside the package).
NOTEBOOK: Final = Path(__file__).with_name("page.ipynb")
ENV_CWD: Final = "SMSPARTNER_DASHBOARD_CWD"
ENV_STORE: Final = "SMSPARTNER_DASHBOARD_STORE"
ENV_OUT: Final = "SMSPARTNER_DASHBOARD_OUT"
ENV_LOCALE: Final = "SMSPARTNER_DASHBOARD_LOCALE"
DEFAULT_OUT: Final = DEFAULT_REPORT_DIR


@dataclass(frozen=True)
class PageSettings:
    """The store given to the command (None: resolved as the CLI does), the report folder and
    the locale (``--locale``: how money, numbers and dates read)."""

    store: Path | None
    out_dir: Path
    locale: Locale = "en"


def page_settings() -> PageSettings:
    """The command's settings; moves to its working folder when it gave one."""
    cwd = os.environ.get(ENV_CWD)
    if cwd:
        os.chdir(cwd)
    store = os.environ.get(ENV_STORE) or None
    out = os.environ.get(ENV_OUT) or DEFAULT_OUT
    given = os.environ.get(ENV_LOCALE, "")
    locale: Locale = check_locale(given) if given in LOCALES else "en"  # set by the command
    return PageSettings(store=Path(store) if store else None, out_dir=Path(out), locale=locale)


class _ErrorLine:
    """One red line in the page (plain HTML: shown even when ipywidgets is missing)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return f'<p style="color:#b00020;font-size:15px">{html.escape(self.text)}</p>'

    def __repr__(self) -> str:
        return self.text


def error_page(exc: BaseException) -> Any:
    """``exc`` as one line for the page (``error: message``, as the CLI says it; the key hidden)."""
    return _ErrorLine(error_line(exc, [resolve_setting(ENV_API_KEY)]))
