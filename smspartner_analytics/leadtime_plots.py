"""``plot_lead_times``: the distribution of one lead time, drawn as the interval it is.

Each rental's duration is only known between a lower and an upper bound
(:mod:`smspartner_analytics.leadtimes`), so the chart draws two cumulative curves: the share of
rentals done within *t* if every duration were at its lower bound, and if every one were at its
upper bound. The true curve lies in the shaded band between them; a wide band means the rentals
were asked about too rarely to say more. Axes in, Axes out, like :mod:`smspartner_analytics.plots`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from smspartner_analytics.core.errors import InputError
from smspartner_analytics.leadtimes import TRANSITIONS
from smspartner_analytics.plotkit import ensure_layout, literal_texts

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_lead_times"]

LOW_COLOUR: Final = "#3182bd"
HIGH_COLOUR: Final = "#e6550d"
_TITLES: Final = {
    "to_ready": "Time from first seen waiting to ready",
    "ready_to_downloaded": "Time from first seen ready to downloaded",
}
#: (unit name, seconds) from the largest; the axis uses the largest unit the data reaches twice.
_UNITS: Final = (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0), ("seconds", 1.0))


def plot_lead_times(
    lead_times: pd.DataFrame, *, transition: str = "to_ready", ax: Axes | None = None
) -> Axes:
    """The cumulative share of rentals done within a time, as a band between bounds.

    ``lead_times`` is :func:`smspartner_analytics.lead_times`; ``transition`` is ``"to_ready"``
    or ``"ready_to_downloaded"``. Rentals without both bounds for it are left out (the title
    says how many are drawn). Dashed lines mark the median's interval.
    """
    if transition not in TRANSITIONS:
        raise InputError(f"transition must be one of {', '.join(TRANSITIONS)}, not {transition!r}.")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    title = _TITLES[transition]
    low_col, high_col = f"{transition}_low", f"{transition}_high"
    if low_col not in lead_times.columns or high_col not in lead_times.columns:
        raise InputError(f"plot_lead_times needs the table of lead_times (no {low_col!r} column).")
    known = lead_times[lead_times[low_col].notna() & lead_times[high_col].notna()]
    if known.empty:
        ax.text(0.5, 0.5, "No data: no rental was seen both before and after the change",
                ha="center", va="center", transform=ax.transAxes, wrap=True)  # fmt: skip
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        return ax
    low = known[low_col].dt.total_seconds().to_numpy(dtype=float)
    high = known[high_col].dt.total_seconds().to_numpy(dtype=float)
    unit, seconds = _unit(float(np.max(high)))
    low, high = np.sort(low) / seconds, np.sort(high) / seconds
    share = np.arange(1, len(low) + 1) / len(low)
    ax.step(np.r_[0.0, low], np.r_[0.0, share], where="post", color=LOW_COLOUR,
            label="if every duration is at its lower bound")  # fmt: skip
    ax.step(np.r_[0.0, high], np.r_[0.0, share], where="post", color=HIGH_COLOUR,
            label="if every duration is at its upper bound")  # fmt: skip
    grid = np.union1d(np.r_[0.0, low], high)
    below = np.searchsorted(low, grid, side="right") / len(low)
    above = np.searchsorted(high, grid, side="right") / len(high)
    ax.fill_between(grid, above, below, step="post", color="#bdbdbd", alpha=0.5,
                    label="the true curve lies in this band")  # fmt: skip
    median_low, median_high = float(np.median(low)), float(np.median(high))
    for x in (median_low, median_high):
        ax.axvline(x, color="#636363", linestyle="--", linewidth=0.8)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(f"{unit} (median between {median_low:.3g} and {median_high:.3g})")
    ax.set_ylabel("share of rentals done")
    ax.set_title(f"{title}\n{len(low):,} rentals with both bounds")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    ax.grid(axis="both", alpha=0.3)
    literal_texts(ax)  # the charts' shared rules: literal text, a layout engine on the figure
    figure = ax.get_figure(root=True)
    if isinstance(figure, Figure):
        ensure_layout(figure)
    return ax


def _unit(largest_seconds: float) -> tuple[str, float]:
    for name, seconds in _UNITS:
        if largest_seconds >= 2 * seconds:
            return name, seconds
    return _UNITS[-1]
