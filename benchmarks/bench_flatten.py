"""Flatten benchmark: ``flatten`` against ``json.loads`` and ``pandas.json_normalize``.

Generates N answers as JSON text (1-4 localities each, numbers as strings as the API sends them),
then times in one run: parsing them (baseline), ``flatten`` of the parsed dicts, parse+flatten,
and ``pandas.json_normalize`` building the same two tables (rentals from the answers, localisations
with ``record_path``/``meta``) followed by the same per-column dtype conversions (numbers, text,
category) — but no status normalisation, labels, shortfall/coverage or error rows, so it does less.
Then ``load_frames`` on a store of N answers against parsing the stored bodies.

    python -m benchmarks.bench_flatten      (SMSPARTNER_BENCH_QUICK=1: 5,000 answers)
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks._common import QUICK, best_of, machine, print_table
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.frames.flattening import flatten, load_frames
from smspartner_analytics.store.db import Store

N = 5_000 if QUICK else 100_000
STATUSES = (0, 1, 2, "3", "5", "File downloaded by user from api")


def make_answer(rng: random.Random, i: int) -> dict[str, Any]:
    zips = [f"{rng.randint(1000, 95999):05d}" for _ in range(rng.randint(1, 4))]
    details = [
        {"Type": "cp", "Location": z, "VolumeDesired": str(rng.randint(0, 500)),
         "Volume": str(rng.randint(0, 2000))}
        for z in zips
    ]  # fmt: skip
    quantity = sum(int(d["VolumeDesired"]) for d in details)
    return {
        "success": True,
        "token": f"{i:040x}",
        "status": rng.choice(STATUSES),
        "location": {
            "sexe": rng.choice(("femme", "homme")),
            "minAge": rng.randint(18, 40),
            "maxAge": str(rng.randint(41, 98)),
            "zipcode": ",".join(zips),
            "interest": str(rng.randint(1, 30)),
            "category": rng.choice((102, 103)),
            "details_localisation": details,
            "cost": {
                "quantity": quantity,
                "total": f"{quantity * 0.09:.3f}",
                "cost_unity": "0.090",
            },
        },
        "file": {"phoneNumbers": str(quantity)},
    }


def json_normalize_tables(answers: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables with pandas.json_normalize plus the same dtype conversions."""
    rentals = pd.json_normalize(answers)
    rentals = rentals.drop(columns=["location.details_localisation"])
    for col in (
        "location.minAge",
        "location.maxAge",
        "location.cost.quantity",
        "file.phoneNumbers",
    ):
        rentals[col] = pd.to_numeric(rentals[col], errors="coerce").astype("Int64")
    for col in ("location.cost.total", "location.cost.cost_unity"):
        rentals[col] = pd.to_numeric(rentals[col], errors="coerce").astype("float64")
    for col in ("location.sexe", "location.interest", "location.category"):
        rentals[col] = rentals[col].astype("string").astype("category")
    rentals["token"] = rentals["token"].astype("string")
    rentals["location.zipcode"] = rentals["location.zipcode"].astype("string")
    locs = pd.json_normalize(
        answers, record_path=["location", "details_localisation"], meta=["token"]
    )
    for col in ("VolumeDesired", "Volume"):
        locs[col] = pd.to_numeric(locs[col], errors="coerce").astype("Int64")
    locs["Type"] = locs["Type"].str.lower().astype("category")
    locs["Location"] = locs["Location"].astype("string")
    locs["token"] = locs["token"].astype("string")
    return rentals, locs


def fill_store(path: Path, texts: list[str]) -> None:
    """Setup only: tokens through the public API, answers with executemany on the store's table."""
    answers = [json.loads(t) for t in texts]
    with Store(path) as store:
        store.add_tokens(
            TokenEntry(a["token"], {"campaign": f"c{i % 7}"}) for i, a in enumerate(answers)
        )
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = [
        (a["token"], at, 200, "ok", "ready", None, None, 1, t)
        for a, t in zip(answers, texts, strict=True)
    ]
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO answers (token, fetched_at, http_status, outcome, status, error_code, "
            "error_message, attempts, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


def main() -> None:
    rng = random.Random(0)
    texts = [json.dumps(make_answer(rng, i)) for i in range(N)]
    parse_s, answers = best_of(lambda: [json.loads(t) for t in texts])
    repeat = 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the generated data is clean: no warning expected
        flat_s, frames = best_of(lambda: flatten(answers), repeat)
        both_s, _ = best_of(lambda: flatten(json.loads(t) for t in texts), repeat)
    norm_s, (r, lo) = best_of(lambda: json_normalize_tables(answers), repeat)
    assert len(frames.rentals) == len(r) == N
    assert len(frames.localisations) == len(lo)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        fill_store(path, texts)
        with Store(path) as store:
            bodies = [rec.body or "" for rec in store.latest_records()]
            stored_parse_s, _ = best_of(lambda: [json.loads(b) for b in bodies])
            load_s, loaded = best_of(lambda: load_frames(store), repeat)
        assert len(loaded.rentals) == N
        assert len(loaded.history) == N
    rows = [
        ("answers", f"{N:,} ({len(frames.localisations):,} localities)"),
        ("json.loads (baseline)", f"{parse_s:.3f} s"),
        ("flatten(parsed)", f"{flat_s:.3f} s = {flat_s / parse_s:.2f}x parse (goal <= 3x)"),
        ("json.loads + flatten", f"{both_s:.3f} s = {both_s / parse_s:.2f}x parse"),
        ("json_normalize + dtypes", f"{norm_s:.3f} s"),
        ("flatten speed-up", f"{norm_s / flat_s:.1f}x faster than json_normalize (goal >= 3x)"),
        ("json.loads of stored bodies", f"{stored_parse_s:.3f} s"),
        (
            "load_frames(store)",
            f"{load_s:.3f} s = {load_s / stored_parse_s:.2f}x parse (goal <= 3x)",
        ),
    ]
    print_table(f"bench_flatten ({machine()})", rows)


if __name__ == "__main__":
    main()
