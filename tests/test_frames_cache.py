"""The frames cache (``frames.cache``): ``load_frames`` through the cache equals flattening every
stored body from scratch, after any history of fetches, refreshes, reads and kills.

Histories are drawn by hypothesis and written through the real ``Store`` (its ``record`` and
``add_tokens``): answers of any shape (``tests.helpers.ANSWER``), in JSON or the API's XML form,
failures of every outcome (also on every token at once, as a wrong key or an outage makes them,
after good answers and before them), bodies that are not answers, refreshed tokens, new metadata.
Every token must be shown from its latest answer from the API, the failure after it beside it.
A "kill"
leaves the cache as a killed process would (a segment written without its manifest, a manifest
pointing at a file that is gone or cut short, an older manifest back in place).
"""

from __future__ import annotations

import json
import shutil
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from helpers import ANSWER, count_flattened
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from smspartner_analytics.client.xmlanswer import render_xml
from smspartner_analytics.core.schema import (
    OUTCOMES,
    AnswerRecord,
    TokenEntry,
    is_answer,
    normalise_status,
)
from smspartner_analytics.frames import cache as frames_cache
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.store.db import Store

_TOKENS = [f"tok{i}" for i in range(6)]
_START = datetime(2026, 1, 1, tzinfo=UTC)


def _body(answer: dict[str, Any], form: str) -> str:
    if form == "xml":
        try:
            return render_xml(answer)
        except (TypeError, ValueError):
            pass
    if form == "broken":
        return "<html>not an answer"
    return json.dumps(answer, ensure_ascii=False)


_SUCCESS = st.builds(
    lambda answer, form: ("ok", answer, form),
    ANSWER.map(lambda a: {**a, "success": True}),
    st.sampled_from(["json", "json", "xml", "broken"]),
)
_FAILURE = st.builds(
    lambda outcome, answer: (outcome, answer, "json"), st.sampled_from(OUTCOMES), ANSWER
)
_FETCH = st.tuples(
    st.just("fetch"), st.lists(st.tuples(st.sampled_from(_TOKENS), _SUCCESS | _FAILURE), max_size=6)
)
# A run where every token failed the same way (a refused key, a wrong URL, the network down):
# failures after successes, and the successes after them when a later fetch works again.
_OUTAGE = st.tuples(
    st.just("outage"),
    st.sampled_from([o for o in OUTCOMES if not is_answer(o)]),
    st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=6, unique=True),
)
_OPS = st.lists(
    _FETCH
    | _OUTAGE
    | st.tuples(st.just("read"), st.booleans())
    | st.tuples(st.just("kill"), st.sampled_from(["orphan", "missing", "cut", "old", "junk"]))
    | st.tuples(st.just("tokens"), st.dictionaries(st.sampled_from(_TOKENS), st.text(max_size=5))),
    max_size=10,
)


def _record(store: Store, token: str, item: tuple[str, dict[str, Any], str], n: int) -> None:
    outcome, answer, form = item
    ok = outcome == "ok"
    store.record(
        AnswerRecord(
            token=token,
            fetched_at=_START + timedelta(seconds=n),
            outcome=outcome,
            http_status=200 if ok else 404,
            body=_body(answer, form) if ok else None,
            error_code=None if ok else 31,
            error_message=None if ok else f"failure {n}",
            attempts=1 + n % 3,
            status=normalise_status(answer.get("status"))[0] if ok else None,
            reason=None if ok else "API code 31",
            persistent=not ok and n % 2 == 0,
        )
    )


def _load(path: Path, **options: Any) -> tuple[Frames, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frames = load_frames(path, **options)
    return frames, [str(w.message) for w in caught]


def _assert_same(path: Path) -> None:
    cached, said = _load(path)
    fresh, said_fresh = _load(path, cache=False)
    for name in ("rentals", "localisations", "errors", "history"):
        assert_frame_equal(getattr(cached, name), getattr(fresh, name), obj=name)
    assert said == said_fresh


def _kill(folder: Path, kind: str, saved: dict[str, bytes]) -> None:
    """Leave the cache folder as a process killed while writing it would."""
    if not folder.exists():
        return
    files = sorted(folder.glob("*.arrow"))
    if kind == "orphan":
        (folder / "deadbeef.rentals.arrow").write_bytes(b"ARROW1 half written")
    elif kind == "missing" and files:
        files[0].unlink()
    elif kind == "cut" and files:
        files[-1].write_bytes(files[-1].read_bytes()[:40])
    elif kind == "old" and saved:
        for name, data in saved.items():
            (folder / name).write_bytes(data)
    elif kind == "junk":
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")


def _assert_shown(path: Path, outcomes: dict[str, list[str]]) -> None:
    """Each token is shown from its latest answer from the API (else its latest attempt), with
    the failed attempt after it in the ``last_attempt_*`` columns."""
    frames, _ = _load(path)
    rows = pd.concat(
        [frames.rentals.assign(ok=True), frames.errors.assign(ok=False)], ignore_index=True
    )
    got = {
        t: (ok, None if pd.isna(o) else str(o))
        for t, ok, o in zip(rows["token"], rows["ok"], rows["last_attempt_outcome"], strict=True)
    }
    want = {}
    for token, seen in outcomes.items():
        answers = [o for o in seen if is_answer(o)]
        shown = answers[-1] if answers else seen[-1]
        later = seen[-1] if answers and not is_answer(seen[-1]) else None
        want[token] = (shown == "ok", later)
    assert got == want


_EVERY_TURN = [
    ("fetch", [(t, ("ok", {"success": True, "status": 2}, "json")) for t in _TOKENS[:3]]),
    ("read", True),
    ("outage", "auth_error", _TOKENS[:2]),  # a wrong key after good answers
    ("read", True),
    ("fetch", [(_TOKENS[3], ("not_found", {}, "json"))]),
    ("outage", "transport_error", _TOKENS[2:5]),  # the network down, incrementally
    ("read", False),
    ("fetch", [(_TOKENS[0], ("ok", {"success": True, "status": 5}, "xml"))]),  # good again
    ("outage", "parse_error", _TOKENS[5:]),  # never answered: its failure is shown
]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=_OPS)
@example(ops=_EVERY_TURN)
def test_cached_frames_equal_flattening_every_body(
    tmp_path_factory: pytest.TempPathFactory, ops: list[tuple[Any, ...]]
) -> None:
    path = tmp_path_factory.mktemp("cache") / "store.sqlite"
    folder = frames_cache.cache_dir(path)
    saved: dict[str, bytes] = {}
    outcomes: dict[str, list[str]] = {}
    n = 0
    with Store(path) as store:
        store.add_tokens(TokenEntry(t, {"campaign": f"c{i % 2}"}) for i, t in enumerate(_TOKENS))
        for op in ops:
            if op[0] in ("fetch", "outage"):
                made = op[1] if op[0] == "fetch" else [(t, (op[1], {}, "json")) for t in op[2]]
                for token, item in made:
                    n += 1
                    _record(store, token, item, n)
                    outcomes.setdefault(token, []).append(item[0])
            elif op[0] == "read":
                _assert_same(path) if op[1] else _load(path)
                if folder.exists():  # remember this state, for an "old" manifest later
                    saved = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
            elif op[0] == "kill":
                _kill(folder, op[1], saved)
            else:
                store.add_tokens(TokenEntry(t, {"client": c}) for t, c in op[1].items())
    _assert_same(path)
    _assert_same(path)  # and again from the cache just written
    _assert_shown(path, outcomes)
    shutil.rmtree(folder, ignore_errors=True)


def test_cache_parses_only_new_answers_and_rebuilds_on_version_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "store.sqlite"
    answer = {"success": True, "status": 2, "location": {"sexe": "F", "details_localisation": []}}
    with Store(path) as store:
        for i in range(5):
            _record(store, f"t{i}", ("ok", answer, "json"), i)
    flattened = count_flattened(monkeypatch)
    first = load_frames(path)
    assert flattened == [(0, 5)]
    assert_frame_equal(load_frames(path).rentals, first.rentals)
    assert flattened == [(0, 5)]  # nothing new: a columnar read only
    with Store(path) as store:
        _record(store, "t9", ("ok", answer, "json"), 9)
    assert len(load_frames(path).rentals) == 6
    assert flattened == [(0, 5), (5, 6)]  # only the new answer
    load_frames(path, rebuild=True)
    assert flattened[-1] == (0, 6)
    monkeypatch.setattr(frames_cache, "_FORMAT", frames_cache._FORMAT + "-next")
    load_frames(path)
    assert flattened[-1] == (0, 6)  # another flattener version: rebuilt from the raw answers


def test_cache_of_another_store_at_the_same_path_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    one = {"success": True, "status": 2, "location": {"sexe": "F"}}
    with Store(path) as store:
        _record(store, "first", ("ok", one, "json"), 1)
    assert load_frames(path).rentals["token"].tolist() == ["first"]
    path.unlink()
    with Store(path) as store:
        _record(store, "second", ("ok", one, "json"), 2)
    assert load_frames(path).rentals["token"].tolist() == ["second"]
    assert isinstance(load_frames(path).rentals, pd.DataFrame)
