"""Charts of the frames: desired versus available volume, spend, rentals per status.

Each function takes its frame first and everything else by keyword, draws on ``ax`` (or on
``plt.gca()`` when ``ax`` is None), returns the Axes, never calls ``plt.show()`` and never
changes matplotlib's global style. An empty frame gives an Axes saying "No data".

The numbers come from :mod:`smspartner_analytics.analysis`; these functions only draw them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from smspartner_analytics import analysis
from smspartner_analytics.core.numbers import money
from smspartner_analytics.frames.arrays import labelled_ids

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.container import BarContainer

__all__ = ["plot_spend", "plot_status", "plot_volume"]

#: Colours (colour-blind safe pairs): desired, available, desired in shortfall, "others", spend.
DESIRED = "#9ecae1"
AVAILABLE = "#3182bd"
SHORTFALL = "#e6550d"
OTHERS = "#bdbdbd"
SPEND = "#31a354"
STATUS_COLOURS: dict[str, str] = {
    "requested": "#bdbdbd",
    "processing": "#6baed6",
    "ready": "#31a354",
    "failed": "#e6550d",
    "downloaded": "#006d2c",
    "unknown": "#969696",
}
#: Labels longer than this are cut with "…".
MAX_LABEL = 28
VOLUME_BY = ("location", "token", "type")


def plot_volume(
    localisations: pd.DataFrame,
    *,
    by: str = "location",
    top: int = 20,
    ax: Axes | None = None,
) -> Axes:
    """Desired versus available contacts per locality (or per ``by="token"`` / ``"type"``).

    Horizontal grouped bars, one pair per row of :func:`analysis.volume_by_location` (or per
    token / type). Rows with a shortfall (a rental there asked for more than was available;
    ``shortfall`` summed by :mod:`analysis`) draw their desired bar in the shortfall colour,
    labelled "short N".
    With more than ``top`` rows, the ``top`` with the largest shortfall (then the largest desired
    volume) are drawn and the rest are summed into one "others (N)" pair, so the chart reads the
    same with 5 or 500 localities and the problems always come first.
    """
    if by not in VOLUME_BY:
        raise ValueError(f"by must be one of {', '.join(VOLUME_BY)}, not {by!r}")
    ax = _axes(ax)
    title = "Desired vs available contacts per " + ("locality" if by == "location" else by)
    table = _volume_table(localisations, by)
    if table.empty:
        return _no_data(ax, title)
    table = _top_with_others(table, top, ["shortfall", "volume_desired"])
    _draw_volume(ax, table)
    if table["others"].any():
        shown, rest = len(table) - 1, int(table["count"].iloc[-1])
        noun = {"location": "localities", "token": "rentals", "type": "types"}[by]
        title += f"\n{shown} of {shown + rest:,} {noun}, largest shortfall first; the rest summed"
    _finish(ax, title, xlabel="contacts", ylabel=None)
    return ax


def plot_spend(
    rentals: pd.DataFrame,
    *,
    by: str = "category",
    top: int = 15,
    date_column: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Total spend (``cost_total``, euros) per category, interest, sexe, campaign or month.

    Categories and interests are labelled like ``"CSP+ (102)"``; ids without a label show as
    themselves. ``by`` may be any column of ``rentals``; ``by="month"`` groups by the month of
    ``date_column`` (see :func:`analysis.spend_over_time` for the default). Beyond ``top``
    groups, the smallest are summed into one "others (N)" bar.
    """
    ax = _axes(ax)
    if by == "month":
        return _spend_by_month(rentals, date_column, ax)
    title = f"Spend per {by}"
    if rentals.empty:
        return _no_data(ax, title)
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
    table = _top_with_others(table, top, ["cost_total"])
    y = range(len(table))
    bars = ax.barh(y, table["cost_total"], color=[OTHERS if o else SPEND for o in table["others"]])
    ax.set_yticks(list(y), [_cut(str(label)) for label in table["label"]])
    ax.invert_yaxis()
    labels = [
        f"{money(c)} · {n:,} rental{'s' if n != 1 else ''}"
        for c, n in zip(table["cost_total"], table["rentals"], strict=True)
    ]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    _euro_axis(ax.xaxis, float(table["cost_total"].max()))
    ax.margins(x=0.3)
    title += f"\ntotal {money(_total(rentals))}"
    _finish(ax, title, xlabel="spend (€)", ylabel=None)
    return ax


def plot_status(rentals: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Rentals per status, in lifecycle order; each bar says its count and its spend.

    The five statuses of the API are always drawn (a zero bar says "none"); ``unknown`` only
    when some rental has it.
    """
    ax = _axes(ax)
    title = "Rentals per status"
    if rentals.empty or "status" not in rentals.columns:
        return _no_data(ax, title)
    summary = analysis.status_summary(rentals)
    summary = summary[(summary["status"] != "unknown") | (summary["rentals"] > 0)]
    order = [str(s) for s in summary["status"]]
    counts = summary["rentals"].astype("int64")
    spend = summary["cost_total"].astype("float64")
    bars = ax.bar(order, counts, color=[STATUS_COLOURS[s] for s in order])
    labels = [f"{n:,}\n{money(c)}" if n else "0" for n, c in zip(counts, spend, strict=True)]
    ax.bar_label(bars, labels=labels, padding=3, fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    ax.margins(y=0.2)
    title += f"\n{int(counts.sum()):,} rentals · {money(_total(rentals))}"
    _finish(ax, title, xlabel="status", ylabel="rentals")
    return ax


# --- helpers -------------------------------------------------------------------------------


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def _total(rentals: pd.DataFrame) -> float:
    """The whole spend, summed once from the rentals (titles of every chart agree)."""
    return float(rentals["cost_total"].sum())


def _euro_axis(axis: Any, largest: float) -> None:
    """Euro ticks: whole euros once amounts reach 100, cents below."""
    decimals = 0 if abs(largest) >= 100 else 2
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: money(v, decimals=decimals)))


def _no_data(ax: Axes, title: str) -> Axes:
    ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return ax


def _finish(ax: Axes, title: str, *, xlabel: str | None, ylabel: str | None) -> None:
    ax.set_title(title, pad=18 if ax.get_legend() else 6)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    figure = ax.get_figure(root=True)
    if isinstance(figure, Figure) and figure.get_layout_engine() is None:
        figure.tight_layout()  # only when the caller chose no layout engine of their own


def _cut(label: str, limit: int = MAX_LABEL) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _volume_table(localisations: pd.DataFrame, by: str) -> pd.DataFrame:
    """One row per group: label, volume_desired, volume_available, shortfall, count, others."""
    if localisations.empty:
        return pd.DataFrame()
    if by == "location":
        agg = analysis.volume_by_location(localisations)
        several_types = agg["type"].nunique() > 1
        labels = [
            f"{loc} ({typ})" if several_types else str(loc)
            for typ, loc in zip(agg["type"], agg["location"], strict=True)
        ]
    else:
        agg = analysis.volume_by_location(localisations, by=by)
        labels = [str(value) for value in agg[by]]
    return pd.DataFrame(
        {
            "label": labels,
            "volume_desired": agg["volume_desired"].fillna(0).astype("int64").to_numpy(),
            "volume_available": agg["volume_obtained"].fillna(0).astype("int64").to_numpy(),
            "shortfall": agg["shortfall"].fillna(0).astype("int64").to_numpy(),
            "count": 1,
            "others": False,
        }
    )


def _top_with_others(table: pd.DataFrame, top: int, order: list[str]) -> pd.DataFrame:
    """The first ``top`` rows plus one summed "others (N)" row for the rest.

    ``analysis`` already ranks its rows; the stable sort only guards that order."""
    ranked = table.sort_values(order, ascending=False, kind="stable")
    if len(ranked) <= max(top, 1):
        return ranked.reset_index(drop=True)
    head, rest = ranked.iloc[:top], ranked.iloc[top:]
    sums = rest.select_dtypes("number").sum()
    other = {col: sums[col] for col in sums.index}
    other.update(label=f"others ({len(rest):,})", others=True)
    return pd.concat([head, pd.DataFrame([other])], ignore_index=True)


def _draw_volume(ax: Axes, table: pd.DataFrame) -> None:
    height = 0.4
    y = [float(i) for i in range(len(table))]
    # a row is "short" when some rental in it asked for more than was available there
    short = (table["shortfall"] > 0) & ~table["others"]
    desired_colours = [
        OTHERS if o else (SHORTFALL if s else DESIRED)
        for o, s in zip(table["others"], short, strict=True)
    ]
    desired = ax.barh(
        [v - height / 2 for v in y], table["volume_desired"], height, color=desired_colours
    )
    available = ax.barh(
        [v + height / 2 for v in y], table["volume_available"], height, color=AVAILABLE
    )
    notes = [
        f" · short {int(n):,}" if s else "" for n, s in zip(table["shortfall"], short, strict=True)
    ]
    _label_bars(ax, (desired, available), [bool(o) for o in table["others"]], notes)
    ax.set_yticks(y, [_cut(str(label)) for label in table["label"]])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    plain = ~short & ~table["others"]
    handles = [Patch(color=DESIRED, label="desired")] if plain.any() else []
    handles.append(Patch(color=AVAILABLE, label="available"))
    if short.any():
        handles.append(Patch(color=SHORTFALL, label="desired, with a shortfall"))
    if table["others"].any():
        handles.append(Patch(color=OTHERS, label="others (summed)"))
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=len(handles),
        fontsize=8,
        frameon=False,
    )


def _label_bars(
    ax: Axes, groups: tuple[BarContainer, ...], others: list[bool], notes: list[str]
) -> None:
    """Value labels with thousands separators. The x range fits the named rows, so a huge
    "others" bar runs off the right edge with its value written at the edge."""
    widths = [[float(p.get_width()) for p in bars.patches] for bars in groups]
    named = [w for row in widths for w, other in zip(row, others, strict=True) if not other]
    everything = [w for row in widths for w in row]
    limit = max(max(named, default=0.0), 1.0) * 1.25
    clipped = max(everything, default=0.0) > limit * 1.05
    for index, (bars, row) in enumerate(zip(groups, widths, strict=True)):
        labels = [f"{int(w):,}" + (notes[i] if index == 0 else "") for i, w in enumerate(row)]
        if clipped:
            for i, patch in enumerate(bars.patches):
                if others[i]:
                    _edge_label(ax, limit, patch.get_y() + patch.get_height() / 2, labels[i])
                    labels[i] = ""
        ax.bar_label(bars, labels=labels, padding=2, fontsize=7)
    ax.set_xlim(0.0, limit if clipped else max(max(everything, default=0.0), 1.0) * 1.15)


def _edge_label(ax: Axes, x: float, y: float, text: str) -> None:
    box = {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.85}
    ax.text(x * 0.995, y, f"{text} ▸", ha="right", va="center", fontsize=7, bbox=box)


def _group_labels(table: pd.DataFrame, by: str) -> list[str]:
    """``"CSP+ (102)"`` when a ``<by>_label`` column names the id, else the id itself."""
    return labelled_ids(table[by], table.get(f"{by}_label"))


def _month_label(value: object) -> str:
    if isinstance(value, pd.Period | pd.Timestamp):
        return value.strftime("%Y-%m")
    return str(value)


def _spend_by_month(rentals: pd.DataFrame, date_column: str | None, ax: Axes) -> Axes:
    title = "Spend per month"
    if rentals.empty:
        return _no_data(ax, title)
    table = analysis.spend_over_time(rentals, date_column=date_column, freq="M")
    if table.empty:
        return _no_data(ax, title)
    labels = [_month_label(value) for value in table["period"]]
    values = table["cost_total"].astype("float64").to_numpy()
    bars = ax.bar(labels, values, color=SPEND)
    ax.bar_label(bars, labels=[money(float(v)) for v in values], padding=3, fontsize=8)
    _euro_axis(ax.yaxis, float(values.max()))
    ax.tick_params(axis="x", labelrotation=45 if len(labels) > 6 else 0)
    ax.margins(y=0.15)
    _finish(ax, title, xlabel="month", ylabel="spend (€)")
    return ax
