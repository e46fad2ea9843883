"""The dashboard's charts: the report's charts (``report.charts``), filtered, as PNG outputs.

Each redraw renders every chart on a new ``Figure`` with the constrained layout engine (no pyplot
state), so labels and titles keep their room however the data changes, and shows it as a PNG
inside an ``ipywidgets.Output``.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any, Final

from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.report.charts import CHARTS as REPORT_CHARTS
from smspartner_analytics.report.charts import chart, render

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["CHARTS", "CHART_SCALE", "DPI", "draw_chart", "pixel_width", "png_output"]

#: The charts' names, in the order the report writes them and the dashboard lays them out.
CHARTS: Final[tuple[str, ...]] = tuple(c.name for c in REPORT_CHARTS)
#: The dashboard shows the report's charts this much smaller, at this resolution.
CHART_SCALE: Final = 0.8
DPI: Final = 80


def pixel_width(name: str) -> int:
    """Width of chart ``name``'s image in the page, in pixels."""
    return round(chart(name).size[0] * CHART_SCALE * DPI)


def draw_chart(name: str, frames: Frames, *, locale: Locale = "en") -> Figure:
    """Chart ``name`` drawn for ``frames`` on a new figure, money and numbers in ``locale``."""
    return render(chart(name), frames, scale=CHART_SCALE, locale=locale)


def png_output(figure: Figure, name: str) -> dict[str, Any]:
    """``figure`` as a ``display_data`` output (PNG) for an ``ipywidgets.Output``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {
        "output_type": "display_data",
        "data": {"image/png": data, "text/plain": f"<chart: {chart(name).title}>"},
        "metadata": {},
    }
