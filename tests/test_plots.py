"""Charts: assertions on the drawn artists (bars, labels, colours), never on pixels."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import matplotlib as mpl
import pandas as pd
import pytest
from helpers import AT, rental_answer
from matplotlib.axes import Axes
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from smspartner_analytics import plots
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.frames.flattening import flatten, join_metadata
from smspartner_analytics.plots import plot_spend, plot_status, plot_volume

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


def test_volume_bars_equal_input_and_shortfall_is_highlighted(ax: Axes) -> None:
    frame = localisations(
        [
            ("t1", "cp", "06200", 10, 266),
            ("t1", "cp", "60200", 1500, 900),
            ("t2", "cp", "75001", 0, 5),
        ]
    )
    assert plot_volume(frame, ax=ax) is ax
    desired, available = bar_groups(ax)
    # ranked by shortfall, then desired: 60200 (shortfall 600), 06200, 75001
    assert tick_texts(ax) == ["60200", "06200", "75001"]
    assert values(desired) == [1500, 10, 0]
    assert values(available) == [900, 10, 0]  # obtained: min(desired, available)
    assert [p.get_height() for p in desired.patches] == [0.4] * 3
    colours = [to_hex(p.get_facecolor()) for p in desired.patches]
    assert colours[0] == plots.SHORTFALL
    assert colours[1] == colours[2] == plots.DESIRED
    assert all(to_hex(p.get_facecolor()) == plots.AVAILABLE for p in available.patches)
    assert "1,500 · short 600" in all_texts(ax)
    legend_box = ax.get_legend()
    assert legend_box is not None
    legend = [t.get_text() for t in legend_box.get_texts()]
    assert any("shortfall" in text for text in legend)
    assert ax.get_title()
    assert ax.get_xlabel() == "contacts"


def test_volume_thousands_separators_in_labels(ax: Axes) -> None:
    plot_volume(localisations([("t1", "cp", "06200", 1234567, 12345)]), ax=ax)
    labels = all_texts(ax)
    assert "12,345" in labels
    assert "1,234,567 · short 1,222,222" in labels


def test_volume_top_n_plus_others(ax: Axes) -> None:
    rows = [("t1", "cp", f"{i:05d}", 100 + i, 1000) for i in range(500)]
    rows.append(("t2", "cp", "99999", 50, 10))  # the only shortfall: ranked first
    frame = localisations(rows)
    plot_volume(frame, top=5, ax=ax)
    desired, available = bar_groups(ax)
    labels = tick_texts(ax)
    assert len(desired.patches) == len(available.patches) == 6
    assert labels[0] == "99999"
    assert labels[1:5] == ["00499", "00498", "00497", "00496"]
    assert labels[-1] == "others (496)"
    rest_desired = sum(100 + i for i in range(496))
    assert values(desired)[-1] == rest_desired
    assert values(available)[-1] == rest_desired  # all obtained
    assert to_hex(desired.patches[-1].get_facecolor()) == plots.OTHERS


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
    desired, _ = bar_groups(ax)
    assert sorted(tick_texts(ax)) == ["t1", "t2"]
    assert sorted(values(desired)) == [7, 15]
    ax.clear()
    plot_volume(frame, by="type", ax=ax)
    assert tick_texts(ax) == ["dep", "cp"]  # dep has the shortfall


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
