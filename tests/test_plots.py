"""Charts: assertions on the drawn artists (bars, labels, colours), never on pixels."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib as mpl
import pandas as pd
import pytest
from helpers import AT, rental_answer
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

from smspartner_analytics import plots
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import flatten, join_metadata
from smspartner_analytics.plots import plot_rental_volume, plot_spend, plot_status, plot_volume

STATUSES = ["requested", "processing", "ready", "failed", "downloaded", "unknown"]


def localisations(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    """Rows of (token, type, location, desired, available) → ``flatten()``'s localisations."""
    by_token: dict[str, list[tuple[str, str, int, int]]] = {}
    for token, kind, where, desired, available in rows:
        by_token.setdefault(token, []).append((kind, where, desired, available))
    answers = [rental_answer(t, locations=locs) for t, locs in by_token.items()]
    return flatten(answers, fetched_at=AT).localisations


def rentals(rows: list[tuple[str, str, str | None, float]]) -> pd.DataFrame:
    """Rows of (token, status, category, cost_total) → ``flatten()``'s rentals, with a
    ``campaign`` column as a tokens file would add it."""
    answers = [
        rental_answer(token, status, category=category, cost_total=cost)
        for token, status, category, cost in rows
    ]
    frame = flatten(answers, fetched_at=AT).rentals
    return join_metadata(frame, {token: {"campaign": "spring"} for token, *_ in rows})


@pytest.fixture
def ax() -> Iterator[Axes]:
    fig = Figure(figsize=(8, 6))
    yield fig.subplots()
    fig.clear()


def bar_groups(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def values(bars: BarContainer) -> list[float]:
    """The drawn size of each bar (width for horizontal bars, height for vertical ones)."""
    horizontal = bars.orientation == "horizontal"
    return [float(p.get_width() if horizontal else p.get_height()) for p in bars.patches]


def tick_texts(ax: Axes, axis: str = "y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def all_texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def has_no_data(ax: Axes) -> bool:
    return "No data" in all_texts(ax)


# --- plot_volume ---------------------------------------------------------------------------


def test_volume_shares_obtained_and_short_per_locality(ax: Axes) -> None:
    frame = localisations(
        [
            ("t1", "cp", "06200", 10, 266),
            ("t1", "cp", "60200", 1500, 900),
            ("t2", "cp", "60200", 500, 900),  # the same postcode, its own (overlapping) pool
            ("t2", "cp", "75001", 0, 5),
        ]
    )
    assert plot_volume(frame, ax=ax) is ax
    obtained, short = bar_groups(ax)
    # ranked by shortfall, then desired: 60200 (shortfall 600), 06200, 75001
    assert tick_texts(ax) == ["60200", "06200", "75001"]
    assert values(obtained) == pytest.approx([1400 / 2000, 1.0, 0.0])
    assert values(short) == pytest.approx([600 / 2000, 0.0, 0.0])
    # the short part starts where the obtained part ends: one bar of 100%, two colours
    assert [p.get_x() for p in short.patches] == pytest.approx(values(obtained))
    assert {to_hex(p.get_facecolor()) for p in short.patches} == {plots.SHORTFALL}
    assert {to_hex(p.get_facecolor()) for p in obtained.patches} == {plots.OBTAINED}
    texts = all_texts(ax)
    # pools are not added up: the largest one any rental saw, labelled as such
    assert "2,000 desired · short 600 · largest pool 900" in texts
    assert "10 desired · all obtained · largest pool 266" in texts
    assert "nothing desired · largest pool 5" in texts
    assert not any("1,800" in t for t in texts)
    legend_box = ax.get_legend()
    assert legend_box is not None
    assert any("short" in t.get_text() for t in legend_box.get_texts())
    assert "2,010 desired · 600 short" in ax.get_title()


def test_volume_thousands_separators_and_french_numbers(ax: Axes) -> None:
    frame = localisations([("t1", "cp", "06200", 1234567, 12345)])
    plot_volume(frame, ax=ax)
    assert "1,234,567 desired · short 1,222,222 · largest pool 12,345" in all_texts(ax)
    ax.clear()
    plot_volume(frame, locale="fr", ax=ax)
    nb = "\u202f"
    assert f"1{nb}234{nb}567 desired · short 1{nb}222{nb}222 · largest pool 12{nb}345" in all_texts(
        ax
    )
    ax.figure.canvas.draw()
    assert "50\u00a0%" in tick_texts(ax, "x")


def test_volume_top_n_plus_others(ax: Axes) -> None:
    rows = [("t1", "cp", f"{i:05d}", 100 + i, 1000 + i) for i in range(500)]
    rows.append(("t2", "cp", "99999", 50, 10))  # the only shortfall: ranked first
    frame = localisations(rows)
    plot_volume(frame, top=5, ax=ax)
    obtained, short = bar_groups(ax)
    labels = tick_texts(ax)
    assert len(obtained.patches) == len(short.patches) == 6
    assert labels[0] == "99999"
    assert labels[1:5] == ["00499", "00498", "00497", "00496"]
    assert labels[-1] == "others (496)"
    rest_desired = sum(100 + i for i in range(496))
    assert f"{rest_desired:,} desired · all obtained · largest pool 1,495" in all_texts(ax)
    assert to_hex(obtained.patches[-1].get_facecolor()) == plots.OTHERS
    assert "5 of 501 localities" in ax.get_title()


def test_volume_five_localities_have_no_others(ax: Axes) -> None:
    frame = localisations([("t1", "cp", f"0{i}000", 10, 20) for i in range(5)])
    plot_volume(frame, top=20, ax=ax)
    assert len(bar_groups(ax)[0].patches) == 5
    assert not any("others" in t for t in tick_texts(ax))


def test_volume_by_token_and_type(ax: Axes) -> None:
    frame = localisations(
        [("t1", "cp", "06200", 10, 20), ("t1", "dep", "06", 5, 1), ("t2", "cp", "75001", 7, 7)]
    )
    plot_volume(frame, by="token", ax=ax)
    assert sorted(tick_texts(ax)) == ["t1", "t2"]
    assert "15 desired · short 4 · largest pool 20" in all_texts(ax)
    ax.clear()
    plot_volume(frame, by="type", ax=ax)
    assert tick_texts(ax) == ["dep", "cp"]  # dep has the shortfall


def test_volume_by_rental_is_named_by_campaign_and_date(ax: Axes) -> None:
    frame = localisations([("a" * 40, "cp", "06200", 10, 5), ("b" * 40, "cp", "06200", 7, 7)])
    meta = rentals([("a" * 40, "ready", "102", 1.0), ("b" * 40, "ready", "102", 1.0)])
    meta["campaign"] = pd.Series(["Soldes", "Noël"], dtype="string")
    meta["ordered_on"] = pd.Series(["2025-01-15", "2025-12-01"], dtype="string")
    plot_volume(frame, by="token", rentals=meta, ax=ax)
    assert tick_texts(ax) == ["Soldes · 2025-01-15", "Noël · 2025-12-01"]
    ax.clear()
    plot_volume(frame, by="token", ax=ax)
    assert tick_texts(ax) == ["aaaaaaaa…", "bbbbbbbb…"]


def test_rental_volume_is_the_literal_view_per_rental_and_locality(ax: Axes) -> None:
    frame = localisations(
        [("a" * 40, "cp", "06200", 20, 12), ("b" * 40, "cp", "06200", 20_000, 180_000)]
    )
    meta = rentals([("a" * 40, "ready", "102", 1.0), ("b" * 40, "ready", "102", 1.0)])
    meta["campaign"] = pd.Series(["Soldes", "Noël"], dtype="string")
    meta["ordered_on"] = pd.Series(["2025-01-15", "2025-12-01"], dtype="string")
    assert plot_rental_volume(frame, rentals=meta, ax=ax) is ax
    assert tick_texts(ax) == ["cp 06200 · Soldes · 2025-01-15", "cp 06200 · Noël · 2025-12-01"]
    _, desired_short, available = bar_groups(ax)
    assert [p.get_x() + p.get_width() for p in available.patches] == pytest.approx([12, 180_000])
    assert [p.get_x() for p in desired_short.patches] == pytest.approx([12, 20_000])
    assert [p.get_x() + p.get_width() for p in desired_short.patches] == pytest.approx([20, 20_000])
    assert " 20 desired · short 8" in all_texts(ax)
    assert ax.get_xscale() == "log"


def test_volume_mixed_types_show_the_type_and_long_labels_are_cut(ax: Axes) -> None:
    long = "A" * 60
    frame = localisations([("t1", "cp", "06200", 10, 20), ("t1", "dep", long, 5, 10)])
    plot_volume(frame, ax=ax)
    labels = tick_texts(ax)
    assert "06200 (cp)" in labels
    cut = next(t for t in labels if t.startswith("AAA"))
    assert cut.endswith("…")
    assert len(cut) == plots.MAX_LABEL


def test_volume_bad_by_is_a_clear_error(ax: Axes) -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        plot_volume(localisations([]), by="colour", ax=ax)


# --- plot_spend ----------------------------------------------------------------------------


def test_spend_per_category_labels_values_and_currency(ax: Axes) -> None:
    frame = rentals(
        [
            ("a", "ready", "102", 0.9),
            ("b", "ready", "102", 2.1),
            ("c", "failed", "103", 1.25),
            ("d", "ready", "999", 5.0),
        ]
    )
    assert plot_spend(frame, ax=ax) is ax
    (bars,) = bar_groups(ax)
    assert tick_texts(ax) == ["999", "CSP+ (102)", "CSP- (103)"]
    assert [round(v, 6) for v in values(bars)] == [5.0, 3.0, 1.25]
    assert all_texts(ax) == ["€5.00 · 1 rental", "€3.00 · 2 rentals", "€1.25 · 1 rental"]
    assert "total €9.25" in ax.get_title()
    ax.figure.canvas.draw()
    assert any(t.startswith("€") for t in tick_texts(ax, "x") if t)
    assert "€" in ax.get_xlabel()


def test_spend_by_metadata_column_with_others(ax: Axes) -> None:
    frame = rentals([(f"t{i}", "ready", "102", float(i + 1)) for i in range(6)])
    frame["campaign"] = pd.Series([f"c{i}" for i in range(6)], dtype="string")
    plot_spend(frame, by="campaign", top=3, ax=ax)
    (bars,) = bar_groups(ax)
    assert tick_texts(ax) == ["c5", "c4", "c3", "others (3)"]
    assert values(bars) == [6.0, 5.0, 4.0, 6.0]


def test_spend_by_month(ax: Axes) -> None:
    frame = rentals(
        [("a", "ready", "102", 1.0), ("b", "ready", "102", 2.0), ("c", "ready", "103", 4.0)]
    )
    frame["ordered_at"] = pd.to_datetime(["2025-01-05", "2025-01-20", "2025-03-02"])
    plot_spend(frame, by="month", date_column="ordered_at", ax=ax)
    (bars,) = bar_groups(ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-03"]
    assert values(bars) == [3.0, 4.0]
    assert "€3.00" in all_texts(ax)


# --- plot_status ---------------------------------------------------------------------------


def test_status_in_lifecycle_order_with_count_and_spend(ax: Axes) -> None:
    frame = rentals(
        [
            ("a", "downloaded", "102", 0.9),
            ("b", "requested", "102", 1.0),
            ("c", "downloaded", "103", 2.0),
            ("d", "failed", "103", 0.0),
        ]
    )
    assert plot_status(frame, ax=ax) is ax
    (bars,) = bar_groups(ax)
    assert tick_texts(ax, "x") == ["requested", "processing", "ready", "failed", "downloaded"]
    assert values(bars) == [1, 0, 0, 1, 2]
    assert "2\n€2.90" in all_texts(ax)
    assert "4 rentals · €3.90" in ax.get_title()
    assert to_hex(bars.patches[3].get_facecolor()) == plots.STATUS_COLOURS["failed"]


def test_status_unknown_only_when_present(ax: Axes) -> None:
    frame = rentals([("a", "unknown", "102", 1.0)])
    plot_status(frame, ax=ax)
    assert tick_texts(ax, "x")[-1] == "unknown"
    assert values(bar_groups(ax)[0]) == [0, 0, 0, 0, 0, 1]


# --- shared behaviour ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        lambda ax: plot_volume(localisations([]), ax=ax),
        lambda ax: plot_spend(rentals([]), ax=ax),
        lambda ax: plot_spend(rentals([]), by="month", ax=ax),
        lambda ax: plot_status(rentals([]), ax=ax),
        lambda ax: plot_spend(pd.DataFrame(), ax=ax),
        lambda ax: plot_status(pd.DataFrame(), ax=ax),
    ],
)
def test_empty_input_says_no_data(ax: Axes, draw: Callable[[Axes], Axes]) -> None:
    assert draw(ax) is ax
    assert has_no_data(ax)
    assert not bar_groups(ax)


def test_without_ax_draws_on_current_axes_and_leaves_global_style_alone() -> None:
    import matplotlib.pyplot as plt

    before = dict(mpl.rcParams)
    try:
        plt.figure()
        current = plt.gca()
        frame = localisations([("t1", "cp", "06200", 10, 20)])
        assert plot_volume(frame) is current
        assert plot_spend(rentals([("a", "ready", "102", 1.0)])) is current
        assert plot_status(rentals([("a", "ready", "102", 1.0)])) is current
        assert dict(mpl.rcParams) == before
    finally:
        plt.close("all")


def test_spend_by_month_uses_the_tokens_order_date_by_default(ax: Axes) -> None:
    frame = rentals([("a", "ready", "102", 1.0), ("b", "ready", "102", 2.0)])
    frame["ordered_on"] = pd.Series(["2025-04-30", "2025-05-01"], dtype="string")
    plot_spend(frame, by="month", ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-04", "2025-05"]


def test_spend_by_a_missing_column_is_a_clear_error(ax: Axes) -> None:
    frame = rentals([("a", "ready", "102", 1.0)])
    with pytest.raises(InputError, match="campagne"):
        plot_spend(frame, by="campagne", ax=ax)
    with pytest.raises(InputError, match="date_column"):
        plot_spend(frame.drop(columns=["campaign"]), by="month", ax=ax)


# --- text from the API, labels and metadata is drawn as written -------------------------------

MATH = r"$\frac{$"


def mathtext_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    loc = localisations([("a", "cp", MATH, 20, 12), ("b", "dep", "$x^2$", 5, 9)])
    meta = rentals([("a", "ready", "102", 1.0), ("b", "failed", "$x$", 2.0)])
    meta["category_label"] = pd.Series([r"$\alpha$ CSP", None], dtype="string")
    meta["campaign"] = pd.Series([r"50$ \sqrt{", "$$"], dtype="string")
    meta["ordered_on"] = pd.Series(["2025-01-15", "2025-02-01"], dtype="string")
    return loc, meta


@pytest.mark.parametrize(
    "draw",
    [
        lambda ax, loc, meta: plot_volume(loc, ax=ax),
        lambda ax, loc, meta: plot_volume(loc, by="token", rentals=meta, ax=ax),
        lambda ax, loc, meta: plot_rental_volume(loc, rentals=meta, ax=ax),
        lambda ax, loc, meta: plot_spend(meta, ax=ax),
        lambda ax, loc, meta: plot_spend(meta, by="campaign", ax=ax),
    ],
)
def test_text_with_dollars_is_drawn_literally(draw: Any) -> None:
    loc, meta = mathtext_frames()
    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    draw(ax, loc, meta)
    fig.savefig(io.BytesIO(), format="png")  # mathtext would raise ParseSyntaxException here
    texts = [t for t in fig.findobj(Text) if isinstance(t, Text) and "$" in t.get_text()]
    assert texts, "the test data reaches the chart"
    for text in texts:
        assert not text.get_parse_math(), f"{text.get_text()!r} would be read as mathtext"
        assert not text.get_usetex()


def test_a_report_with_dollars_in_labels_writes_its_charts(tmp_path: Path) -> None:
    from smspartner_analytics.frames.dtypes import Frames
    from smspartner_analytics.report.writer import CHART_FILES, write_report

    loc, meta = mathtext_frames()
    errors = pd.DataFrame({"token": pd.Series([], dtype="string")})
    written = write_report(Frames(rentals=meta, localisations=loc, errors=errors), tmp_path)
    assert {p.name for p in written} >= set(CHART_FILES)
    assert all((tmp_path / name).stat().st_size > 1000 for name in CHART_FILES)


# --- status: tokens without data --------------------------------------------------------------


def test_status_counts_tokens_without_data(ax: Axes) -> None:
    frame = rentals([("a", "ready", "102", 1.0), ("b", "downloaded", "102", 2.0)])
    errors = pd.DataFrame({"token": pd.Series(["x", "y", "z"], dtype="string")})
    plot_status(frame, errors=errors, ax=ax)
    (bars,) = bar_groups(ax)
    assert tick_texts(ax, "x")[-1] == "no data"
    assert values(bars) == [0, 0, 1, 0, 1, 3]
    assert sum(values(bars)) == 5  # the tokens asked, as the fetch summary counts them
    assert "3 tokens without data" in ax.get_title()
    assert "2 rentals" in ax.get_title()


def test_status_in_french(ax: Axes) -> None:
    frame = rentals([("a", "ready", "102", 1234.5)])
    plot_status(frame, locale="fr", ax=ax)
    assert "1\n1\u202f234,50\u00a0€" in all_texts(ax) or "1\n1\u202f234\u00a0€" in all_texts(ax)


def test_status_without_missing_tokens_has_no_no_data_bar_nor_legend(ax: Axes) -> None:
    frame = rentals([("a", "ready", "102", 1.0), ("b", "downloaded", "102", 2.0)])
    empty = pd.DataFrame({"token": pd.Series([], dtype="string")})
    plot_status(frame, errors=empty, ax=ax)
    assert "no data" not in tick_texts(ax, "x")
    assert ax.get_legend() is None
    assert "without data" not in ax.get_title()
    assert ax.get_ylabel() == "rentals"


def test_rental_volume_at_report_size_is_linear_fitted_and_readable() -> None:
    from smspartner_analytics.report.charts import chart, render

    rows = [
        (f"{i:040x}", "cp", f"{i:05d}", 1_000 + 300 * i, 900 + 280 * i - 5 * i) for i in range(40)
    ]
    frames = Frames(
        rentals=pd.DataFrame(), localisations=localisations(rows), errors=pd.DataFrame()
    )
    ax = render(chart("volume_per_rental"), frames).axes[0]
    assert ax.get_xscale() == "linear", "a fivefold span keeps true bar lengths"
    assert ax.get_xlim()[0] == 0
    largest = 1_000 + 300 * 39
    assert ax.get_xlim()[1] <= largest * 1.6, "the axis ends near the data"
    _, _, available = bar_groups(ax)
    assert sorted(values(available), reverse=True)[0] == 900 + 280 * 39 - 5 * 39
    assert min(float(t.get_fontsize()) for t in ax.texts) >= 7.5
    shown = len(available.patches)
    assert 1 <= shown < 40
    assert f"the {shown} largest shortfalls of 40 rental-locality pairs" in ax.get_title()


@pytest.mark.parametrize("months", [9, 36])
def test_spend_by_month_value_labels_are_horizontal_and_readable(months: int) -> None:
    ax = Figure(figsize=(10, 4)).subplots()  # notebook 03's size
    frame = rentals([(f"t{i}", "ready", "102", 100.0 + 37 * i) for i in range(months)])
    frame["ordered_at"] = pd.date_range("2023-01-01", periods=months, freq="MS")
    plot_spend(frame, by="month", date_column="ordered_at", ax=ax)
    shown = [t for t in ax.texts if t.get_text()]
    assert shown
    assert all(t.get_rotation() == 0 for t in shown)
    assert min(float(t.get_fontsize()) for t in shown) >= 8
    if months == 9:
        assert len(shown) == 9, "nine months: every bar says its spend"
    else:
        assert "€1,395" in [t.get_text() for t in shown], "the largest month is labelled"
        assert "values on the largest months" in ax.get_title()
