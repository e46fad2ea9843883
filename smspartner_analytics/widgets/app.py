"""The :class:`Dashboard`: summary, filters, buttons, four linked charts and a table.

A thin shell over the public functions (``plot_*``, ``write_report``, ``fetch_statuses``,
``load_frames``). It needs no browser: a test sets filters with :meth:`Dashboard.set_filter`,
reads :meth:`Dashboard.filtered` and the drawn :attr:`Dashboard.axes`, and clicks the buttons.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from smspartner_analytics.core.config import ENV_API_KEY, resolve_setting
from smspartner_analytics.core.errors import (
    AuthenticationError,
    BatchStoppedError,
    ConfigurationError,
    SMSPartnerError,
)
from smspartner_analytics.core.messages import error_line
from smspartner_analytics.core.numbers import Locale, check_locale
from smspartner_analytics.core.redaction import redact
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.earlier import earlier_answers
from smspartner_analytics.widgets.actions import (
    chunks,
    download_links,
    refresh_message,
    statuses,
    tokens_to_refresh,
)
from smspartner_analytics.widgets.charts import (
    CHARTS,
    draw_chart,
    pixel_width,
    png_output,
)
from smspartner_analytics.widgets.filters import FilterBar, as_date
from smspartner_analytics.widgets.keys import REFRESH_TOOLTIP, refresh_off, refused_then
from smspartner_analytics.widgets.table import TABLE_BOX, summary_html, table_html

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from smspartner_analytics.client.http import Client
    from smspartner_analytics.store.db import Store
    from smspartner_analytics.workspace import Workspace

__all__ = [
    "INSTALL_HINT",
    "REFRESH_TOOLTIP",
    "Dashboard",
    "ipywidgets_module",
]

INSTALL_HINT = (
    "The dashboard needs ipywidgets: pip install 'smspartner-analytics[notebooks]' "
    "(or pip install ipywidgets), then restart the kernel."
)
_ERROR = '<span style="color:#b00020">{}</span>'


def ipywidgets_module() -> Any:
    """``ipywidgets``, or ``ConfigurationError`` with the install hint."""
    try:
        import ipywidgets
    except ImportError:
        raise ConfigurationError(INSTALL_HINT) from None
    return ipywidgets


class Dashboard:
    """Filters, charts (``axes``), a table and buttons; ``.widget`` is the ipywidgets layout."""

    def __init__(
        self,
        frames: Frames,
        *,
        store: Store | None = None,
        client: Client | None = None,
        out_dir: str | Path | None = None,
        rows: int = 20,
        locale: Locale = "en",
        banner: str = "",
        workspace: Workspace | None = None,
        served: bool = False,
    ) -> None:
        self._w = ipywidgets_module()
        w = self._w
        self.frames = frames
        self.store = store
        self.client = client
        self.workspace = workspace  # its client's key is resolved again after a refusal
        self.served = served  # on the page the command serves: hints in plain words
        self._key_refused = False
        self.out_dir = Path(out_dir) if out_dir is not None else Path("report")
        self.rows = rows
        self.locale = check_locale(locale)
        self._bar = FilterBar(w, frames)
        self.filters: dict[str, Any] = self._bar.widgets
        self._paused = False  # True while several values change at once: one redraw after
        self.figures: dict[str, Figure] = {}
        self.axes: dict[str, Axes] = {}
        self.charts: dict[str, Any] = {
            name: w.Output(layout=w.Layout(flex="0 0 auto", width=f"{pixel_width(name) + 8}px"))
            for name in CHARTS
        }
        self.banner = w.HTML(banner)
        self.summary = w.HTML()
        self.table = w.HTML()
        self.table.add_class(TABLE_BOX)  # a wide table scrolls in its box (table._STYLE)
        self.message = w.HTML()
        self.downloads = w.HTML()
        self.progress = w.IntProgress(value=0, min=0, max=1, description="Asking")
        self.progress.layout.visibility = "hidden"
        self.report_button = w.Button(description="Write report", tooltip=self._report_tip())
        self.report_button.on_click(lambda _button: self._on_page(self.write_report))
        self.refresh_button = self._refresh_button()
        if self.refresh_button.disabled and served:  # say it where it is seen, not only on hover
            self._say(self.refresh_button.tooltip)
        self.widget = self._layout()
        self.redraw()
        for widget in self._bar.value_widgets():
            widget.observe(self._changed, names="value")

    # --- display ---------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def __repr__(self) -> str:
        shown = len(self.filtered().rentals)
        return f"Dashboard({shown} of {len(self.frames.rentals)} rentals shown)"

    def _layout(self) -> Any:
        w = self._w
        no_shrink = w.Layout(flex="0 0 auto")
        filters = w.HBox(self._bar.boxes(), layout=w.Layout(flex_flow="row wrap"))
        buttons = w.HBox(
            [self.report_button, self.refresh_button, self.progress],
            layout=w.Layout(align_items="center"),
        )
        charts = w.HBox(
            [
                self.charts["volume"],
                w.VBox([self.charts["spend"], self.charts["status"]], layout=no_shrink),
                self.charts["volume_per_rental"],
            ],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-start"),
        )
        return w.VBox(
            [
                self.banner,
                self.summary,
                filters,
                buttons,
                self.message,
                self.downloads,
                charts,
                self.table,
            ]
        )

    # --- filters ---------------------------------------------------------------------------

    def set_filter(self, name: str, values: Iterable[Any] | None) -> None:
        """Select ``values`` in filter ``name`` (None or empty: no filtering on it).

        For a date filter, ``values`` is ``(start, end)`` (dates, or None for an open end).
        """
        if name in self._bar.dates:
            start, end = tuple(values) if values is not None else (None, None)
            with self._one_redraw():
                self._bar.dates[name][0].value = as_date(start)
                self._bar.dates[name][1].value = as_date(end)
            return
        self.filters[name].value = self._bar.check(name, values)

    def filtered(self) -> Frames:
        """The frames as filtered: rentals by every filter, localisations by the remaining
        tokens (and the locality type filter); errors and history unchanged."""
        return self._bar.apply(self.frames)

    # --- drawing ---------------------------------------------------------------------------

    def _changed(self, _change: Any) -> None:
        if not self._paused:
            self.redraw()

    @contextmanager
    def _one_redraw(self) -> Iterator[None]:
        self._paused = True
        try:
            yield
        finally:
            self._paused = False
            self.redraw()

    def redraw(self) -> None:
        """Draw the charts, the table and the summary for the current filters."""
        frames = self.filtered()
        self.summary.value = summary_html(
            frames.rentals,
            len(self.frames.rentals),
            len(self.frames.errors),
            locale=self.locale,
            earlier=earlier_answers(frames.rentals, frames.errors),
        )
        for name in CHARTS:
            figure = self.figures[name] = draw_chart(name, frames, locale=self.locale)
            self.axes[name] = figure.axes[0]
            self.charts[name].outputs = (png_output(figure, name),)
        self.table.value = table_html(
            frames.rentals, self.rows, locale=self.locale, orders=self._bar.orders
        )

    # --- messages --------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message.value = html.escape(self._redact(text))

    def _error(self, exc: BaseException) -> None:
        line = error_line(exc)  # one line, always; no class name for our own errors
        self.message.value = _ERROR.format(html.escape(self._redact(line)))

    def _on_page(self, action: Callable[[], object]) -> None:
        """Run a button's action; an unexpected error (a bug) is still one line on the page."""
        try:
            action()
        except Exception as exc:  # a click has no caller to raise to: the page is the only one
            self._error(exc)
            self.message.value += " (unexpected: please report it)"

    def _redact(self, text: str) -> str:
        key = getattr(self.client, "_api_key", None)  # never shown, even inside an error
        return redact(text, [key, resolve_setting(ENV_API_KEY)])

    # --- buttons ---------------------------------------------------------------------------

    def _report_tip(self) -> str:
        return (
            "Write the filtered rentals' report (CSV, charts, workbook, HTML page) into "
            f"{self.out_dir} and offer its files for download"
        )

    def write_report(self) -> list[Path]:
        """What "Write report" does: the filtered frames to ``out_dir``, offered as downloads."""
        from smspartner_analytics.report.writer import write_report

        self.downloads.value = ""
        try:
            written = write_report(
                self.filtered(), self.out_dir, xlsx=True, html=True, locale=self.locale
            )
            self.downloads.value = download_links(written)
        except SMSPartnerError as exc:
            self._error(exc)
            return []
        except OSError as exc:  # reading the files back for the page
            self._error(exc)
            return []
        self._say(f"Report written to {self.out_dir.resolve()} ({len(written)} files).")
        return written

    def _refresh_button(self) -> Any:
        ready = self.store is not None and self.client is not None
        button = self._w.Button(
            description="Refresh",
            disabled=not ready,
            tooltip="Ask the API again for rentals that can still change"
            if ready
            else refresh_off(served=self.served),
        )
        button.on_click(lambda _button: self._on_page(self.refresh))
        return button

    def refresh(self) -> None:
        """What "Refresh" does: ask again for the rentals that can change, reload, redraw.

        The progress bar moves as answers arrive; then the message says what changed
        (``"12 rentals asked again, 3 now ready."``). Errors are shown in one line.
        """
        client = self.client
        if self.store is None or client is None:
            raise ConfigurationError(refresh_off(served=self.served))
        from smspartner_analytics.fetch import auth_message, fetch_statuses
        from smspartner_analytics.frames.flattening import load_frames

        tokens = self.refresh_tokens()
        before = statuses(self.frames)
        self.progress.max, self.progress.value = max(len(tokens), 1), 0
        self.progress.layout.visibility = "visible"
        self.refresh_button.disabled = True
        self._say(f"Asking the API again for {len(tokens):,} rentals…")
        failed = 0
        try:
            if self._key_refused and (workspace := self._renewable()) is not None:
                client = self.client = workspace.renew_client()  # a key corrected in .env
                self._key_refused = False
            for chunk in chunks(tokens, max(8, len(tokens) // 20)):
                result = fetch_statuses(
                    chunk, client=client, store=self.store, progress=False, errors="ignore"
                )
                failed += result.failed
                if result.auth_failed:
                    self._key_refused = True
                    renewable = self._renewable() is not None
                    then = refused_then(result.key_source, renewable=renewable, served=self.served)
                    raise AuthenticationError(auth_message(result, then=then))
                if result.stopped:  # wrong base URL, TLS failure: the same for every token
                    raise BatchStoppedError(result.stopped)
                self.progress.value += len(chunk)
            self.reload(load_frames(self.store))
            after = statuses(self.frames)
            self._say(refresh_message(tokens, before, after, failed=failed, locale=self.locale))
        except SMSPartnerError as exc:
            self._error(exc)
            self._reload_after_failure(self.store)
        finally:
            self.refresh_button.disabled = False
            self.progress.layout.visibility = "hidden"

    def _renewable(self) -> Workspace | None:
        """The workspace whose key a Refresh resolves again after a refusal (its client is used)."""
        workspace = self.workspace
        return workspace if workspace is not None and self.client is workspace.client else None

    def _reload_after_failure(self, store: Store) -> None:
        """After a refresh that stopped (a refused key, a wrong base URL), show what the store now
        says: the same rentals, those asked counted as shown from an earlier answer. The error
        line stays; a store that cannot be read now is left as it was shown."""
        from smspartner_analytics.frames.flattening import load_frames

        try:
            frames = load_frames(store)
        except SMSPartnerError:
            return
        self.reload(frames)

    def refresh_tokens(self) -> list[str]:
        """Tokens a refresh asks again for: rentals not in a terminal status, then errors.

        With a store, its own rule decides (``Store.pending_tokens``: what ``fetch_statuses``
        really asks, so a not-found token is not counted as asked again).
        """
        return tokens_to_refresh(self.frames, self.store)

    def reload(self, frames: Frames) -> None:
        """Show new frames, keeping the selections that still exist, and redraw."""
        self.frames = frames
        with self._one_redraw():
            self._bar.update_options(frames)
