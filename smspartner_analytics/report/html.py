"""``report.html``: the summary, the charts and the tables that matter, in one offline file.

Everything is inside the file: the style sheet, the charts of ``report.charts`` as inline SVG
(each on its own ``Figure``, text kept as text), no script, no
font, image or link to fetch. A Content-Security-Policy forbids scripts and outside requests,
and every text from the API, the labels or the tokens' metadata goes through ``html.escape``:
a campaign named ``<script>`` is shown, not run. The page reads on a phone (tables scroll
sideways, charts shrink) and prints on A4 (no section cut across pages where avoidable).

Hand-written HTML rather than a template engine: one page with a fixed layout, and the
standard library's ``html.escape`` is the whole escaping story.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from smspartner_analytics.core.numbers import Locale, count, money, percent
from smspartner_analytics.core.redaction import redact
from smspartner_analytics.report.charts import CHARTS, render
from smspartner_analytics.report.columns import Kind, column_kind, header
from smspartner_analytics.report.csvfiles import atomic_path
from smspartner_analytics.report.summary import Fact, Summary, to_local

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from smspartner_analytics.frames.dtypes import Frames

__all__ = ["CHART_IDS", "HTML_FILE", "render_html", "write_html"]

HTML_FILE: Final = "report.html"
#: The ``id`` of each chart's ``<figure>``.
CHART_IDS: Final[tuple[str, ...]] = tuple(f"chart-{c.name}" for c in CHARTS)
_ERROR_ROWS: Final = 15
_CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_STYLE: Final = """
:root { color-scheme: light; --ink: #1b1f23; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 62rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line); }
.meta { color: var(--muted); margin: 0 0 1rem; overflow-wrap: anywhere; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr));
  gap: .5rem; margin: 0; }
dl.facts div { border: 1px solid var(--line); border-radius: 6px; padding: .45rem .6rem; }
dl.facts div.wide { grid-column: 1 / -1; }
dl.facts dt { color: var(--muted); font-size: .8rem; }
dl.facts dd { margin: 0; font-size: 1.05rem; font-weight: 600; overflow-wrap: anywhere; }
figure { margin: 1rem 0; overflow-x: auto; }
figure svg { width: 100%; min-width: 34rem; height: auto; display: block; }
figcaption { color: var(--muted); font-size: .85rem; }
p.note { color: var(--muted); font-size: .9rem; margin: .75rem 0 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; min-width: 100%; font-size: .9rem; }
th, td { padding: .3rem .5rem; border-bottom: 1px solid var(--line); text-align: left;
  white-space: nowrap; }
th { background: #f0f4f8; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { white-space: normal; overflow-wrap: anywhere; max-width: 28rem; }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  .scroll, figure { overflow: visible; }
  figure svg { min-width: 0; }
  figure, table, dl.facts div { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _fact(fact: Fact, locale: Locale) -> str:
    return _value(fact.value, fact.kind, locale, date_format=_date_format(locale))


def _date_format(locale: Locale) -> str:
    return "%d/%m/%Y %H:%M" if locale == "fr" else "%Y-%m-%d %H:%M"


def _value(value: object, kind: Kind, locale: Locale, *, date_format: str) -> str:
    """One value as text for people, in ``locale`` (``""`` for a missing one)."""
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, int | float | np.number):
        number = float(value)
        if kind == "int":
            return count(number, locale=locale)
        if kind in ("money", "unit_money"):
            return money(number, decimals=3 if kind == "unit_money" else 2, locale=locale)
        if kind == "ratio":
            return percent(number, locale=locale)
    if kind == "datetime" and isinstance(value, datetime):
        return value.strftime(date_format)
    return str(value)


def _table(frame: pd.DataFrame, summary: Summary, secrets: list[str], *, empty: str) -> str:
    """``frame`` as an HTML table (numbers right-aligned, empty cells for missing values), or the
    sentence ``empty`` as a paragraph when it has no rows."""
    frame = frame.reset_index(drop=True)
    if frame.empty:
        return f'<p class="none">{_e(empty)}</p>'

    head, columns = [], []
    for name in frame.columns:
        kind = column_kind(frame[name])
        series = to_local(frame[name], summary.zone) if kind == "datetime" else frame[name]
        label = header(str(name))
        label = f"{label} ({summary.zone.name})" if kind == "datetime" else label
        css = "text" if kind == "text" else "num"
        head.append(f'<th scope="col" class="{css}">{_e(redact(label, secrets))}</th>')
        cells = []
        for raw in series.astype(object).where(series.notna(), None).tolist():
            if isinstance(raw, pd.Timestamp):
                raw = raw.to_pydatetime()
            shown = _value(raw, kind, summary.locale, date_format=_date_format(summary.locale))
            if kind == "text":
                shown = redact(shown, secrets)
            cells.append(
                f'<td class="{css}">{_e(shown)}</td>' if shown else '<td class="empty"></td>'
            )
        columns.append(cells)
    rows = ["<tr>" + "".join(r) + "</tr>" for r in zip(*columns, strict=True)]
    return (
        '<div class="scroll"><table><thead><tr>' + "".join(head) + "</tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div>"
    )  # fmt: skip


def _svg(figure: Figure) -> str:
    """One chart as inline SVG markup, without the XML prologue and doctype (no outside DTD)."""
    import matplotlib as mpl

    buffer = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "smspartner-analytics"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    return re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.DOTALL)


def _charts(frames: Frames, locale: Locale) -> list[tuple[str, str, str]]:
    """(figure id, caption, SVG) for each chart of ``report.charts``, numbers in ``locale``."""
    return [(f"chart-{c.name}", c.title, _svg(render(c, frames, locale=locale))) for c in CHARTS]


def _errors(errors: pd.DataFrame) -> pd.DataFrame:
    """Tokens in error per code and message, most frequent first."""
    if errors.empty:
        return pd.DataFrame({"error_code": pd.Series([], dtype="Int64"), "error_message": [],
                             "tokens": pd.Series([], dtype="Int64")})  # fmt: skip
    grouped = errors.groupby(["error_code", "error_message"], dropna=False, observed=True)
    out = grouped.size().rename("tokens").reset_index()
    out["tokens"] = out["tokens"].astype("Int64")
    out = out.sort_values("tokens", ascending=False, kind="stable").head(_ERROR_ROWS)
    return out.reset_index(drop=True)


def render_html(
    frames: Frames,
    tables: Mapping[str, pd.DataFrame],
    summary: Summary,
    *,
    secrets: list[str] | None = None,
) -> str:
    """The whole page as text."""
    hidden = [s for s in secrets or [] if s]
    locale = summary.locale
    facts = "".join(
        f"<div{' class=wide' if f.kind == 'text' else ''}><dt>{_e(f.label)}</dt>"
        f"<dd>{_e(redact(_fact(f, locale), hidden)) or '-'}</dd></div>"
        for f in summary.facts
    )
    charts = "".join(
        f'<figure id="{cid}">{svg}<figcaption>{_e(caption)}</figcaption></figure>'
        for cid, caption, svg in _charts(frames, locale)
    )
    sections = [
        ("Rentals per status", summary.status, "No rentals."),
        ("Spend per category (most spent first)", summary.spend, "No spend."),
        ("Top shortfalls (localities short of contacts)", summary.shortfalls, "No shortfall."),
        *(
            [("Spend per campaign", summary.campaigns, "No campaign.")]
            if summary.campaigns is not None
            else []
        ),
        ("Errors by message", _errors(tables["errors.csv"]), "No errors."),
    ]
    body = "".join(
        f"<h2>{_e(t)}</h2>{_table(f, summary, hidden, empty=none)}" for t, f, none in sections
    )
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in summary.notes)
    title = "SMS Partner rentals report"
    return (
        f'<!DOCTYPE html>\n<html lang="{_e(locale)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="meta">Times in {_e(summary.zone.name)}. '
        "Every row is in the report's CSV files, or report.xlsx (--xlsx).</p>"
        f'<dl class="facts">{facts}</dl>{notes}<h2>Charts</h2>{charts}{body}</main></body></html>\n'
    )


def write_html(
    frames: Frames,
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    summary: Summary,
    secrets: list[str] | None = None,
) -> Path:
    """Write the page at ``path`` (temporary file beside it, renamed into place)."""
    target = Path(path)
    text = render_html(frames, tables, summary, secrets=secrets)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
