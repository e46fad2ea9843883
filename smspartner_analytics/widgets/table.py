"""The dashboard's summary line and rentals table as HTML, formatted for people.

Money, counts and dates go through ``core.numbers`` and one date format per locale; a missing
value is an empty cell (never ``<NA>`` or ``nan``). Every value is HTML-escaped. Rentals shown
from an earlier answer (``frames.earlier``: the attempt after it failed) are counted on the
summary line and marked in the table: a shaded row and a "Latest attempt" column beside the
status saying when it failed and why (only when some rental kept by the filters has one). A table
wider than the page scrolls sideways in its own box.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from smspartner_analytics.core.earlier import ADVICE, EarlierAnswers, failure_kind
from smspartner_analytics.core.numbers import Locale, count, money
from smspartner_analytics.core.schema import RENTAL_COLUMNS, STATUS_LABELS
from smspartner_analytics.frames.dates import DateOrder, read_dates
from smspartner_analytics.widgets.filters import is_date_column

__all__ = ["TABLE_BOX", "TABLE_COLUMNS", "format_date", "summary_html", "table_html"]

#: The class of the widget holding the table: its box does not grow past the page.
TABLE_BOX = "sa-table-box"
#: Rental columns of the table (when present), then every metadata column, with their headers.
TABLE_COLUMNS: dict[str, str] = {
    "token": "Token",
    "status": "Status",
    "last_attempt_at": "Latest attempt",  # beside the status it may have changed from
    "category_label": "Category",
    "interest_label": "Interest",
    "quantity": "Contacts",
    "cost_total": "Cost",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STYLE = (
    "<style>.sa-scroll{overflow-x:auto;max-width:100%}"
    f".{TABLE_BOX} .widget-html-content{{flex:1 1 auto;min-width:0}}"
    ".sa-table{border-collapse:collapse;font-size:13px}"
    ".sa-table th,.sa-table td{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left;"
    "white-space:nowrap}"
    ".sa-table td.num,.sa-table th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".sa-table th{background:#f3f3f3}"
    ".sa-table tr.sa-earlier td{background:#fff6e0}"
    ".sa-table td.sa-attempt{color:#8a4b00;font-size:12px}</style>"
)
#: The colour of what says a rental is shown from an earlier answer (dark amber: a warning).
_EARLIER_STYLE = "color:#8a4b00"


def format_date(value: Any, *, locale: Locale = "en", time: bool = False) -> str:
    """``2025-01-10`` → ``10 Jan 2025`` (en) or ``10/01/2025`` (fr); empty when missing."""
    if value is None or pd.isna(value):
        return ""
    stamp = pd.Timestamp(value)
    text = (
        f"{stamp.day:02d}/{stamp.month:02d}/{stamp.year}"
        if locale == "fr"
        else f"{stamp.day} {_MONTHS[stamp.month - 1]} {stamp.year}"
    )
    return f"{text} {stamp.hour:02d}:{stamp.minute:02d}" if time else text


def _formatter(name: str, column: pd.Series, locale: Locale) -> tuple[Callable[[Any], str], bool]:
    """How to show one column's values, and whether it is a number (right-aligned)."""
    if name == "cost_total" or name.startswith("cost"):
        return (lambda v: money(float(v), locale=locale)), True
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return (lambda v: count(float(v), locale=locale)), True
    return str, False


def table_html(
    rentals: pd.DataFrame,
    rows: int,
    *,
    locale: Locale = "en",
    orders: Mapping[str, DateOrder] | None = None,
) -> str:
    """The first ``rows`` rentals as an HTML table, with a caption saying how many are shown.

    ``orders``: how date columns read ``a/b/year`` (the filters decide it on the whole column,
    so the table never reads a day the other way round from a few rows)."""
    metadata = [c for c in rentals.columns if c not in RENTAL_COLUMNS]
    columns = [c for c in (*TABLE_COLUMNS, *metadata) if c in rentals.columns]
    if "last_attempt_at" in columns and not rentals["last_attempt_at"].notna().any():
        columns.remove("last_attempt_at")  # no rental kept by the filters has a failed attempt
    head = rentals.loc[:, columns].head(rows)
    for label, ident in (("category_label", "category"), ("interest_label", "interest")):
        if label in head.columns and ident in rentals.columns:  # an id without a label: the id
            ids = rentals.loc[head.index, ident].astype("string")
            head = head.assign(**{label: head[label].astype("string").fillna(ids)})
    cells: dict[str, list[str]] = {}
    numeric: set[str] = set()
    for name in columns:
        column = head[name]
        if name == "last_attempt_at":
            cells[name] = _attempt_notes(rentals.loc[head.index], locale)
            continue
        order = (orders or {}).get(name)
        if order is not None or is_date_column(column):
            dates = read_dates(column, order=order, warn=False)
            has_time = bool(pd.api.types.is_datetime64_any_dtype(column)) or bool(
                (dates.notna() & (dates != dates.dt.normalize())).any()
            )
            raw = column.astype("string").fillna("")  # a value that is no date shows as written
            cells[name] = [
                format_date(v, locale=locale, time=has_time) if pd.notna(v) else str(text)
                for v, text in zip(dates, raw, strict=True)
            ]
            continue
        show, is_number = _formatter(name, column, locale)
        if is_number:
            numeric.add(name)
        cells[name] = ["" if pd.isna(v) else show(v) for v in column.astype(object)]
    header = "".join(
        f'<th class="{"num" if n in numeric else ""}">'
        f"{html.escape(TABLE_COLUMNS.get(n, n.replace('_', ' ').capitalize()))}</th>"
        for n in columns
    )
    marked = cells.get("last_attempt_at", [""] * len(head))
    classes = {
        n: "num" if n in numeric else "sa-attempt" if n == "last_attempt_at" else ""
        for n in columns
    }
    body = "".join(
        ('<tr class="sa-earlier">' if marked[i] else "<tr>")
        + "".join(f'<td class="{classes[n]}">{html.escape(cells[n][i])}</td>' for n in columns)
        + "</tr>"
        for i in range(len(head))
    )
    caption = (
        f"<p>First {count(len(head), locale=locale)} of {count(len(rentals), locale=locale)} "
        "rentals shown by the filters</p>"
    )
    return (  # a table wider than the page scrolls sideways in its own box, never cut off
        f'{_STYLE}{caption}<div class="sa-scroll"><table class="sa-table"><thead><tr>{header}'
        f"</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _attempt_notes(rentals: pd.DataFrame, locale: Locale) -> list[str]:
    """Per row, ``failed 2 Mar 2025 08:00 UTC: refused key`` when the rental is shown from an
    earlier answer (``frames.earlier``), else empty."""
    notes = []
    outcomes = rentals.get("last_attempt_outcome", pd.Series(None, index=rentals.index))
    reasons = rentals.get("last_attempt_reason", pd.Series(None, index=rentals.index))
    for at, outcome, reason in zip(
        rentals["last_attempt_at"], outcomes.astype(object), reasons.astype(object), strict=True
    ):
        if at is None or pd.isna(at):
            notes.append("")
            continue
        stamp = pd.Timestamp(at)
        utc = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        when = format_date(utc, locale=locale, time=True)
        notes.append(f"failed {when} UTC: {failure_kind(outcome, reason)}")
    return notes


def summary_html(
    rentals: pd.DataFrame,
    total_rentals: int,
    errors: int,
    *,
    locale: Locale = "en",
    earlier: EarlierAnswers | None = None,
) -> str:
    """One line: how many rentals the filters keep, their spend, statuses, tokens without data,
    and, when there are some, how many are shown from an earlier answer (``earlier``:
    ``frames.earlier.earlier_answers`` of the rentals kept and the errors) and why."""
    spend = float(rentals["cost_total"].sum()) if "cost_total" in rentals and len(rentals) else 0.0
    by_status: dict[str, int] = {}
    if "status" in rentals:  # counted in the column's own dtype: no text copy of every row
        counts = rentals["status"].value_counts()
        by_status = {str(s): int(n) for s, n in zip(counts.index, counts, strict=True)}
    statuses = ""
    if by_status:
        parts = [
            f"{count(by_status[s], locale=locale)} {s}" for s in STATUS_LABELS if by_status.get(s)
        ]
        statuses = " · " + ", ".join(parts)
    empty = (
        " · <i>no answers in the store yet: run <code>smspartner-analytics fetch TOKENS_FILE"
        "</code>, then Refresh</i>"
        if total_rentals == 0 and errors == 0
        else ""
    )
    return (
        f'<div style="font-size:15px"><b>{count(len(rentals), locale=locale)}</b> of '
        f"{count(total_rentals, locale=locale)} rentals · spend "
        f"<b>{html.escape(money(spend, locale=locale))}</b>{html.escape(statuses)} · "
        f"{count(errors, locale=locale)} {'token' if errors == 1 else 'tokens'} without data"
        f"{_earlier_html(earlier, locale)}{empty}</div>"
    )


def _earlier_html(earlier: EarlierAnswers | None, locale: Locale) -> str:
    """`` · 12 shown from an earlier answer (latest attempt failed: refused key)``, in amber,
    with what to do as its tooltip; empty when none is."""
    if not earlier:
        return ""
    tip = html.escape(f"To update them, {ADVICE}.", quote=True)
    return (  # the count and its words stay on one line when the line wraps
        f' · <span class="sa-earlier" style="{_EARLIER_STYLE}" title="{tip}">'
        f'<span style="white-space:nowrap">{html.escape(earlier.head(locale=locale))}</span> '
        f"({html.escape(earlier.why(locale=locale))})</span>"
    )
