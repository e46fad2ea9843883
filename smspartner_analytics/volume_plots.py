"""Volume charts: the share of desired contacts obtained, and desired versus available per rental.

``plot_volume`` draws what adds up honestly across rentals (see
:func:`smspartner_analytics.analysis.volume_by_location`): one bar per locality, as long as its
desired contacts, split into the share obtained and the share short. Because every bar is on the
same 0-100% scale, a 20-contact locality with 8 short reads as clearly as a 180,000-contact one;
a shortfall under 1% is drawn 1% wide so it never vanishes (its label gives the exact count).
``plot_rental_volume`` keeps the literal "desired versus available" view where it is true, for one
rental in one locality, on a linear scale fitted to the numbers (logarithmic only when they span
more than a hundredfold, so every size fits). Rentals are named by their
campaign and date when the tokens came with them (``rentals=``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from smspartner_analytics import analysis
from smspartner_analytics.core.numbers import Locale, check_locale, count, percent
from smspartner_analytics.plotkit import (
    LITERAL,
    MAX_LABEL,
    SpacedLocator,
    axes_of,
    cut,
    finish,
    label_chars,
    legend_above,
    no_data,
    plot_width_points,
    row_capacity,
    row_fontsize,
    top_with_others,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_rental_volume", "plot_volume"]

OBTAINED: Final = "#9ecae1"
AVAILABLE: Final = "#3182bd"
SHORTFALL: Final = "#e6550d"
OTHERS: Final = "#bdbdbd"
#: A shortfall is drawn at least this share of the axis wide, so that it always shows.
MIN_SHORT: Final = 0.01
#: ``plot_rental_volume`` turns logarithmic when its largest number is this many times its
#: smallest; below, bars keep their true lengths.
LOG_SPAN: Final = 100.0
#: Smallest font size (points) of ``plot_rental_volume``'s value labels: fewer rows below it.
PAIR_FONT: Final = 7.5
VOLUME_BY: Final = ("location", "token", "type")
_NOUNS: Final = {"location": "localities", "token": "rentals", "type": "locality types"}


def plot_volume(
    localisations: pd.DataFrame,
    *,
    by: str = "location",
    top: int = 20,
    rentals: pd.DataFrame | None = None,
    locale: Locale = "en",
    ax: Axes | None = None,
) -> Axes:
    """Share of the desired contacts obtained, per locality (or ``by="type"`` / ``"token"``).

    One bar per row of :func:`analysis.volume_by_location`, 0 to 100% of what was desired: the
    obtained part, then the short part in the shortfall colour (at least 1% wide when there is
    one). Each bar says its desired contacts, the shortfall and the largest pool any of its
    rentals was told about. Beyond ``top`` rows, the largest shortfalls come first and the rest
    are merged into one "others (N)" bar. ``rentals`` (with ``campaign`` / date metadata) names
    the rentals of ``by="token"``; ``locale`` is ``"en"`` or ``"fr"`` for the numbers.
    """
    if by not in VOLUME_BY:
        raise ValueError(f"by must be one of {', '.join(VOLUME_BY)}, not {by!r}")
    check_locale(locale)
    ax = axes_of(ax)
    noun = {"location": "locality", "token": "rental", "type": "locality type"}[by]
    title = f"Share of desired contacts obtained, per {noun}"
    table = _share_table(localisations, by, rentals)
    if table.empty:
        return no_data(ax, title)
    desired, short = int(table["desired"].sum()), int(table["shortfall"].sum())
    room = row_capacity(ax)
    table = top_with_others(table, min(top, room - 1), ["shortfall", "desired"], {"pool": "max"})
    _draw_shares(ax, table, by, locale)
    subtitle = (
        f"{count(desired, locale=locale)} desired · {count(short, locale=locale)} short"
        f" ({percent(short / desired if desired else 0.0, locale=locale)})"
    )
    if table["others"].any():
        shown, rest = len(table) - 1, int(table["count"].iloc[-1])
        subtitle += f"\n{shown} of {shown + rest:,} {_NOUNS[by]}, largest shortfall first"
    finish(ax, f"{title}\n{subtitle}", xlabel="share of the desired contacts", ylabel=None)
    return ax


def plot_rental_volume(
    localisations: pd.DataFrame,
    *,
    rentals: pd.DataFrame | None = None,
    top: int = 20,
    locale: Locale = "en",
    ax: Axes | None = None,
) -> Axes:
    """Desired versus available contacts of one rental in one locality, as the API answered.

    One pair of bars per (rental, locality), largest shortfall first, at most ``top`` pairs and
    no more than fit with 7.5-point labels (the subtitle says how many of how many;
    availabilities of different rentals are never added, so there is no "others" bar). The
    desired bar is split into what is available and the short part (at least 1% of the axis
    wide). The scale is linear, fitted to the numbers shown, unless they span more than
    ``LOG_SPAN`` times: then it is logarithmic, so 20 contacts and 180,000 fit on one chart.
    Rows are named "locality · campaign · date"
    from ``rentals`` metadata when given, else by the token's first characters.
    """
    check_locale(locale)
    ax = axes_of(ax)
    title = "Desired vs available, per rental and locality"
    columns = ["token", "type", "location", "volume_desired", "volume_available", "shortfall"]
    if localisations.empty or any(c not in localisations.columns for c in columns):
        return no_data(ax, title)
    rows = localisations[columns].dropna(subset=["volume_desired", "volume_available"])
    if rows.empty:
        return no_data(ax, title)
    room = row_capacity(ax, lines_per_row=2, font=PAIR_FONT)
    shown = _largest(rows, max(min(top, room), 1), ["shortfall", "volume_desired"])
    names = analysis.rental_labels(rentals, tokens=shown["token"]) if rentals is not None else {}
    labels = [
        f"{r.type} {r.location} · {names.get(str(r.token), str(r.token)[:8] + '…')}"
        for r in shown.itertuples()
    ]
    log = _draw_pairs(ax, shown, labels, locale)
    if len(shown) < len(rows):
        subtitle = (
            f"the {len(shown)} largest shortfalls of {count(len(rows), locale=locale)} "
            "rental-locality pairs"
        )
    else:
        subtitle = f"all {len(rows)} rental-locality pairs, largest shortfall first"
    xlabel = "contacts (log scale)" if log else "contacts"
    finish(ax, f"{title}\n{subtitle}", xlabel=xlabel, ylabel=None)
    return ax


def _largest(rows: pd.DataFrame, n: int, by: list[str]) -> pd.DataFrame:
    """The first ``n`` rows of a stable sort on ``by``, largest first, missing values last."""
    if all(rows[c].notna().all() for c in by):  # nlargest drops missing values: only then
        return rows.nlargest(n, by, keep="first")  # the same rows, without sorting them all
    return rows.sort_values(by, ascending=False, kind="stable").head(n)


# --- plot_volume ---------------------------------------------------------------------------


def _share_table(
    localisations: pd.DataFrame, by: str, rentals: pd.DataFrame | None
) -> pd.DataFrame:
    """label, desired, obtained, shortfall, pool, count, others: one row per group."""
    if localisations.empty:
        return pd.DataFrame()
    if by == "location":
        agg = analysis.volume_shares(localisations)
        several = agg["type"].nunique() > 1
        labels = [
            f"{loc} ({typ})" if several else str(loc)
            for typ, loc in zip(agg["type"], agg["location"], strict=True)
        ]
    else:
        agg = analysis.volume_shares(localisations, by=by)
        names = analysis.rental_labels(rentals) if by == "token" and rentals is not None else {}
        short = (lambda v: v[:8] + "…" if len(v) > 12 else v) if by == "token" else str
        labels = [names.get(str(v), short(str(v))) for v in agg[by]]
    return pd.DataFrame(
        {
            "label": labels,
            "desired": agg["volume_desired"].fillna(0).astype("int64").to_numpy(),
            "obtained": agg["volume_obtained"].fillna(0).astype("int64").to_numpy(),
            "shortfall": agg["shortfall"].fillna(0).astype("int64").to_numpy(),
            "pool": agg["volume_available_max"].fillna(0).astype("int64").to_numpy(),
            "count": 1,
            "others": False,
        }
    )


def _draw_shares(ax: Axes, table: pd.DataFrame, by: str, locale: Locale) -> None:
    desired = table["desired"].to_numpy(dtype="float64")
    short = table["shortfall"].to_numpy(dtype="float64")
    known = table["obtained"].to_numpy(dtype="float64") + short
    share_short = np.divide(short, known, out=np.zeros_like(short), where=known > 0)
    short_w = np.where(short > 0, np.maximum(share_short, MIN_SHORT), 0.0)
    obtained_w = np.where(desired > 0, 1.0 - short_w, 0.0)
    others = table["others"].to_numpy(dtype=bool)
    y = np.arange(len(table), dtype="float64")
    colours = [OTHERS if o else OBTAINED for o in others]
    ax.barh(y, obtained_w, 0.72, color=colours, label="_obtained")
    ax.barh(y, short_w, 0.72, left=obtained_w, color=SHORTFALL, label="_short")
    size = row_fontsize(ax, len(table))
    for i, row in enumerate(table.itertuples()):
        ax.text(0.008, y[i], _share_label(row, locale), va="center", fontsize=size * 0.9, **LITERAL)
    limit = label_chars(ax, size, 40 if by == "token" else MAX_LABEL)
    ax.set_yticks(y, [cut(str(v), limit) for v in table["label"]], fontsize=size, **LITERAL)
    ax.invert_yaxis()
    ax.set_xlim(0.0, 1.0)
    ax.set_xticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: percent(v, decimals=0, locale=locale)))
    handles = [Patch(color=OBTAINED, label="obtained")]
    if (short > 0).any():
        handles.append(Patch(color=SHORTFALL, label="short (drawn ≥1% wide)"))
    if others.any():
        handles.append(Patch(color=OTHERS, label="others, merged"))
    legend_above(ax, handles)


def _share_label(row: object, locale: Locale) -> str:
    desired, short, pool = (int(getattr(row, n)) for n in ("desired", "shortfall", "pool"))
    if desired == 0:
        return f"nothing desired · largest pool {count(pool, locale=locale)}"
    text = f"{count(desired, locale=locale)} desired · "
    text += f"short {count(short, locale=locale)}" if short else "all obtained"
    return text + f" · largest pool {count(pool, locale=locale)}"


# --- plot_rental_volume --------------------------------------------------------------------


def _draw_pairs(ax: Axes, rows: pd.DataFrame, labels: list[str], locale: Locale) -> bool:
    """The bars, their labels and the axis; True when the scale had to be logarithmic."""
    desired = rows["volume_desired"].astype("float64").to_numpy()
    available = rows["volume_available"].astype("float64").to_numpy()
    short = rows["shortfall"].fillna(0).astype("float64").to_numpy()
    top = max(float(desired.max()), float(available.max()), 10.0)
    positive = np.concatenate([desired[desired > 0], available[available > 0]])
    # linear (true lengths) unless the numbers span more than LOG_SPAN: then 20 and 180,000 share
    # the chart on a log scale whose bars start a decade below the smallest number
    log = positive.size > 0 and top / float(positive.min()) > LOG_SPAN
    floor = float(10 ** (np.floor(np.log10(positive.min())) - 1)) if log else 0.0
    decades = float(np.log10(top / floor)) if log else 1.0

    def to_axis(value: np.ndarray) -> np.ndarray:
        """Where values sit along the axis, 0 at ``floor`` and 1 at ``top``."""
        if log:
            return np.asarray(np.log10(np.maximum(value, floor) / floor) / decades)
        return value / top

    # the short part starts where availability ends, at least MIN_SHORT of the axis before desired
    before = desired / 10 ** (MIN_SHORT * 1.2 * decades) if log else desired - MIN_SHORT * top
    start = np.where(short > 0, np.minimum(available, before), desired)
    y = np.arange(len(rows), dtype="float64")
    h = 0.38
    ax.barh(y - h / 2, np.maximum(start, floor) - floor, h, left=floor, color=OBTAINED)
    ax.barh(y - h / 2, desired - start, h, left=start, color=SHORTFALL)
    ax.barh(y + h / 2, np.maximum(available, floor) - floor, h, left=floor, color=AVAILABLE)
    size = min(max(row_fontsize(ax, len(rows) * 2, largest=8.5), PAIR_FONT), 8.5)
    desired_text = [
        f" {count(float(d), locale=locale)} desired"
        + (f" · short {count(float(m), locale=locale)}" if m > 0 else "")
        for d, m in zip(desired, short, strict=True)
    ]
    available_text = [f" {count(float(a), locale=locale)} available" for a in available]
    for i in range(len(rows)):
        ax.text(max(desired[i], floor), y[i] - h / 2, desired_text[i], va="center",
                fontsize=size, **LITERAL)  # fmt: skip
        ax.text(max(available[i], floor), y[i] + h / 2, available_text[i], va="center",
                fontsize=size, **LITERAL)  # fmt: skip
    row_size = row_fontsize(ax, len(rows))
    limit = label_chars(ax, row_size, 46)
    ax.set_yticks(y, [cut(v, limit) for v in labels], fontsize=row_size, **LITERAL)
    # the axis ends where the widest value label ends, not further
    room = plot_width_points(ax)
    need = 0.0
    for value, text in ((desired, desired_text), (available, available_text)):
        widths = np.array([len(t) * 0.55 * size + 3.0 for t in text]) / room
        need = max(need, float(np.max(to_axis(value) / np.clip(1.0 - widths, 0.3, 1.0))))
    end = max(need, 1.0)
    if log:
        ax.set_xscale("log")
        ax.set_xlim(floor, floor * 10 ** (decades * end))
        # as many decades labelled as "1,000,000"-wide labels fit side by side
        ticks = max(2, int(room / 75))
        ax.xaxis.set_major_locator(LogLocator(base=10, numticks=ticks))
        ax.xaxis.set_minor_formatter(NullFormatter())
    else:
        ax.set_xlim(0.0, top * end)
        ax.xaxis.set_major_locator(SpacedLocator(lambda v: count(v, locale=locale)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: count(v, locale=locale)))
    ax.invert_yaxis()
    legend_above(
        ax,
        [
            Patch(color=OBTAINED, label="desired, available"),
            Patch(color=SHORTFALL, label="desired, short"),
            Patch(color=AVAILABLE, label="available"),
        ],
    )
    return bool(log)
