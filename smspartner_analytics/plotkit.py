"""Drawing rules shared by every chart: literal text, a layout engine, ticks that never collide.

- Text from the API, a labels file or the tokens' metadata (a locality named ``$\\frac{$``, a
  campaign with a ``$`` in it) is drawn as written: every text artist the charts make gets
  ``LITERAL`` (no mathtext, no TeX), whatever ``rcParams`` say.
- ``finish`` gives the figure a layout engine of its own (``constrained``) when it has none, so
  the layout is redone at every draw and survives ``Figure.clear()`` and dashboard redraws (a
  one-off ``tight_layout()`` leaves a placeholder engine behind and is lost after a clear).
- ``SpacedLocator``: numeric ticks spaced by the width of their own labels, so narrow charts side
  by side never run their tick labels together (``800,0001,000,000``).
- ``row_fontsize``: row labels shrink with the room each row has, so they never overlap.

Hand-written helpers on top of matplotlib's own locators and layout engines: matplotlib spaces
ticks by a fixed three-character estimate and has no "draw this text literally" switch per figure.
"""

from __future__ import annotations

import contextlib
import textwrap
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axis import Axis, XAxis
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "LITERAL",
    "MAX_LABEL",
    "SpacedLocator",
    "axes_of",
    "cut",
    "ensure_layout",
    "finish",
    "label_chars",
    "legend_above",
    "literal_texts",
    "no_data",
    "plot_width_points",
    "row_capacity",
    "row_fontsize",
    "top_with_others",
]

#: Text properties that make matplotlib draw a string exactly as written.
LITERAL: Final[dict[str, Any]] = {"parse_math": False, "usetex": False}
#: Row labels longer than this are cut with "…".
MAX_LABEL: Final = 28
#: Average width of a digit or a currency sign in DejaVu Sans, in ems (0.636), plus a margin.
_CHAR_EM: Final = 0.66


def axes_of(ax: Axes | None) -> Axes:
    """``ax``, or pyplot's current Axes when None (pyplot imported only then)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.gca()


def cut(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` characters with "…"."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def ensure_layout(figure: Figure) -> None:
    """Give ``figure`` the ``constrained`` layout engine unless the caller chose one."""
    engine = figure.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        # a colorbar made under another engine raises: then the caller's layout stays
        with contextlib.suppress(RuntimeError):
            figure.set_layout_engine("constrained")


def literal_texts(ax: Axes) -> None:
    """Make every text artist of ``ax`` (ticks, legend, labels, annotations) literal."""
    texts = [*ax.texts, ax.title, ax._left_title, ax._right_title]  # type: ignore[attr-defined]
    texts += [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
    legend = ax.get_legend()
    if legend is not None:
        texts += legend.get_texts()
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)


def width_points(ax: Axes) -> float:
    """About how wide ``ax`` and its share of the figure's margins are, in points."""
    figure = ax.get_figure(root=True)
    width_in = float(figure.get_size_inches()[0]) if figure is not None else 6.4
    return width_in * 72 * min(1.0, ax.get_position().width / 0.775)


def plot_width_points(ax: Axes) -> float:
    """About how wide the plotting area of ``ax`` is, in points: its share of the figure less
    its row labels."""
    return max(width_points(ax) - _ytick_points(ax), width_points(ax) * 0.3)


def _ytick_points(ax: Axes) -> float:
    """About how wide the y tick labels set so far are, in points."""
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    if not labels:
        return 30.0
    return max(len(t.get_text()) * 0.6 * float(t.get_fontsize()) for t in labels) + 10.0


def wrap(ax: Axes, text: str, fontsize: float, *, less: float = 0.0) -> str:
    """``text`` with each line broken at spaces to fit the width of ``ax`` at ``fontsize``
    (``less``: points of that width taken by something else, such as row labels)."""
    room = max(width_points(ax) - less, width_points(ax) * 0.4)
    chars = max(12, int(room * 0.92 / (fontsize * 0.55)))
    lines = text.split("\n")
    return "\n".join(
        textwrap.fill(line, chars, break_on_hyphens=False) if len(line) > chars else line
        for line in lines
    )


def finish(ax: Axes, title: str, *, xlabel: str | None, ylabel: str | None) -> None:
    """Title (wrapped to the chart's width), axis labels, no top/right spines, literal text,
    a figure layout engine."""
    size = float(FontProperties(size=mpl.rcParams["axes.titlesize"]).get_size_in_points())
    room = max(width_points(ax) - _ytick_points(ax), width_points(ax) * 0.4) * 0.92
    longest = max(len(line) for line in title.split("\n"))
    size = max(9.0, min(size, room / (longest * 0.55)))  # smaller type before more lines
    title = wrap(ax, title, size, less=_ytick_points(ax))
    # above a legend_above legend: its rows of 8-point text, plus a gap
    pad = 6.0 + _LEGEND_ROWS.get(ax, 0) * _LEGEND_POINTS * 1.45
    ax.set_title(title, pad=pad, fontsize=size, **LITERAL)
    if xlabel:
        ax.set_xlabel(xlabel, **LITERAL)
    if ylabel:
        ax.set_ylabel(ylabel, **LITERAL)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    literal_texts(ax)
    figure = ax.get_figure(root=True)
    if isinstance(figure, Figure):
        ensure_layout(figure)


def no_data(ax: Axes, title: str) -> Axes:
    """An Axes that says "No data" under ``title``."""
    ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    finish(ax, title, xlabel=None, ylabel=None)
    return ax


#: Smallest font size (points) a row label is drawn at; below it, fewer rows are drawn.
MIN_FONT: Final = 6.0


def _height_points(ax: Axes) -> float:
    """About how tall the plotting area of ``ax`` is, in points, before layout: the title,
    legend and x axis take about 45% of the figure's share."""
    figure = ax.get_figure(root=True)
    height_in = float(figure.get_size_inches()[1]) if figure is not None else 4.8
    return height_in * 72 * 0.55 * min(1.0, ax.get_position().height / 0.77)


def row_capacity(ax: Axes, *, lines_per_row: int = 1, font: float = MIN_FONT) -> int:
    """How many rows of labels fit on ``ax`` at ``font`` points without touching."""
    return max(1, int(_height_points(ax) / (font * 1.6 * lines_per_row)))


def label_chars(ax: Axes, fontsize: float, limit: int) -> int:
    """How many characters a row label may have: ``limit``, or fewer when row labels that long
    would take more than 40% of the chart's width."""
    return max(12, min(limit, int(width_points(ax) * 0.4 / (fontsize * 0.6))))


def row_fontsize(ax: Axes, rows: int, *, largest: float = 9.0) -> float:
    """A font size (points) for ``rows`` stacked row labels that leaves a gap between them."""
    per_row = _height_points(ax) / max(rows, 1)
    return float(np.clip(per_row / 1.6, MIN_FONT, largest))


#: Rows of the legend ``legend_above`` put over each Axes (the title goes above them).
_LEGEND_ROWS: weakref.WeakKeyDictionary[Axes, int] = weakref.WeakKeyDictionary()
_LEGEND_POINTS: Final = 8.0


def legend_above(ax: Axes, handles: list[Any], *, fontsize: float = _LEGEND_POINTS) -> None:
    """A frameless legend just above ``ax``, in as many columns as its width allows."""
    widths = [(len(h.get_label()) * 0.6 + 3.0) * fontsize for h in handles]
    room, columns, used = plot_width_points(ax) * 0.95, 0, 0.0
    for width in widths:
        if columns and used + width > room:
            break
        used += width
        columns += 1
    columns = max(columns, 1)
    legend = ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncol=columns,
        fontsize=fontsize,
        frameon=False,
        borderaxespad=0.2,
    )
    _LEGEND_ROWS[ax] = -(-len(handles) // columns)
    for text in legend.get_texts():
        text.set_parse_math(False)


def _tick_label_points(axis: Axis, name: str) -> float:
    """The tick labels' font size in points, without creating ticks (no recursion)."""
    size = axis._major_tick_kw.get("labelsize")  # type: ignore[attr-defined]
    if size is None:
        size = mpl.rcParams["xtick.labelsize" if name == "x" else "ytick.labelsize"]
    return float(FontProperties(size=size).get_size_in_points())


class SpacedLocator(MaxNLocator):
    """``MaxNLocator`` with as many ticks as the axis has room for labels as wide as ours.

    ``label`` formats a tick value the way the axis's formatter will; the widest label at the
    view limits sets the spacing (``nbins``), so ``€1,000,000`` gets fewer ticks than ``10%``.
    """

    def __init__(self, label: Callable[[float], str], **kwargs: Any) -> None:
        super().__init__(nbins="auto", **kwargs)
        self._label = label

    def tick_values(self, vmin: float, vmax: float) -> Any:
        axis = self.axis
        if isinstance(axis, Axis) and axis.axes is not None:
            horizontal = isinstance(axis, XAxis)
            bbox = axis.axes.bbox
            length_px = float(bbox.width if horizontal else bbox.height)
            size = _tick_label_points(axis, "x" if horizontal else "y")
            dpi = axis.axes.figure.dpi
            samples = (vmin, vmax, (vmin + vmax) / 2, vmax * 0.95)
            chars = max(len(self._label(v)) for v in samples) if horizontal else 1
            label_px = (chars * _CHAR_EM + 1.5) * float(size) * dpi / 72
            self.set_params(nbins=max(1, int(length_px // label_px)))
        return super().tick_values(vmin, vmax)


def top_with_others(
    table: pd.DataFrame, top: int, order: list[str], how: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The first ``top`` rows (by ``order``, largest first) plus one "others (N)" row.

    The "others" row sums the numeric columns, except those ``how`` maps to another reduction
    (``{"volume_available_max": "max"}``); it has ``others=True`` and ``count`` = rows merged.
    """
    ranked = table.sort_values(order, ascending=False, kind="stable")
    if len(ranked) <= max(top, 1):
        return ranked.reset_index(drop=True)
    head, rest = ranked.iloc[:top], ranked.iloc[top:]
    numeric = rest.select_dtypes("number")
    other: dict[str, Any] = {}
    for column in numeric.columns:
        other[column] = numeric[column].agg((how or {}).get(column, "sum"))
    other.update(label=f"others ({len(rest):,})", others=True)
    return pd.concat([head, pd.DataFrame([other])], ignore_index=True)
