"""Charts of the frames: volume obtained and short, spend, rentals per status.

Each function takes its frame first and everything else by keyword, draws on ``ax`` (or on
``plt.gca()`` when ``ax`` is None), returns the Axes, never calls ``plt.show()`` and never
changes matplotlib's global style. An empty frame gives an Axes saying "No data". A figure
without a layout engine is given ``constrained`` (see :mod:`smspartner_analytics.plotkit`), and
every text that comes from the API, a labels file or the tokens' metadata is drawn literally.
``locale="fr"`` writes money and numbers the French way (:mod:`smspartner_analytics.core.numbers`).

The numbers come from :mod:`smspartner_analytics.analysis`; these functions only draw them. The
volume charts live in :mod:`smspartner_analytics.volume_plots` and are re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from smspartner_analytics import analysis
from smspartner_analytics.core.numbers import Locale, check_locale, count, money
from smspartner_analytics.frames.arrays import labelled_ids
from smspartner_analytics.plotkit import (
    LITERAL,
    MAX_LABEL,
    MIN_FONT,
    SpacedLocator,
    axes_of,
    cut,
    finish,
    legend_above,
    no_data,
    row_capacity,
    row_fontsize,
    top_with_others,
    width_points,
)
from smspartner_analytics.volume_plots import (
    AVAILABLE,
    OBTAINED,
    OTHERS,
    SHORTFALL,
    plot_rental_volume,
    plot_volume,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis

__all__ = [
    "AVAILABLE",
    "MAX_LABEL",
    "NO_DATA_LABEL",
    "OBTAINED",
    "OTHERS",
    "SHORTFALL",
    "plot_rental_volume",
    "plot_spend",
    "plot_status",
    "plot_volume",
]

SPEND: Final = "#31a354"
NO_DATA: Final = "#d9d9d9"
NO_DATA_LABEL: Final = analysis.NO_DATA
STATUS_COLOURS: Final[dict[str, str]] = {
    "requested": "#bdbdbd",
    "processing": "#6baed6",
    "ready": "#31a354",
    "failed": "#e6550d",
    "downloaded": "#006d2c",
    "unknown": "#969696",
}


def plot_spend(
    rentals: pd.DataFrame,
    *,
    by: str = "category",
    top: int = 15,
    date_column: str | None = None,
    locale: Locale = "en",
    ax: Axes | None = None,
) -> Axes:
    """Total spend (``cost_total``, euros) per category, interest, sexe, campaign or month.

    Categories and interests are labelled like ``"CSP+ (102)"``; ids without a label show as
    themselves. ``by`` may be any column of ``rentals``; ``by="month"`` groups by the month of
    ``date_column`` (see :func:`analysis.spend_over_time` for the default). Beyond ``top``
    groups, the smallest are summed into one "others (N)" bar.
    """
    check_locale(locale)
    ax = axes_of(ax)
    if by == "month":
        return _spend_by_month(rentals, date_column, locale, ax)
    title = f"Spend per {by}"
    if rentals.empty:
        return no_data(ax, title)
    table = analysis.spend_by(rentals, by)
    table = pd.DataFrame(
        {
            "label": _group_labels(table, by),
            "cost_total": table["cost_total"].astype("float64").to_numpy(),
            "rentals": table["rentals"].astype("int64").to_numpy(),
            "count": 1,
            "others": False,
        }
    )
    table = top_with_others(table, min(top, row_capacity(ax) - 1), ["cost_total"])
    y = list(range(len(table)))
    bars = ax.barh(y, table["cost_total"], color=[OTHERS if o else SPEND for o in table["others"]])
    size = row_fontsize(ax, len(table))
    ax.set_yticks(y, [cut(str(label)) for label in table["label"]], fontsize=size, **LITERAL)
    ax.invert_yaxis()
    labels = [
        f"{money(c, locale=locale)} · {count(n, locale=locale)} rental{'s' if n != 1 else ''}"
        for c, n in zip(table["cost_total"], table["rentals"], strict=True)
    ]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=min(size, 8.0), **LITERAL)
    _money_axis(ax.xaxis, float(table["cost_total"].max()), locale)
    # room on the right for the longest bar label: about its width in data units
    longest = max(len(label) for label in labels)
    ax.margins(x=min(0.15 + longest * 0.012, 0.6))
    title += f"\ntotal {money(_total(rentals), locale=locale)}"
    finish(ax, title, xlabel="spend (€)", ylabel=None)
    return ax


def plot_status(
    rentals: pd.DataFrame,
    *,
    errors: pd.DataFrame | None = None,
    locale: Locale = "en",
    ax: Axes | None = None,
) -> Axes:
    """Rentals per status, in lifecycle order; each bar says its count and its spend.

    The five statuses of the API are always drawn (a zero bar says "0"); ``unknown`` only
    when some rental has it. When ``errors`` (``frames.errors``) has tokens, a last hatched
    "no data" bar counts the tokens without data (not found, refused, unreadable), a legend
    above the chart says what it means and the title says how many, so the bars add up to the
    tokens asked, as in the fetch summary.
    """
    check_locale(locale)
    ax = axes_of(ax)
    title = "Rentals per status"
    missing = _tokens_without_data(errors)
    if rentals.empty or "status" not in rentals.columns:
        note = f"\n{_without_data(missing, locale)}" if missing else ""
        return no_data(ax, title + note)
    summary = analysis.status_summary(rentals)
    summary = summary[(summary["status"] != "unknown") | (summary["rentals"] > 0)]
    order = [str(s) for s in summary["status"]]
    counts = [int(n) for n in summary["rentals"]]
    spend = [float(c) for c in summary["cost_total"]]
    decimals = 0 if max(spend, default=0.0) >= 100 else 2
    labels = [
        f"{count(n, locale=locale)}\n{money(c, decimals=decimals, locale=locale)}" if n else "0"
        for n, c in zip(counts, spend, strict=True)
    ]
    colours = [STATUS_COLOURS[s] for s in order]
    if missing:
        order.append(NO_DATA_LABEL)
        counts.append(missing)
        labels.append(count(missing, locale=locale))
        colours.append(NO_DATA)
    bars = ax.bar(range(len(order)), counts, color=colours)
    if missing:
        bars.patches[-1].set_hatch("//")
    ax.set_xticks(range(len(order)), order, **LITERAL)
    # a label as wide as its bar at most: smaller type, then the count alone
    bar_points = width_points(ax) * 0.8 * 0.8 / len(order)
    widest = max(len(line) for label in labels for line in label.split("\n"))
    size = min(8.0, bar_points / (widest * 0.6))
    if size < MIN_FONT:
        labels = [label.split("\n")[0] for label in labels]
        size = min(8.0, bar_points / (max(len(label) for label in labels) * 0.6))
    ax.bar_label(bars, labels=labels, padding=3, fontsize=max(size, 5.0), **LITERAL)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: count(v, locale=locale)))
    ax.margins(y=0.25)
    total = sum(counts[: len(summary)])
    title += (
        f"\n{count(total, locale=locale)} rentals · "
        f"{money(_total(rentals) if len(rentals) else 0.0, locale=locale)}"
    )
    if missing:
        title += f" · {_without_data(missing, locale)}"
        # above the plot, never over a bar's label
        legend_above(
            ax, [Patch(facecolor=NO_DATA, hatch="//", label=f"{NO_DATA_LABEL}: not found or error")]
        )
    finish(ax, title, xlabel="status", ylabel="tokens" if missing else "rentals")
    return ax


# --- helpers -------------------------------------------------------------------------------


def _tokens_without_data(errors: pd.DataFrame | None) -> int:
    if errors is None or errors.empty:
        return 0
    if "token" in errors.columns:
        return int(errors["token"].nunique(dropna=False))
    return len(errors)


def _total(rentals: pd.DataFrame) -> float:
    """The whole spend, summed once from the rentals (titles of every chart agree)."""
    return float(rentals["cost_total"].sum())


def _money_axis(axis: Axis, largest: float, locale: Locale) -> None:
    """Money ticks (whole euros from 100 up, cents below), as many as their width allows."""
    decimals = 0 if abs(largest) >= 100 else 2

    def label(value: float) -> str:
        return money(value, decimals=decimals, locale=locale)

    axis.set_major_locator(SpacedLocator(label))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: label(v)))


def _group_labels(table: pd.DataFrame, by: str) -> list[str]:
    """``"CSP+ (102)"`` when a ``<by>_label`` column names the id, else the id itself."""
    return labelled_ids(table[by], table.get(f"{by}_label"))


def _month_label(value: object) -> str:
    if isinstance(value, pd.Period | pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)


def _spend_by_month(
    rentals: pd.DataFrame, date_column: str | None, locale: Locale, ax: Axes
) -> Axes:
    title = "Spend per month"
    if rentals.empty:
        return no_data(ax, title)
    table = analysis.spend_over_time(rentals, date_column=date_column, freq="M")
    if table.empty:
        return no_data(ax, title)
    labels = [_month_label(value) for value in table["period"]]
    values = table["cost_total"].astype("float64").to_numpy()
    x = list(range(len(labels)))
    decimals = 0 if float(values.max()) >= 100 else 2
    bars = ax.bar(x, values, color=SPEND)
    pitch = width_points(ax) * 0.8 / len(labels)  # points per bar
    rotate = pitch < 7 * 0.6 * 10  # "2025-01" side by side at 10 points, else turned
    ax.set_xticks(x, labels, rotation=90 if rotate else 0)
    # value labels stay horizontal and readable: when they are wider than a bar, only the
    # largest months are labelled, never two within one label's width of each other
    texts = [money(float(v), decimals=decimals, locale=locale) for v in values]
    size = 8.0
    span = max(1, int(np.ceil((max(len(t) for t in texts) * 0.6 * size + 4.0) / pitch)))
    shown: list[int] = []
    for index in np.argsort(-values, kind="stable"):
        if all(abs(int(index) - other) >= span for other in shown):
            shown.append(int(index))
    ax.bar_label(
        bars,
        labels=[t if i in shown else "" for i, t in enumerate(texts)],
        padding=3,
        fontsize=size,
        **LITERAL,
    )
    _money_axis(ax.yaxis, float(values.max()), locale)
    ax.margins(y=0.15)
    title += f"\ntotal {money(float(values.sum()), locale=locale)}"
    if len(shown) < len(labels):
        title += " · values on the largest months"
    finish(ax, title, xlabel="month", ylabel="spend (€)")
    return ax


def _without_data(missing: int, locale: Locale) -> str:
    """``"1 token without data"``, ``"3 tokens without data"``."""
    return f"{count(missing, locale=locale)} token{'' if missing == 1 else 's'} without data"
