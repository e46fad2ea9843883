"""Store benchmark: ``Store.record()`` time per answer on a store of 1,000 tokens against one of
1,000,000 tokens, and their ratio (recording must not slow down as the token list grows).

Each store gets its tokens first (as ``fetch`` does), then ``record()`` is timed for answers of
known tokens (the usual case) and of new tokens (added at the end of the list). For scale, the
last row times new tokens on the big store without the ``tokens(position)`` index, as stores were
before it (every answer scanned the whole tokens table).

    python -m benchmarks.bench_store      (SMSPARTNER_BENCH_QUICK=1: 1,000 vs 50,000 tokens)
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._common import QUICK, best_of, machine, print_table
from smspartner_analytics.core.schema import AnswerRecord, Outcome
from smspartner_analytics.store.db import Store

SMALL = 1_000
BIG = 50_000 if QUICK else 1_000_000
ANSWERS = 300 if QUICK else 2_000
AT = datetime(2025, 3, 1, tzinfo=UTC)
GOAL = "(goal <= 1.5x)"
BODY = json.dumps({"success": True, "status": 2, "location": {"cost": {"total": "0.900"}}})


def make_store(path: Path, tokens: int) -> None:
    """A store holding ``tokens`` tokens (bulk-inserted, as ``add_tokens`` would leave them)."""
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO tokens (token, metadata, first_seen, position) VALUES (?, '{}', ?, ?)",
            ((f"{i:040x}", AT.isoformat(), i) for i in range(tokens)),
        )


def answer(token: str) -> AnswerRecord:
    return AnswerRecord(token, AT, Outcome.OK, http_status=200, body=BODY, status="ready")


def record_all(store: Store, tokens: list[str]) -> int:
    for token in tokens:
        store.record(answer(token))
    return len(tokens)


def per_answer(path: Path, tokens: list[str]) -> float:
    """Seconds per ``record()`` for ``tokens``, best of five runs after a warm-up."""
    with Store(path) as store:
        for i in range(50):
            store.record(answer(f"warm-up-{i}"))
        seconds, _ = best_of(lambda: record_all(store, tokens), repeat=5)
    return seconds / len(tokens)


def measure(tokens: int, folder: Path) -> tuple[float, float]:
    path = folder / f"store-{tokens}.sqlite"
    make_store(path, tokens)
    step = max(1, tokens // ANSWERS)
    known = [f"{i:040x}" for i in range(0, tokens, step)][:ANSWERS]
    return per_answer(path, known), per_answer(path, [f"new-{tokens}-{i}" for i in range(ANSWERS)])


def without_index(tokens: int, folder: Path) -> float:
    path = folder / f"store-{tokens}.sqlite"
    count = max(20, ANSWERS // 20)
    with Store(path) as store:
        db = store._db()
        db.execute("DROP INDEX tokens_position")
        seconds, _ = best_of(lambda: record_all(store, [f"old-{i}" for i in range(count)]), 1)
        db.execute("CREATE INDEX tokens_position ON tokens (position)")
    return seconds / count


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small_known, small_new = measure(SMALL, folder)
        big_known, big_new = measure(BIG, folder)
        old = without_index(BIG, folder)
    us = 1e6
    print_table(
        f"Store.record() per answer, {SMALL:,} vs {BIG:,} tokens, {ANSWERS:,} answers "
        f"({machine()})",
        [
            (f"known token, {SMALL:,} tokens", f"{small_known * us:.0f} us"),
            (f"known token, {BIG:,} tokens", f"{big_known * us:.0f} us"),
            (f"known token, ratio {BIG:,} / {SMALL:,}", f"{big_known / small_known:.2f}x {GOAL}"),
            (f"new token, {SMALL:,} tokens", f"{small_new * us:.0f} us"),
            (f"new token, {BIG:,} tokens", f"{big_new * us:.0f} us"),
            (f"new token, ratio {BIG:,} / {SMALL:,}", f"{big_new / small_new:.2f}x {GOAL}"),
            (f"new token, {BIG:,} tokens, no position index", f"{old * us:.0f} us"),
            ("no position index / index, same store", f"{old / big_new:.1f}x"),
        ],
    )  # fmt: skip


if __name__ == "__main__":
    main()
