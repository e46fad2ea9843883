"""The dashboard, driven without a browser: filters, filtered frames, chart state, buttons."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from helpers import AT, rental_answer
from matplotlib.container import BarContainer

from smspartner_analytics.core.errors import ConfigurationError
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.earlier import earlier_answers
from smspartner_analytics.frames.flattening import flatten, join_metadata
from smspartner_analytics.widgets import Dashboard, dashboard
from smspartner_analytics.widgets.table import summary_html, table_html

STATUSES = ["requested", "processing", "ready", "failed", "downloaded", "unknown"]
# token, status, category, interest, campaign, ordered_on, cost
RENTALS = [
    ("t1", "ready", "102", "12", "spring", "2025-01-10", 0.9),
    ("t2", "downloaded", "103", "14", "spring", "2025-02-03", 2.5),
    ("t3", "processing", "102", "14", "summer", "2025-06-20", 4.0),
    ("t4", "failed", "999", "12", "summer", "2025-07-01", 1.0),
]
# token, type, location, desired, available
LOCALISATIONS = [
    ("t1", "cp", "06200", 10, 266),
    ("t2", "cp", "60200", 50, 20),
    ("t3", "dep", "06", 100, 80),
    ("t3", "cp", "75001", 5, 5),
    ("t4", "cp", "13001", 7, 0),
]


def make_frames() -> Frames:
    """The rentals above as the API would answer them, through ``flatten()``, with their
    campaign and order date as a tokens file gives them, and one token the API does not know."""
    quantities = dict(zip([r[0] for r in RENTALS], [10, 20, 30, 40], strict=True))
    answers = [
        rental_answer(
            token,
            status,
            category=category,
            interest=interest,
            cost_total=cost,
            quantity=quantities[token],
            locations=[row[1:] for row in LOCALISATIONS if row[0] == token],
        )
        for token, status, category, interest, _campaign, _ordered, cost in RENTALS
    ]
    answers.append(
        {"success": False, "code": 32, "message": "Location introuvable", "token": "bad1"}
    )
    frames = flatten(answers, fetched_at=AT)
    metadata = {r[0]: {"campaign": r[4], "ordered_on": r[5]} for r in RENTALS}
    return dataclasses.replace(frames, rentals=join_metadata(frames.rentals, metadata))


def bars(board: Dashboard, chart: str) -> list[BarContainer]:
    return [c for c in board.axes[chart].containers if isinstance(c, BarContainer)]


def statuses(board: Dashboard) -> dict[str, str]:
    rentals = board.frames.rentals
    return {str(t): str(s) for t, s in zip(rentals["token"], rentals["status"], strict=True)}


def test_filters_offered_for_present_columns_with_readable_labels() -> None:
    board = dashboard(make_frames())
    assert set(board.filters) == {
        "status",
        "category",
        "interest",
        "sexe",
        "campaign",
        "ordered_on",
        "type",
    }
    status = board.filters["status"]
    assert [value for _label, value in status.options] == [
        "processing",
        "ready",
        "failed",
        "downloaded",
    ]
    assert dict(board.filters["category"].options) == {
        "CSP+ (102)": "102",
        "CSP- (103)": "103",
        "999": "999",
    }


def test_unfiltered_dashboard_draws_everything() -> None:
    board = dashboard(make_frames())
    assert len(board.filtered().rentals) == 4
    assert len(bars(board, "spend")[0].patches) == 3  # categories 102, 103, 999
    assert len(bars(board, "volume")[0].patches) == 5  # five localities
    assert all(out.outputs[0]["data"]["image/png"] for out in board.charts.values())
    assert "t1" in board.table.value


def test_category_filter_restricts_rentals_localisations_and_charts() -> None:
    board = dashboard(make_frames())
    board.set_filter("category", ["102"])
    frames = board.filtered()
    assert list(frames.rentals["token"]) == ["t1", "t3"]
    assert sorted(frames.localisations["location"]) == ["06", "06200", "75001"]
    assert list(frames.errors["token"]) == ["bad1"]  # errors unchanged
    assert len(bars(board, "volume")[0].patches) == 3
    assert len(bars(board, "spend")[0].patches) == 1
    assert [t.get_text() for t in board.axes["spend"].get_yticklabels()] == ["CSP+ (102)"]
    assert "t2" not in board.table.value
    assert "<b>2</b> of 4 rentals" in board.summary.value


def test_filters_combine_and_clearing_restores() -> None:
    board = dashboard(make_frames())
    board.set_filter("campaign", ["summer"])
    board.set_filter("status", ["failed", "downloaded"])
    assert list(board.filtered().rentals["token"]) == ["t4"]
    board.set_filter("campaign", None)
    assert list(board.filtered().rentals["token"]) == ["t2", "t4"]
    board.set_filter("status", [])
    assert len(board.filtered().rentals) == 4


def test_locality_type_filter() -> None:
    board = dashboard(make_frames())
    board.set_filter("type", ["dep"])
    frames = board.filtered()
    assert list(frames.rentals["token"]) == ["t3"]
    assert list(frames.localisations["location"]) == ["06"]
    assert len(bars(board, "volume")[0].patches) == 1


def test_date_range_filter() -> None:
    board = dashboard(make_frames())
    board.set_filter("ordered_on", ("2025-02-01", "2025-06-20"))
    assert list(board.filtered().rentals["token"]) == ["t2", "t3"]
    board.set_filter("ordered_on", (None, "2025-01-31"))
    assert list(board.filtered().rentals["token"]) == ["t1"]


def test_filter_that_empties_everything_draws_no_data() -> None:
    board = dashboard(make_frames())
    board.set_filter("category", ["999"])
    board.set_filter("interest", ["14"])
    assert board.filtered().rentals.empty
    assert "No data" in [t.get_text() for t in board.axes["status"].texts]


def test_unknown_filter_or_option_is_a_clear_error() -> None:
    board = dashboard(make_frames())
    with pytest.raises(ValueError, match="no filter named 'colour'"):
        board.set_filter("colour", ["red"])
    with pytest.raises(ValueError, match="has no option '101'"):
        board.set_filter("category", ["101"])


def test_displays_as_its_widget() -> None:
    board = dashboard(make_frames())
    bundle = board._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == board.widget.model_id
    assert repr(board) == "Dashboard(4 of 4 rentals shown)"


def test_refresh_disabled_without_store_and_client() -> None:
    board = dashboard(make_frames())
    assert board.refresh_button.disabled
    assert "store" in board.refresh_button.tooltip
    with pytest.raises(ConfigurationError, match="needs a store and a client"):
        board.refresh()
    assert board.refresh_tokens() == ["t1", "t3", "bad1"]  # not failed/downloaded, then errors


def test_report_button_writes_filtered_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    board = dashboard(make_frames(), out_dir=out)
    board.set_filter("category", ["103"])
    board.report_button.click()
    assert "Report written to" in board.message.value
    written = {p.name for p in out.rglob("*") if p.is_file()}
    assert written, "the report button wrote nothing"
    rentals_csv = next(p for p in out.rglob("*.csv") if "rental" in p.name)
    text = rentals_csv.read_text(encoding="utf-8-sig")
    assert "t2" in text
    assert "t1" not in text


def test_missing_ipywidgets_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(
        ConfigurationError, match=r"pip install 'smspartner-analytics\[notebooks\]'"
    ):
        dashboard(make_frames())


def test_refresh_asks_the_sandbox_again_for_live_tokens_and_redraws(tmp_path: Path) -> None:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.fetch import fetch_statuses
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store

    with sandbox(rentals=30, advance_every=1) as url:
        client = Client(api_key="test-key", base_url=url, rate=None)
        with Store(tmp_path / "store.sqlite") as store:
            fetch_statuses(url.server.entries, client=client, store=store, progress=False)
            board = dashboard(load_frames(store), store=store, client=client)
            assert not board.refresh_button.disabled
            before = statuses(board)
            live = board.refresh_tokens()
            assert 0 < len(live) < 30
            asked = {t: url.server.request_count(t) for t in before}
            board.refresh_button.click()
            again = {t: url.server.request_count(t) - n for t, n in asked.items()}
            assert again == {t: int(t in live) for t in before}  # live ones once, the rest never
            after = statuses(board)
            assert [t for t in live if after[t] != before[t]], "no live rental moved on"
            assert len(board.frames.history) == 30 + len(live)
            assert board.progress.value == len(live)
            assert f"{len(live)} rentals asked again" in board.message.value
            ticks = [t.get_text() for t in board.axes["status"].get_xticklabels()]
            drawn = [p.get_height() for p in bars(board, "status")[0].patches]
            assert drawn == [list(after.values()).count(status) for status in ticks]  # redrawn


def test_reload_keeps_selections_that_still_exist() -> None:
    board = dashboard(make_frames())
    board.set_filter("category", ["102", "999"])
    frames = make_frames()
    frames.rentals = frames.rentals[frames.rentals["token"] != "t4"].reset_index(drop=True)
    board.reload(frames)
    assert board.filters["category"].value == ("102",)  # 999 is gone with t4
    assert list(board.filtered().rentals["token"]) == ["t1", "t3"]
    assert len(bars(board, "spend")[0].patches) == 1


def test_reload_with_the_same_options_keeps_the_selection() -> None:
    board = dashboard(make_frames())
    board.set_filter("category", ["102"])
    chosen = list(board.filtered().rentals["token"])
    board.reload(make_frames())  # what Refresh does when no option appears or disappears
    assert board.filters["category"].value == ("102",)
    assert list(board.filtered().rentals["token"]) == chosen


def test_refresh_does_not_count_final_not_found_tokens(tmp_path: Path) -> None:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.fetch import fetch_statuses
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store

    with sandbox(rentals=5) as url:
        client = Client(api_key="test-key", base_url=url, rate=None)
        with Store(tmp_path / "store.sqlite") as store:
            tokens = [*url.server.tokens, "unknown-token"]
            fetch_statuses(tokens, client=client, store=store, progress=False, errors="ignore")
            board = dashboard(load_frames(store), store=store, client=client)
            assert "unknown-token" not in board.refresh_tokens()
            url.server.reset_counts()
            board.refresh()
            assert url.server.request_count("unknown-token") == 0
            asked = url.server.request_count()
            assert f"{asked} rentals asked again" in board.message.value


def test_rentals_shown_from_an_earlier_answer_are_counted_and_marked(tmp_path: Path) -> None:
    from helpers import fetch_then_refuse

    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox

    with sandbox(rentals=12, seed=5, api_key="widgets-key") as url:
        kept = fetch_then_refuse(url, tmp_path / "store.sqlite", "widgets-key", url.server.tokens)
    frames = load_frames(tmp_path / "store.sqlite")
    board = dashboard(frames, rows=50)
    n = len(kept)
    assert 0 < n < len(frames.rentals)
    summary = board.summary.value
    said = re.sub(r"<[^>]+>", "", summary)  # as the page shows it
    assert f"{n} shown from an earlier answer (latest attempt failed: refused key)" in said
    assert "fetch again" in summary  # what to do, in the tooltip
    table = board.table.value
    assert '<th class="">Latest attempt</th>' in table
    rows = table.split("<tr")[2:]  # after the header row
    assert len(rows) == len(frames.rentals)
    marked = [row for row in rows if row.startswith(' class="sa-earlier"')]
    assert {t for t in kept if any(t in row for row in marked)} == kept
    assert len(marked) == n
    assert all("refused key" in row and "failed " in row and " UTC" in row for row in marked)
    assert not any("refused key" in row for row in rows if row not in marked)

    # rentals kept by filters that leave out those rentals: no count, no column
    fresh = frames.rentals[~frames.rentals["token"].isin(kept)]
    earlier = earlier_answers(fresh, frames.errors)
    assert not earlier
    assert "earlier answer" not in summary_html(fresh, len(frames.rentals), 0, earlier=earlier)
    assert "Latest attempt" not in table_html(fresh, 50)
    # ... and one of them is enough for both
    one = frames.rentals[frames.rentals["token"].isin(kept)].head(1)
    earlier = earlier_answers(one, frames.errors)
    assert "1 shown from an earlier answer" in summary_html(one, 1, 0, earlier=earlier)
    assert "Latest attempt" in table_html(pd.concat([fresh, one]), 50)


def test_no_earlier_answer_no_count_and_no_column() -> None:
    board = dashboard(make_frames())
    assert "earlier answer" not in board.summary.value
    assert "Latest attempt" not in board.table.value
    assert 'class="sa-earlier"' not in board.table.value


def test_a_refresh_with_a_refused_key_shows_the_rentals_it_could_not_update(
    tmp_path: Path,
) -> None:
    from smspartner_analytics.client.http import Client
    from smspartner_analytics.fetch import fetch_statuses
    from smspartner_analytics.frames.flattening import load_frames
    from smspartner_analytics.simulator.server import sandbox
    from smspartner_analytics.store.db import Store

    with sandbox(rentals=10, seed=2, api_key="widgets-key") as url:
        good = Client(api_key="widgets-key", base_url=url, rate=None)
        refused = Client(api_key="not-the-key", base_url=url, rate=None)
        with good, refused, Store(tmp_path / "store.sqlite") as store:
            fetch_statuses(url.server.tokens, client=good, store=store, progress=False)
            board = dashboard(load_frames(store), store=store, client=refused)
            before = board.frames.rentals
            assert "earlier answer" not in board.summary.value
            board.refresh()
            assert "refused the API key" in board.message.value  # the error line stays
            kept = earlier_answers(board.frames.rentals, board.frames.errors).count
            assert kept > 0
            assert f"{kept} shown from an earlier answer" in board.summary.value
            assert "Latest attempt" in board.table.value
            columns = [c for c in before.columns if not c.startswith("last_attempt")]
            assert board.frames.rentals[columns].equals(before[columns])  # every rental as it was
