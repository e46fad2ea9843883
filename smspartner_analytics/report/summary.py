"""What the first page of a report says, shared by the workbook and the HTML page.

``summarise`` turns the report tables into ``Summary``: the totals (rentals, errors, contacts,
spend, shortfall...), the date of the data (the latest answer) and where it came from (the store
path, never the key), rentals per status, spend per category and the largest shortfalls.
``report_zone`` resolves the time zone timestamps are shown in (the user's by default).

The zone is found by hand (``TZ``, then the ``/etc/localtime`` link, then the fixed offset Python
reports) rather than with the ``tzlocal`` package: three lines of standard library cover the
machines this runs on, and an unknown zone name must be a one-line error, not a new dependency.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from smspartner_analytics.analysis import NO_DATA, spend_by
from smspartner_analytics.core.earlier import EARLIER_LABEL
from smspartner_analytics.core.errors import ReportError
from smspartner_analytics.core.numbers import Locale
from smspartner_analytics.frames.earlier import earlier_answers

__all__ = [
    "CAMPAIGN",
    "CONTACTS_NOTE",
    "STALE_FACT",
    "TOP_ROWS",
    "Fact",
    "Summary",
    "Zone",
    "report_zone",
    "summarise",
    "to_local",
]

#: Rows of "spend per category" and "top shortfalls" on the first page (all rows are in the
#: tables themselves).
TOP_ROWS: Final = 15

#: The tokens' metadata column summarised on the first page when present.
CAMPAIGN: Final = "campaign"

#: How the three contact totals differ (docs/data-dictionary.md says the same).
CONTACTS_NOTE: Final = (
    "Asked for: the desired volumes added up. Obtained: per rental and locality, the smaller of "
    "desired and available, added up. Billed: the quantity on the rentals, what the API charged."
)

#: The fact counting tokens shown from an earlier answer (only when there are some): the words of
#: ``core.earlier``, as on the dashboard and in ``smspartner-analytics report``.
STALE_FACT: Final = EARLIER_LABEL

FactKind = Literal["int", "money", "unit_money", "ratio", "datetime", "text"]


@dataclass(frozen=True)
class Zone:
    """A time zone and the name said beside every timestamp (``Europe/Paris``, ``UTC+01:00``)."""

    tz: tzinfo
    name: str


@dataclass(frozen=True)
class Fact:
    """One line of the summary: a label, a value (``None`` when unknown) and how to show it."""

    label: str
    value: float | int | datetime | str | None
    kind: FactKind


@dataclass(frozen=True)
class Summary:
    """The first page of a report."""

    facts: list[Fact]
    status: pd.DataFrame
    spend: pd.DataFrame
    shortfalls: pd.DataFrame
    zone: Zone
    locale: Locale
    #: Spend per ``campaign`` when the tokens file had such a column, else None.
    campaigns: pd.DataFrame | None = None
    #: Lines of explanation shown under the totals.
    notes: list[str] = field(default_factory=list)


def _zone_from_link() -> str | None:
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:  # pragma: no cover - realpath does not raise on Linux
        return None
    marker = "zoneinfo" + os.sep
    return target.split(marker, 1)[1] if marker in target else None


def report_zone(name: str | None = None) -> Zone:
    """The zone ``name`` (an IANA name such as ``Europe/Paris``), else the user's own zone.

    The user's zone is ``TZ`` when it names an IANA zone, else the zone ``/etc/localtime`` links
    to, else the fixed UTC offset the system reports now. ``ReportError`` for an unknown name.
    """
    if name:
        try:
            return Zone(ZoneInfo(name), name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ReportError(
                f"Unknown time zone {name!r}: use an IANA name such as Europe/Paris or UTC."
            ) from None
    for candidate in (os.environ.get("TZ", "").lstrip(":"), _zone_from_link()):
        if candidate:
            try:
                return Zone(ZoneInfo(candidate), candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    fixed = timezone(offset)
    return Zone(fixed, "UTC" if offset == timedelta(0) else fixed.tzname(None))


def to_local(series: pd.Series, zone: Zone) -> pd.Series:
    """UTC timestamps as naive wall-clock times in ``zone`` (what Excel and people read)."""
    stamps = series if series.dt.tz is not None else series.dt.tz_localize(UTC)
    local: pd.Series = stamps.dt.tz_convert(zone.tz).dt.tz_localize(None)
    return local


def _latest(tables: Mapping[str, pd.DataFrame], zone: Zone) -> datetime | None:
    stamps = [
        to_local(t["fetched_at"], zone).max()
        for t in tables.values()
        if "fetched_at" in t.columns and t["fetched_at"].notna().any()
    ]
    return max(stamps).to_pydatetime() if stamps else None


def _total(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns or frame.empty:
        return 0.0
    return float(np.nansum(frame[column].to_numpy(dtype="float64", na_value=np.nan)))


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def summarise(
    tables: Mapping[str, pd.DataFrame],
    *,
    source: str | Path | None = None,
    zone: Zone | None = None,
    locale: Locale = "en",
) -> Summary:
    """The summary of the report ``tables`` (``tables.report_tables``), times shown in ``zone``."""
    zone = zone or report_zone()
    rentals, errors = tables["rentals.csv"], tables["errors.csv"]
    quantity, spend = _total(rentals, "quantity"), _total(rentals, "cost_total")
    volume = tables["volume_by_location.csv"]
    desired, obtained = _total(volume, "volume_desired"), _total(volume, "volume_obtained")
    short = volume[volume["shortfall"].fillna(0) > 0] if "shortfall" in volume else volume
    stale = earlier_answers(rentals, errors)
    facts = [
        Fact("Rentals", len(rentals), "int"),
        Fact("Tokens in error", len(errors), "int"),
        *([Fact(STALE_FACT, stale.count, "int")] if stale else []),
        Fact("Contacts billed", round(quantity), "int"),
        Fact("Spend", spend, "money"),
        Fact("Average cost per contact", _ratio(spend, quantity), "unit_money"),
        Fact("Contacts asked for", round(desired), "int"),
        Fact("Contacts obtained (asked for and available)", round(obtained), "int"),
        Fact("Shortfall (asked for, not available)", round(_total(volume, "shortfall")), "int"),
        Fact("Share obtained", _ratio(obtained, desired), "ratio"),
        Fact("Localities short of contacts", len(short), "int"),
        Fact(f"Data as of ({zone.name})", _latest(tables, zone), "datetime"),
        Fact(f"Report written ({zone.name})", _now(zone), "datetime"),
        Fact("Source", str(source) if source is not None else None, "text"),
    ]
    return Summary(
        facts=facts,
        status=_status(tables["status_summary.csv"], errors),
        notes=[CONTACTS_NOTE, *([stale.note(locale=locale)] if stale else [])],
        spend=tables["spend_by_category.csv"].head(TOP_ROWS),
        shortfalls=short.head(TOP_ROWS),
        zone=zone,
        locale=locale,
        campaigns=spend_by(rentals, CAMPAIGN).head(TOP_ROWS) if CAMPAIGN in rentals else None,
    )


def _status(status: pd.DataFrame, errors: pd.DataFrame) -> pd.DataFrame:
    """Tokens per status as the status chart draws them: ``unknown`` only when some rental has
    it, and a last "no data" row for the tokens without data when there are any."""
    table = status[(status["status"].astype("string") != "unknown") | (status["rentals"] > 0)]
    table = table.assign(status=table["status"].astype("string")).rename(
        columns={"rentals": "tokens"}
    )
    missing = int(errors["token"].nunique()) if "token" in errors.columns else len(errors)
    if missing:
        extra = pd.DataFrame({"status": [NO_DATA], "tokens": [missing], "cost_total": [np.nan]})
        table = pd.concat([table, extra.astype(table.dtypes.to_dict())], ignore_index=True)
    return table.reset_index(drop=True)


def _now(zone: Zone) -> datetime:
    return datetime.now(UTC).astimezone(zone.tz).replace(tzinfo=None, microsecond=0)
