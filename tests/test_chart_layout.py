"""Layout of every chart, measured on the rendered figure: nothing cut, nothing colliding.

Each chart is drawn at several data sizes (1 row, 30 rows, one huge locality, long labels) in the
figure sizes the report, the dashboard and a notebook (two charts side by side) use, then
rendered with Agg. Checks, in pixels: every text artist lies inside the figure; the tick labels
of an axis do not overlap one another; value labels do not overlap one another. The same checks
run on the dashboard after a filter change and a reset (``Figure.clear()`` then redraw).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from itertools import combinations
from typing import Any

import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.leadtime_plots import plot_lead_times
from smspartner_analytics.plots import (
    SHORTFALL,
    plot_rental_volume,
    plot_spend,
    plot_status,
    plot_volume,
)

STATUSES = ["requested", "processing", "ready", "failed", "downloaded", "unknown"]
LONG = "Résidence très longue du Vieux-Port de la Méditerranée, bâtiment " * 2
CAMPAIGNS = ["Black Friday", "Soldes d'hiver", "Printemps 2026", "Fête des mères"]


def make_frames(size: str) -> Frames:
    """Frames for one of the sizes: one, thirty, huge, long."""
    n = {"one": 1, "thirty": 30, "huge": 2, "long": 12}[size]
    rows = []
    for i in range(n):
        desired, available = 200 + 37 * i, 150 + 53 * i
        location = f"{i:05d}" if size != "long" else f"{LONG[: 40 + i]}{i}"
        rows.append((f"{i:040x}", "cp", location, desired, available))
    if size == "huge":
        rows = [
            ("a" * 40, "cp", "75001", 20_000, 180_000),
            ("b" * 40, "cp", "06200", 20, 12),
        ]
    loc = pd.DataFrame(
        rows, columns=["token", "type", "location", "volume_desired", "volume_available"]
    )
    for col in ("volume_desired", "volume_available"):
        loc[col] = loc[col].astype("Int64")
    loc["shortfall"] = (loc["volume_desired"] - loc["volume_available"]).clip(lower=0)
    tokens = list(dict.fromkeys(loc["token"]))
    rentals = pd.DataFrame({"token": pd.Series(tokens, dtype="string")})
    rentals["status"] = pd.Categorical(
        [STATUSES[i % 5] for i in range(len(tokens))], categories=STATUSES
    )
    category = [f"{100 + i}" if size != "long" else f"{LONG[:50]} {i}" for i in range(len(tokens))]
    rentals["category"] = pd.Series(category, dtype="string")
    rentals["quantity"] = pd.array([1000 * (i + 1) for i in range(len(tokens))], dtype="Int64")
    rentals["cost_total"] = [123_456.78 * (i + 1) for i in range(len(tokens))]
    campaign = [CAMPAIGNS[i % 4] if size != "long" else LONG[:60] for i in range(len(tokens))]
    rentals["campaign"] = pd.Series(campaign, dtype="string")
    months = [
        f"2025-{1 + i % 12:02d}-15" if size != "one" else "2025-03-01" for i in range(len(tokens))
    ]
    rentals["ordered_on"] = pd.Series(months, dtype="string")
    errors = pd.DataFrame({"token": pd.Series(["dead" * 10, "beef" * 10], dtype="string")})
    return Frames(rentals=rentals, localisations=loc, errors=errors)


Draw = Callable[[Frames, Axes], Axes]
CHARTS: dict[str, Draw] = {
    "volume": lambda f, ax: plot_volume(f.localisations, top=20, ax=ax),
    "volume_by_type": lambda f, ax: plot_volume(f.localisations, by="type", ax=ax),
    "volume_by_rental": lambda f, ax: plot_volume(
        f.localisations, by="token", rentals=f.rentals, top=15, ax=ax
    ),
    "volume_per_rental": lambda f, ax: plot_rental_volume(
        f.localisations, rentals=f.rentals, top=20, ax=ax
    ),
    "spend": lambda f, ax: plot_spend(f.rentals, ax=ax),
    "spend_fr": lambda f, ax: plot_spend(f.rentals, locale="fr", ax=ax),
    "spend_by_month": lambda f, ax: plot_spend(f.rentals, by="month", ax=ax),
    "status": lambda f, ax: plot_status(f.rentals, errors=f.errors, ax=ax),
    "lead_times": lambda f, ax: plot_lead_times(lead_times(len(f.rentals)), ax=ax),
}


def lead_times(n: int) -> pd.DataFrame:
    """A lead-times table (``sa.lead_times``' bounds) for ``n`` rentals, minutes to days."""
    low = pd.to_timedelta([30 * (i + 1) ** 2 for i in range(n)], unit="min")
    return pd.DataFrame({"to_ready_low": low, "to_ready_high": low * 1.5 + pd.Timedelta("5min")})


SIZES = ("one", "thirty", "huge", "long")
#: (figure size in inches, dpi, charts side by side): report, dashboard, notebook pair.
FIGURES = {
    "report": ((10.0, 6.0), 100, 1),
    "dashboard": ((6.5, 3.2), 90, 1),
    "side_by_side": ((12.0, 4.5), 80, 2),
}


def render(figure: Figure) -> Any:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # type: ignore[no-untyped-call]
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def tick_labels(ax: Axes, which: str, *, minor: bool = False) -> list[Text]:
    """The tick labels matplotlib draws: visible, not empty, their tick within the view."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    low, high = sorted(axis.get_view_interval())
    span = (high - low) * 1e-9
    out = []
    for tick in axis.get_minor_ticks() if minor else axis.get_major_ticks():
        label = tick.label1
        inside = low - span <= tick.get_loc() <= high + span
        if label.get_visible() and label.get_text().strip() and inside:
            out.append(label)
    return out


def texts_of(figure: Figure) -> list[Text]:
    """Every text drawn: titles, labels, value labels, legends, and the tick labels in view."""
    ticks: set[int] = set()
    drawn: list[Text] = []
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                ticks.update({id(tick.label1), id(tick.label2)})
        for which in ("x", "y"):
            drawn += tick_labels(ax, which) + tick_labels(ax, which, minor=True)
    others = [
        t
        for t in figure.findobj(Text)
        if isinstance(t, Text) and id(t) not in ticks and t.get_visible() and t.get_text().strip()
    ]
    return others + drawn


def overlapping(texts: list[Text], renderer: Any) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [
        (a, b)
        for (a, box_a), (b, box_b) in combinations(boxes, 2)
        if Bbox.intersection(box_a.shrunk(0.98, 0.9), box_b.shrunk(0.98, 0.9)) is not None
        and box_a.width > 0
        and box_b.width > 0
    ]


def assert_readable(figure: Figure) -> None:
    renderer = render(figure)
    frame = figure.bbox
    for text in texts_of(figure):
        box = text.get_window_extent(renderer)
        where = f"{text.get_text()!r} at {box} in {frame}"
        assert box.x0 >= frame.x0 - 1, f"runs off the figure's left: {where}"
        assert box.x1 <= frame.x1 + 1, f"runs off the figure's right: {where}"
        assert box.y0 >= frame.y0 - 1, f"runs off the figure's bottom: {where}"
        assert box.y1 <= frame.y1 + 1, f"runs off the figure's top: {where}"
    for ax in figure.axes:
        for which in ("x", "y"):
            clash = overlapping(tick_labels(ax, which), renderer)
            assert not clash, f"{which} tick labels overlap: {clash[:3]}"
        clash = overlapping([t for t in ax.texts if t.get_visible()], renderer)
        assert not clash, f"value labels overlap: {clash[:3]}"
        legend = ax.get_legend()
        frame_texts = [ax.title, ax.xaxis.label, ax.yaxis.label]
        frame_texts += legend.get_texts() if legend is not None else []
        visible = [t for t in frame_texts if t.get_visible() and t.get_text().strip()]
        clash = overlapping(visible, renderer)
        assert not clash, f"title, legend or axis labels overlap: {clash[:3]}"
        if legend is not None:  # the legend box never covers a bar's value label
            box = legend.get_window_extent(renderer)
            for text in ax.texts:
                extent = text.get_window_extent(renderer)
                if text.get_visible() and text.get_text().strip() and extent.width > 0:
                    assert Bbox.intersection(box.shrunk(0.98, 0.9), extent) is None, (
                        f"the legend covers the value label {text.get_text()!r}"
                    )
        neighbours = [a for a in figure.axes if a is not ax]
        for other in neighbours:  # side by side: no label of one chart inside the other
            area = other.get_window_extent(renderer)
            for label in tick_labels(ax, "y"):
                assert Bbox.intersection(label.get_window_extent(renderer), area) is None, (
                    f"{label.get_text()!r} runs into the neighbouring chart"
                )


@pytest.fixture(scope="module")
def frames_by_size() -> dict[str, Frames]:
    return {size: make_frames(size) for size in SIZES}


@pytest.mark.parametrize("figure_kind", list(FIGURES))
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("chart", list(CHARTS))
def test_chart_text_fits_and_never_collides(
    frames_by_size: dict[str, Frames], chart: str, size: str, figure_kind: str
) -> None:
    inches, dpi, columns = FIGURES[figure_kind]
    figure = Figure(figsize=inches, dpi=dpi)  # no layout engine: the chart must bring one
    axes = figure.subplots(1, columns, squeeze=False)[0]
    for ax in axes:
        CHARTS[chart](frames_by_size[size], ax)
    assert_readable(figure)


def test_layout_survives_a_clear_and_a_redraw(frames_by_size: dict[str, Frames]) -> None:
    figure = Figure(figsize=(6.5, 3.2), dpi=90)
    for size in ("long", "one", "long"):
        figure.clear()
        plot_spend(frames_by_size[size].rentals, ax=figure.subplots())
        assert_readable(figure)


def test_a_caller_tight_layout_call_does_not_leave_the_next_draw_unlaid(
    frames_by_size: dict[str, Frames],
) -> None:
    figure = Figure(figsize=(6.5, 3.2), dpi=90)
    figure.subplots()
    figure.tight_layout()  # leaves a placeholder engine behind
    figure.clear()
    plot_spend(frames_by_size["long"].rentals, ax=figure.subplots())
    assert_readable(figure)


def short_bar_pixels(ax: Axes) -> list[float]:
    render(ax.get_figure(root=True))  # type: ignore[arg-type]
    widths = []
    for patch in ax.patches:
        if not isinstance(patch, Rectangle) or to_hex(patch.get_facecolor()) != SHORTFALL:
            continue
        if patch.get_width() > 0:
            widths.append(float(patch.get_window_extent().width))
    return widths


@pytest.mark.parametrize("chart", ["volume", "volume_by_type", "volume_per_rental"])
def test_the_only_shortfall_next_to_a_huge_locality_is_visible(
    frames_by_size: dict[str, Frames], chart: str
) -> None:
    figure = Figure(figsize=(6.5, 3.2), dpi=90)
    ax = figure.subplots()
    CHARTS[chart](frames_by_size["huge"], ax)
    widths = short_bar_pixels(ax)
    assert len(widths) == 1, "one shortfall (8 of 20 contacts), one shortfall bar"
    assert widths[0] >= 3.0, f"the shortfall bar is {widths[0]:.1f} px wide"


def test_a_tiny_share_short_is_still_visible_and_only_the_short_part_is_coloured() -> None:
    frames = make_frames("one")
    loc = frames.localisations.iloc[[0, 0]].reset_index(drop=True)
    loc["token"] = pd.Series(["x" * 40, "y" * 40], dtype="string")
    loc["volume_desired"] = pd.array([2_628, 8], dtype="Int64")
    loc["volume_available"] = pd.array([190_777, 0], dtype="Int64")
    loc["shortfall"] = pd.array([0, 8], dtype="Int64")
    figure = Figure(figsize=(6.5, 3.2), dpi=90)
    ax = figure.subplots()
    plot_volume(loc, by="type", ax=ax)  # cp: 2,636 desired, 8 short
    widths = short_bar_pixels(ax)
    assert len(widths) == 1
    assert widths[0] >= 3.0
    axis_width = ax.get_window_extent().width
    assert widths[0] < 0.05 * axis_width, "only the short part is in the shortfall colour"
    assert any("short 8" in t.get_text() for t in ax.texts)


@pytest.fixture
def dashboard_frames() -> Frames:
    return make_frames("long")


def test_dashboard_charts_stay_readable_after_a_filter_and_a_reset(
    dashboard_frames: Frames,
) -> None:
    pytest.importorskip("ipywidgets")
    from smspartner_analytics.widgets import Dashboard

    board = Dashboard(dashboard_frames)
    for figure in board.figures.values():
        assert_readable(figure)
    board.set_filter("campaign", [str(dashboard_frames.rentals["campaign"].iloc[0])])
    board.set_filter("status", ["ready"])
    for figure in board.figures.values():
        assert figure.get_layout_engine() is not None
        assert_readable(figure)
    board.set_filter("status", None)
    board.set_filter("campaign", None)
    for figure in board.figures.values():
        assert_readable(figure)
        figure.savefig(io.BytesIO(), format="png")


def test_the_report_charts_follow_the_locale(frames_by_size: dict[str, Frames]) -> None:
    from smspartner_analytics.report.charts import CHARTS, render

    frames = frames_by_size["thirty"]
    for chart in CHARTS:
        english = render(chart, frames)
        french = render(chart, frames, locale="fr")
        for figure in (english, french):
            assert_readable(figure)
        texts = " ".join(t.get_text() for t in texts_of(french))
        assert "\u202f" in texts, f"{chart.name}: no French thousands separator"
        assert not re.search(r"\d,\d{3}\b", texts), f"{chart.name}: an English separator"
        assert "\u202f" not in " ".join(t.get_text() for t in texts_of(english))
