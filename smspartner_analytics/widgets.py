"""``dashboard(frames)``: filters, linked charts, a table and report/refresh buttons in Jupyter.

A thin shell over the public functions (``plot_*``, ``write_report``, ``fetch_statuses``,
``load_frames``). It needs no browser: a test sets filters with :meth:`Dashboard.set_filter`,
reads :meth:`Dashboard.filtered` and the drawn :attr:`Dashboard.axes`, and clicks the buttons.
ipywidgets is an optional extra (``pip install 'smspartner-analytics[notebooks]'``).

Charts are drawn on plain ``matplotlib.figure.Figure`` objects (no pyplot state) and shown as PNG
images inside ``ipywidgets.Output`` widgets.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from smspartner_analytics.core.errors import ConfigurationError, SMSPartnerError
from smspartner_analytics.core.numbers import money
from smspartner_analytics.core.schema import RENTAL_COLUMNS, STATUS_LABELS, TERMINAL_STATUSES
from smspartner_analytics.frames.arrays import MISSING_ID, labelled_ids
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.report.charts import CHARTS, render

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from smspartner_analytics.client.http import Client
    from smspartner_analytics.store.db import Store

__all__ = ["Dashboard", "dashboard"]

INSTALL_HINT = (
    "The dashboard needs ipywidgets: pip install 'smspartner-analytics[notebooks]' "
    "(or pip install ipywidgets), then restart the kernel."
)
REFRESH_TOOLTIP = "Refresh needs a store and a client: dashboard(frames, store=..., client=...)"
#: Rental columns offered as filters (when present), then any metadata column.
FILTER_COLUMNS = ("status", "category", "interest", "sexe")
#: A metadata column with more distinct values than this is not offered as a filter.
MAX_OPTIONS = 50
NONE_OPTION = MISSING_ID
TABLE_COLUMNS = ("token", "status", "category_label", "interest_label", "quantity", "cost_total")
#: The dashboard shows the report's charts (``report.charts``) this much smaller.
CHART_SCALE = 0.8


def dashboard(
    frames: Frames,
    *,
    store: Store | None = None,
    client: Client | None = None,
    out_dir: str | Path | None = None,
    rows: int = 20,
) -> Dashboard:
    """Build the dashboard for ``frames``; the last expression of a cell displays it.

    ``store`` and ``client`` enable the "Refresh" button (ask the API again for rentals that can
    still change); "Write report" writes the filtered frames to ``out_dir`` (default ``report``).
    """
    return Dashboard(frames, store=store, client=client, out_dir=out_dir, rows=rows)


def _ipywidgets() -> Any:
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
    ) -> None:
        self._w = _ipywidgets()
        self.frames = frames
        self.store = store
        self.client = client
        self.out_dir = Path(out_dir) if out_dir is not None else Path("report")
        self.rows = rows
        self.filters: dict[str, Any] = {}
        self._paused = False  # True while several values change at once: one redraw after
        self._dates: dict[str, tuple[Any, Any]] = {}
        self._build_filters()
        self.figures: dict[str, Figure] = {}
        self.axes: dict[str, Axes] = {}
        self.charts: dict[str, Any] = {chart.name: self._w.Output() for chart in CHARTS}
        self.summary = self._w.HTML()
        self.table = self._w.HTML()
        self.message = self._w.HTML()
        self.progress = self._w.IntProgress(value=0, min=0, max=1, description="Refresh")
        self.progress.layout.visibility = "hidden"
        self.report_button = self._w.Button(description="Write report", icon="file")
        self.report_button.on_click(lambda _button: self.write_report())
        self.refresh_button = self._refresh_button()
        self.widget = self._layout()
        self.redraw()
        for widget in self._value_widgets():
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

    # --- filters ---------------------------------------------------------------------------

    def set_filter(self, name: str, values: Iterable[Any] | None) -> None:
        """Select ``values`` in filter ``name`` (None or empty: no filtering on it).

        For a date filter, ``values`` is ``(start, end)`` (dates, or None for an open end).
        """
        if name not in self.filters:
            known = ", ".join(self.filters) or "none"
            raise ValueError(f"no filter named {name!r}; the filters are: {known}")
        if name in self._dates:
            start, end = tuple(values) if values is not None else (None, None)
            with self._one_redraw():
                self._dates[name][0].value = _as_date(start)
                self._dates[name][1].value = _as_date(end)
            return
        wanted = tuple(str(v) for v in values or ())
        allowed = {value for _label, value in self.filters[name].options}
        unknown = [v for v in wanted if v not in allowed]
        if unknown:
            raise ValueError(f"filter {name!r} has no option {', '.join(map(repr, unknown))}")
        self.filters[name].value = wanted

    def filtered(self) -> Frames:
        """The frames as filtered: rentals by every filter, localisations by the remaining
        tokens (and the locality type filter); errors and history unchanged."""
        rentals = self.frames.rentals
        localisations = self.frames.localisations
        mask = pd.Series(True, index=rentals.index)
        for name, widget in self.filters.items():
            if name in self._dates:
                mask &= _date_mask(rentals[name], *(w.value for w in self._dates[name]))
            elif widget.value and name != "type":
                mask &= _isin(rentals[name], widget.value)
        types = self.filters["type"].value if "type" in self.filters else ()
        if types:
            localisations = localisations[_isin(localisations["type"], types)]
            mask &= rentals["token"].isin(localisations["token"])
        rentals = rentals[mask]
        localisations = localisations[localisations["token"].isin(rentals["token"])]
        return Frames(
            rentals=rentals.reset_index(drop=True),
            localisations=localisations.reset_index(drop=True),
            errors=self.frames.errors,
            history=self.frames.history,
        )

    def _build_filters(self) -> None:
        rentals = self.frames.rentals
        metadata = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
        for name in (*FILTER_COLUMNS, *metadata):
            if name not in rentals.columns:
                continue
            if _is_date_column(rentals[name]):
                self._add_date_filter(name)
            else:
                options = _options(rentals, name)
                if 0 < len(options) <= MAX_OPTIONS:
                    self.filters[name] = self._select(name, options)
        if "type" in self.frames.localisations.columns:
            options = _options(self.frames.localisations, "type")
            if options:
                self.filters["type"] = self._select("type", options)

    def _select(self, name: str, options: list[tuple[str, str]]) -> Any:
        return self._w.SelectMultiple(
            options=options,
            description=name.replace("_", " "),
            rows=min(len(options), 5),
            tooltip=f"{name}: none selected means all",
            layout=self._w.Layout(width="250px"),
        )

    def _add_date_filter(self, name: str) -> None:
        start = self._w.DatePicker(description=f"{name} from")
        end = self._w.DatePicker(description="to")
        self._dates[name] = (start, end)
        self.filters[name] = self._w.VBox([start, end])

    def _value_widgets(self) -> list[Any]:
        pickers = [picker for pair in self._dates.values() for picker in pair]
        return [w for n, w in self.filters.items() if n not in self._dates] + pickers

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
        for chart in CHARTS:
            figure = self.figures[chart.name] = render(chart, frames, scale=CHART_SCALE)
            self.axes[chart.name] = figure.axes[0]
            self.charts[chart.name].outputs = (_png_output(figure, chart.title),)
        self.table.value = _table_html(frames.rentals, self.rows)
        total = float(frames.rentals["cost_total"].sum()) if len(frames.rentals) else 0.0
        self.summary.value = (
            f"<b>{len(frames.rentals):,}</b> of {len(self.frames.rentals):,} rentals · "
            f"spend <b>{money(total)}</b> · {len(self.frames.errors):,} tokens without data"
        )

    def _layout(self) -> Any:
        w = self._w
        filters = w.HBox(list(self.filters.values()), layout=w.Layout(flex_flow="row wrap"))
        buttons = w.HBox([self.report_button, self.refresh_button, self.progress, self.message])
        first, *others = self.charts.values()  # the tall volume chart beside the others
        charts = w.HBox([first, w.VBox(others)])
        return w.VBox([self.summary, filters, buttons, charts, self.table])

    # --- buttons ---------------------------------------------------------------------------

    def write_report(self) -> None:
        """What "Write report" does: the filtered frames to ``out_dir``; the outcome is shown."""
        from smspartner_analytics.report.writer import write_report

        try:
            write_report(self.filtered(), self.out_dir)
        except SMSPartnerError as exc:
            self.message.value = html.escape(f"{type(exc).__name__}: {exc}")
        else:
            self.message.value = html.escape(f"Report written to {self.out_dir}")

    def _refresh_button(self) -> Any:
        ready = self.store is not None and self.client is not None
        button = self._w.Button(
            description="Refresh",
            icon="refresh",
            disabled=not ready,
            tooltip="Ask the API again for rentals that can still change"
            if ready
            else REFRESH_TOOLTIP,
        )
        button.on_click(lambda _button: self.refresh())
        return button

    def refresh(self) -> None:
        """What "Refresh" does: fetch non-terminal tokens again, reload the frames, redraw."""
        if self.store is None or self.client is None:
            raise ConfigurationError(REFRESH_TOOLTIP)
        from smspartner_analytics.fetch import fetch_statuses
        from smspartner_analytics.frames.flattening import load_frames

        tokens = self.refresh_tokens()
        self.progress.max, self.progress.value = max(len(tokens), 1), 0
        self.progress.layout.visibility = "visible"
        self.refresh_button.disabled = True
        try:
            for chunk in _chunks(tokens, max(8, len(tokens) // 20)):
                fetch_statuses(
                    chunk, client=self.client, store=self.store, progress=False, errors="ignore"
                )
                self.progress.value += len(chunk)
            self.reload(load_frames(self.store))
            self.message.value = html.escape(f"Asked again for {len(tokens):,} tokens.")
        except SMSPartnerError as exc:
            self.message.value = html.escape(f"{type(exc).__name__}: {exc}")
        finally:
            self.refresh_button.disabled = False
            self.progress.layout.visibility = "hidden"

    def refresh_tokens(self) -> list[str]:
        """Tokens a refresh asks again for: rentals not in a terminal status, then errors.

        With a store, its own rule decides (``Store.pending_tokens``: what ``fetch_statuses``
        really asks, so a not-found token is not counted as asked again).
        """
        rentals = self.frames.rentals
        live = rentals.loc[~rentals["status"].isin(list(TERMINAL_STATUSES)), "token"]
        tokens = [str(t) for t in live] + [str(t) for t in self.frames.errors.get("token", [])]
        tokens = list(dict.fromkeys(tokens))
        return tokens if self.store is None else self.store.pending_tokens(tokens)

    def reload(self, frames: Frames) -> None:
        """Show new frames, keeping the selections that still exist, and redraw."""
        self.frames = frames
        with self._one_redraw():
            self._update_options()

    def _update_options(self) -> None:
        for name, widget in self.filters.items():
            if name in self._dates:
                continue
            source = self.frames.localisations if name == "type" else self.frames.rentals
            if name not in source.columns:
                continue
            kept = widget.value
            # not under hold_trait_notifications: ipywidgets would reset the value after us
            widget.options = _options(source, name)
            allowed = {value for _label, value in widget.options}
            widget.value = tuple(v for v in kept if v in allowed)


# --- helpers -----------------------------------------------------------------------------------


def _png_output(figure: Figure, title: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {
        "output_type": "display_data",
        "data": {"image/png": data, "text/plain": f"<chart: {title}>"},
        "metadata": {},
    }


def _options(frame: pd.DataFrame, name: str) -> list[tuple[str, str]]:
    """(label, value) pairs: statuses in lifecycle order; ids labelled like ``CSP+ (102)``."""
    column = frame[name]
    values = sorted({NONE_OPTION if pd.isna(v) else str(v) for v in column})
    if name == "status":
        values = [s for s in STATUS_LABELS if s in values]
    named = labelled_ids(column, frame.get(f"{name}_label"))
    shown = dict(zip(labelled_ids(column), named, strict=True))
    return [(shown.get(v, v), v) for v in values]


def _isin(column: pd.Series, values: Sequence[str]) -> pd.Series:
    text = column.astype("string")
    mask = text.isin([v for v in values if v != NONE_OPTION])
    if NONE_OPTION in values:
        mask |= text.isna()
    return mask.fillna(False).astype(bool)


def _is_date_column(column: pd.Series) -> bool:
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column):
        return True
    name = column.name.lower() if isinstance(column.name, str) else ""
    if "date" not in name and not name.endswith(("_at", "_on")):
        return False
    return bool(_parse_dates(column).notna().any())


def _parse_dates(column: pd.Series) -> pd.Series:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return pd.Series(column.dt.tz_convert(None), index=column.index)
    if pd.api.types.is_datetime64_dtype(column):
        return pd.Series(column, index=column.index)
    text = column.astype("string")
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    return pd.Series(parsed.dt.tz_convert(None), index=column.index)


def _date_mask(column: pd.Series, start: dt.date | None, end: dt.date | None) -> pd.Series:
    dates = _parse_dates(column)
    mask = pd.Series(True, index=column.index)
    if start is not None:
        mask &= (dates >= pd.Timestamp(start)).fillna(False)
    if end is not None:
        mask &= (dates < pd.Timestamp(end) + pd.Timedelta(days=1)).fillna(False)
    return mask


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def _table_html(rentals: pd.DataFrame, rows: int) -> str:
    metadata = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
    columns = [c for c in (*TABLE_COLUMNS, *metadata) if c in rentals.columns]
    head = rentals.loc[:, columns].head(rows)
    caption = f"<p>First {len(head):,} of {len(rentals):,} filtered rentals</p>"
    return caption + head.to_html(index=False, na_rep="", escape=True, border=0)


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
