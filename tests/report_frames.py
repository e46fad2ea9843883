"""Frames for the workbook and HTML report tests: hostile text, leading zeros, missing values,
and a generator of many plausible rentals (for the HTML size figure)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from benchmarks.bench_flatten import make_answer
from smspartner_analytics.frames.dtypes import Frames
from smspartner_analytics.frames.flattening import flatten, join_metadata

AT = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
KEY = "k3y-UNIQUE-9f8e7d6c5b4a"
#: Text a spreadsheet would run as a formula if it were written as one.
INJECTIONS = ('=HYPERLINK("http://evil.example/x","click")', "+33 6 12 34 56 78", "@SUM(1+1)", "-5")
HOSTILE_CAMPAIGN = '<script>window.__pwned = 1</script><img src="http://evil.example/x.png">'


def answer(token: str, zipcode: str, total: str, status: object, min_age: object) -> dict[str, Any]:
    """One successful answer whose locality is ``zipcode`` (10 asked, 4 available)."""
    return {
        "success": True,
        "token": token,
        "status": status,
        "location": {
            "sexe": "femme",
            "minAge": min_age,
            "maxAge": 49,
            "zipcode": zipcode,
            "interest": "14",
            "category": 102,
            "details_localisation": [
                {"Type": "cp", "Location": zipcode, "VolumeDesired": "10", "Volume": "4"},
                {"Type": "dep", "Location": "02", "VolumeDesired": "0", "Volume": "7"},
            ],
            "cost": {"quantity": 10, "total": total, "cost_unity": "0.090"},
        },
        "file": {"phoneNumbers": "10"},
    }


def hostile_frames() -> Frames:
    """Two rentals (one with zip code 02200), two errors; formula-like and HTML text."""
    answers = [
        answer("t1", "02200", "0.900", "File downloaded by user from api", 31),
        answer("t2", "60200,60300", "1234.500", INJECTIONS[0], -3),
        {"success": False, "code": 32, "message": "Location introuvable", "token": "t3"},
        {"success": False, "code": 10, "message": f"{INJECTIONS[2]} apiKey={KEY}", "token": "t4"},
    ]
    frames = flatten(answers, fetched_at=AT)
    frames.rentals = join_metadata(
        frames.rentals,
        {
            "t1": {"campaign": HOSTILE_CAMPAIGN, "budget": INJECTIONS[3], "note": INJECTIONS[1]},
            "t2": {"campaign": INJECTIONS[0], "budget": "12,5", "note": f"key {KEY}"},
        },
    )
    return frames


def many_frames(n: int, seed: int = 0) -> Frames:
    """``n`` generated rentals (``benchmarks.bench_flatten.make_answer``: 1-4 postcodes each,
    statuses mixed) plus ``n // 50`` errors."""
    rng = random.Random(seed)
    answers = [make_answer(rng, i) for i in range(n)]  # the flatten benchmark's answers
    answers += [
        {"success": False, "code": 32, "message": "Location introuvable", "token": f"e{i}"}
        for i in range(n // 50)
    ]
    frames = flatten(answers, fetched_at=AT)
    frames.rentals = join_metadata(
        frames.rentals, {f"{i:040x}": {"campaign": f"campaign {i % 7}"} for i in range(n)}
    )
    return frames
