"""The report's charts, declared once: name, PNG file, title and how each is drawn.

``write_report`` saves every chart of :data:`CHARTS` as ``file_name``; the dashboard shows the same
charts (filtered) under the same ``name``; ``scripts/make_readme_charts.py`` draws them for the
README as ``docs/<name>.png``. Adding a chart here adds it to all three.

Each ``draw`` takes the frames, a matplotlib ``Axes`` and a locale ("en" or "fr", for money and
numbers) and returns the Axes; ``plots`` (which imports matplotlib) is imported only when a chart
is drawn, so importing this module stays light.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.dtypes import Frames

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["CHARTS", "CHART_FILES", "Chart", "chart", "render"]


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart of the report (and of the dashboard and the README)."""

    #: short key: the dashboard's chart and the README picture ``docs/<name>.png``
    name: str
    #: the PNG file ``write_report`` writes
    file_name: str
    #: what the chart shows, in a few words (captions, image descriptions)
    title: str
    #: draws the chart for ``frames`` on ``ax`` in a locale and returns ``ax``
    draw: Callable[[Frames, Axes, Locale], Axes]
    #: figure size in inches for a saved PNG (report and README)
    size: tuple[float, float] = (8.0, 4.5)


def _volume(frames: Frames, ax: Axes, locale: Locale) -> Axes:
    from smspartner_analytics.plots import plot_volume

    return plot_volume(frames.localisations, top=15, locale=locale, ax=ax)


def _volume_per_rental(frames: Frames, ax: Axes, locale: Locale) -> Axes:
    from smspartner_analytics.plots import plot_rental_volume

    return plot_rental_volume(
        frames.localisations, rentals=frames.rentals, top=8, locale=locale, ax=ax
    )


def _spend(frames: Frames, ax: Axes, locale: Locale) -> Axes:
    from smspartner_analytics.plots import plot_spend

    return plot_spend(frames.rentals, by="category", locale=locale, ax=ax)


def _status(frames: Frames, ax: Axes, locale: Locale) -> Axes:
    from smspartner_analytics.plots import plot_status

    return plot_status(frames.rentals, errors=frames.errors, locale=locale, ax=ax)


#: The charts, in the order the report writes them and the dashboard lays them out.
CHARTS: Final[tuple[Chart, ...]] = (
    Chart(
        name="volume",
        file_name="volume_by_location.png",
        title="Share of the desired contacts obtained per locality",
        draw=_volume,
        size=(9.0, 7.0),
    ),
    Chart(
        name="volume_per_rental",
        file_name="volume_per_rental.png",
        title="Desired versus available contacts per rental and locality",
        draw=_volume_per_rental,
        size=(9.0, 6.0),
    ),
    Chart(
        name="spend",
        file_name="spend_by_category.png",
        title="Spend per category",
        draw=_spend,
        size=(8.0, 3.6),
    ),
    Chart(
        name="status",
        file_name="status_breakdown.png",
        title="Rentals per status",
        draw=_status,
        size=(8.0, 4.2),
    ),
)
#: The PNG files ``write_report`` writes, in order.
CHART_FILES: Final[tuple[str, ...]] = tuple(c.file_name for c in CHARTS)


def chart(name: str) -> Chart:
    """The chart called ``name`` (``KeyError`` naming the known charts otherwise)."""
    for candidate in CHARTS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no chart {name!r}; known: {', '.join(c.name for c in CHARTS)}")


def render(chart: Chart, frames: Frames, *, scale: float = 1.0, locale: Locale = "en") -> Figure:
    """``chart`` drawn for ``frames`` on its own ``Figure`` (no pyplot, no global state).

    ``scale`` multiplies the figure size (the dashboard shows the charts a little smaller);
    ``locale`` ("en" or "fr") is how money and numbers read."""
    from matplotlib.figure import Figure

    width, height = chart.size
    figure = Figure(figsize=(width * scale, height * scale), layout="constrained")
    chart.draw(frames, figure.subplots(), locale)
    return figure
