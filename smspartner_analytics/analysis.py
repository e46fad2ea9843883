"""Aggregates over the frames: each a plain DataFrame in, a plain DataFrame out.

``spend_by`` / ``spend_by_category``: rentals, quantity and spend per category (or any column);
``volume_by_location``: contacts desired, obtained and short per locality (availabilities of
different rentals are never added up); ``status_summary``: rentals
and spend per status; ``spend_over_time``: spend per month (or any period) of a date column that
came with the tokens. Column names are those of ``docs/data-dictionary.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

import pandas as pd

from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.schema import RENTAL_COLUMNS
from smspartner_analytics.frames.arrays import safe_divide
from smspartner_analytics.frames.dates import day_texts, looks_like_dates, read_dates
from smspartner_analytics.frames.dtypes import STATUS_DTYPE

__all__ = [
    "DATE_COLUMN_NAMES",
    "NO_DATA",
    "VOLUME_COLUMNS",
    "rental_labels",
    "spend_by",
    "spend_by_category",
    "spend_over_time",
    "status_summary",
    "volume_by_location",
    "volume_shares",
]

#: The columns of :func:`volume_by_location` after its ``by`` columns, in order.
VOLUME_COLUMNS: Final[tuple[str, ...]] = (
    "rentals",
    "volume_desired",
    "volume_obtained",
    "shortfall",
    "share_obtained",
    "volume_available_max",
)

#: What charts and report tables call the tokens without data (not found, refused,
#: unreadable): one name wherever they are counted beside the statuses.
NO_DATA: Final = "no data"

#: Metadata column names tried, in order, when ``spend_over_time`` is given no ``date_column``.
DATE_COLUMN_NAMES: Final[tuple[str, ...]] = (
    "ordered_on",
    "ordered_at",
    "order_date",
    "date",
    "placed_on",
    "created_at",
    "created_on",
)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} needs the column(s) {', '.join(missing)}: pass the frame from "
            "flatten() or load_frames() (frames.rentals / frames.localisations)."
        )


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as float64, missing (not infinite) where den is 0 or missing."""
    return pd.Series(safe_divide(num, den), index=num.index, dtype="float64")


def spend_by(rentals: pd.DataFrame, by: str | Sequence[str] = "category") -> pd.DataFrame:
    """Rentals, quantity, spend and spend per contact per value of ``by`` (most spent first).

    ``by`` is any column or list of columns: ``category``, ``interest``, ``sexe``, ``status``, a
    metadata column such as ``campaign``... For a column with labels (``category``,
    ``interest``), the label column follows it. Missing values form their own group.
    Columns: ``*by``, [``<by>_label``], rentals, quantity, cost_total, cost_per_contact.
    """
    keys = [by] if isinstance(by, str) else list(by)
    _require(rentals, [*keys, "token", "quantity", "cost_total"], "spend_by")
    labels = [f"{k}_label" for k in keys if f"{k}_label" in rentals.columns]
    groups = [*keys, *labels]
    grouped = rentals.groupby(groups, dropna=False, observed=True, sort=True)
    out = grouped.agg(
        rentals=("token", "size"),
        quantity=("quantity", "sum"),
        cost_total=("cost_total", "sum"),
    ).reset_index()
    order = [c for k in keys for c in (k, f"{k}_label") if c in groups]
    out = out[[*order, "rentals", "quantity", "cost_total"]]
    out["rentals"] = out["rentals"].astype("Int64")
    out["quantity"] = out["quantity"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    out["cost_per_contact"] = _ratio(out["cost_total"], out["quantity"])
    return out.sort_values(["cost_total", "rentals"], ascending=False, kind="stable").reset_index(
        drop=True
    )


def spend_by_category(rentals: pd.DataFrame) -> pd.DataFrame:
    """Columns: category, category_label, rentals, quantity, cost_total, cost_per_contact."""
    return spend_by(rentals, "category")


def volume_by_location(
    localisations: pd.DataFrame, by: str | Sequence[str] = ("type", "location")
) -> pd.DataFrame:
    """What the rentals asked for, obtained and missed per locality (or per ``by``).

    Only quantities that add up across rentals are summed: each rental's availability is its own
    answer for its own targeting, so two rentals in one postcode see overlapping pools and their
    availabilities are never added. Columns: ``*by`` (default type, location), rentals (distinct
    tokens), volume_desired (summed), volume_obtained (min(desired, available) per rental, summed),
    shortfall (each rental's shortfall, summed; ``volume_desired - volume_obtained``),
    share_obtained (volume_obtained / volume_desired over the rentals whose answer gave both
    numbers; missing when that desired is 0) and
    volume_available_max (the largest pool any one of those rentals was told about). Rows where
    desired or available is missing count in neither obtained nor shortfall. Largest shortfall
    first, then largest desired volume.
    """
    return _volume_table(localisations, by, rentals=True)


def volume_shares(
    localisations: pd.DataFrame, by: str | Sequence[str] = ("type", "location")
) -> pd.DataFrame:
    """:func:`volume_by_location` without its ``rentals`` column (same rows, same order).

    Counting distinct tokens per locality is most of the work on millions of rows; the
    share-obtained chart does not show it."""
    return _volume_table(localisations, by, rentals=False)


def _volume_table(
    localisations: pd.DataFrame, by: str | Sequence[str], *, rentals: bool
) -> pd.DataFrame:
    keys = [by] if isinstance(by, str) else list(by)
    cols = ["token", "volume_desired", "volume_available", "shortfall"]
    _require(localisations, [*keys, *cols], "volume_by_location")
    desired = localisations["volume_desired"].astype("Int64")
    available = localisations["volume_available"].astype("Int64")
    rows = localisations[keys].copy()
    rows["token"] = localisations["token"]
    rows["volume_desired"] = desired
    both = pd.concat([desired, available], axis=1)
    rows["volume_obtained"] = both.min(axis=1, skipna=False).astype("Int64")
    rows["shortfall"] = localisations["shortfall"].astype("Int64")
    rows["volume_available_max"] = available
    rows["known_desired"] = desired.where(rows["volume_obtained"].notna())
    grouped = rows.groupby(keys, dropna=False, observed=True, sort=True)
    counted = {"rentals": ("token", "nunique")} if rentals else {}
    out = grouped.agg(
        **counted,
        volume_desired=("volume_desired", "sum"),
        volume_obtained=("volume_obtained", "sum"),
        shortfall=("shortfall", "sum"),
        volume_available_max=("volume_available_max", "max"),
        known_desired=("known_desired", "sum"),
    ).reset_index()
    columns = [c for c in VOLUME_COLUMNS if rentals or c != "rentals"]
    for name in ("rentals", "volume_desired", "volume_obtained", "shortfall"):
        if name in columns:
            out[name] = out[name].astype("Int64")
    out["volume_available_max"] = out["volume_available_max"].astype("Int64")
    out["share_obtained"] = _ratio(out["volume_obtained"], out["known_desired"])
    out = out[[*keys, *columns]]
    out = out.sort_values(["shortfall", "volume_desired"], ascending=False, kind="stable")
    return out.reset_index(drop=True)


def rental_labels(
    rentals: pd.DataFrame, *, tokens: Iterable[str] | None = None, limit: int = 40
) -> dict[str, str]:
    """A short name per token for charts and summaries, from the tokens' own metadata.

    ``"<campaign> · <date>"`` from a ``campaign`` column and the first date column (see
    ``DATE_COLUMN_NAMES``; the day as ``2025-12-31`` however the file wrote it) when the tokens
    came with them; a token whose name is not unique, or who has no metadata, gets the first 8
    characters of its token added (``"aa04a753…"``). With ``tokens``, only those tokens are
    named (a chart's few rows): uniqueness is still judged against every rental, but only the
    rentals that could share a name are looked at.
    """
    if "token" not in rentals.columns or rentals.empty:
        return {}
    columns = [c for c in ("campaign", *_date_columns(rentals)[:1]) if c in rentals.columns]
    pool = rentals
    chosen = None if tokens is None else list(tokens)  # read once: it may be an iterator
    if chosen is not None:
        wanted = rentals["token"].isin(chosen)
        pool = rentals[wanted]
        if columns:  # a rental named like one of them starts with a prefix of that name
            shown = _joined_names(pool, columns)
            prefixes = {n.rsplit(" · ", k)[0] for n in shown for k in range(n.count(" · ") + 1)}
            first = _name_part(rentals, columns[0])
            same = first.isin(sorted(prefixes)) | first.eq("")
            pool = rentals[same.to_numpy(dtype=bool) | wanted.to_numpy(dtype=bool)]
    names = _joined_names(pool, columns)
    keys = pool["token"].astype("string").fillna("")
    clash = names.duplicated(keep=False) | (names == "")
    names = names.where(~clash, (names + " · ").where(names != "", "") + keys.str.slice(0, 8) + "…")
    if chosen is not None:
        keep = pool["token"].isin(chosen)
        keys, names = keys[keep], names[keep]
    return {
        str(t): (n if len(n) <= limit else n[: limit - 1] + "…")
        for t, n in zip(keys, names, strict=True)
    }


def _name_part(rentals: pd.DataFrame, column: str) -> pd.Series:
    """``column`` as a name part: text, empty when missing, dates as their day (``2025-12-31``,
    however the tokens file wrote them)."""
    if column != "campaign":
        return day_texts(rentals[column])
    return rentals[column].astype("string").fillna("")


def _joined_names(rentals: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """The non-empty values of ``columns`` joined by " · " (dates cut to the day), vectorised."""
    names = pd.Series("", index=rentals.index, dtype="string")
    for column in columns:
        part = _name_part(rentals, column)
        names = (names + " · " + part).where((names != "") & (part != ""), names + part)
    return names


def status_summary(rentals: pd.DataFrame) -> pd.DataFrame:
    """Rentals and spend per status: every status, in lifecycle order, zeros included.

    Columns: status, rentals, cost_total. The six rows are always there, so tables and charts
    keep the same shape from one report to the next.
    """
    _require(rentals, ["status", "cost_total"], "status_summary")
    status = rentals["status"].astype(STATUS_DTYPE)
    grouped = rentals["cost_total"].groupby(status, observed=False)
    out = pd.DataFrame(
        {
            "status": pd.Categorical(list(STATUS_DTYPE.categories), dtype=STATUS_DTYPE),
            "rentals": grouped.size().reindex(STATUS_DTYPE.categories, fill_value=0).to_numpy(),
            "cost_total": grouped.sum().reindex(STATUS_DTYPE.categories, fill_value=0.0).to_numpy(),
        }
    )
    out["rentals"] = out["rentals"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    return out


def _date_columns(rentals: pd.DataFrame) -> list[str]:
    """Metadata date columns: those named in ``DATE_COLUMN_NAMES`` first, then any "date"."""
    extra = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
    lowered = {c.lower(): c for c in extra}
    named = [lowered[name] for name in DATE_COLUMN_NAMES if name in lowered]
    return named + [c for c in extra if "date" in c.lower() and c not in named]


def _date_column(rentals: pd.DataFrame) -> str:
    """The first named date column, else the first metadata column holding only dates."""
    columns = _date_columns(rentals)
    if columns:
        return columns[0]
    for column in rentals.columns:
        if column not in RENTAL_COLUMNS and looks_like_dates(rentals[column]):
            return str(column)
    raise InputError(
        "No date column among the tokens' metadata (tried "
        f"{', '.join(DATE_COLUMN_NAMES)}, and columns holding only dates such as 2025-12-31 "
        "or 31/12/2025): pass date_column='...' naming the column that holds each rental's "
        "date, or add such a column to the tokens file."
    )


def spend_over_time(
    rentals: pd.DataFrame, *, date_column: str | None = None, freq: str = "M"
) -> pd.DataFrame:
    """Rentals, quantity and spend per period (``freq``: "M" month, "W" week, "D" day, "Q"...).

    ``date_column`` names a date column that came with the tokens; by default the first of
    ``DATE_COLUMN_NAMES`` present (else any metadata column with "date" in its name, else the
    first one holding only dates, such as ``Commandé le``); none raises ``InputError``. Dates
    are read by ``frames.dates.read_dates``: ISO, or ``31/12/2025`` day first (month first only
    when the column proves it); rows whose date cannot be read are left out, with one
    ``DataWarning`` for the column. Columns: period, rentals, quantity, cost_total (periods in
    time order, empty periods not listed).
    """
    column = date_column or _date_column(rentals)
    _require(rentals, [column, "token", "quantity", "cost_total"], "spend_over_time")
    try:
        pd.Timestamp(0).to_period(freq)
    except ValueError:
        raise InputError(
            f"freq={freq!r} is not a period pandas knows: use 'M' (month), 'W', 'D' or 'Q'."
        ) from None
    periods = read_dates(rentals[column], stacklevel=2).dt.to_period(freq)
    frame = pd.DataFrame(
        {
            "period": periods,
            "token": rentals["token"],
            "quantity": rentals["quantity"],
            "cost_total": rentals["cost_total"],
        }
    ).dropna(subset=["period"])
    out = (
        frame.groupby("period", sort=True)
        .agg(
            rentals=("token", "size"),
            quantity=("quantity", "sum"),
            cost_total=("cost_total", "sum"),
        )
        .reset_index()
    )
    out["rentals"] = out["rentals"].astype("Int64")
    out["quantity"] = out["quantity"].astype("Int64")
    out["cost_total"] = out["cost_total"].astype("float64")
    return out
