"""Follow rentals until they are done: ``watch(tokens, every=300, max_duration=6 * 3600)``.

Each round asks the API again for the tokens that are not final yet (through
:func:`smspartner_analytics.fetch.fetch_statuses`, so every answer is committed as it arrives)
and reports one line: how many are ready, how many still pending, and what changed since the
previous round. Watching stops when every token is final (or, with ``until="ready"``, ready or
final), when ``max_duration`` has passed, or on Ctrl-C (``WatchInterrupted``; the answers are
kept).

Rounds never overlap and never pile up: the next round starts ``every`` seconds after the
previous one started, or as soon as it ends when it took longer. ``every`` has a polite floor of
``MIN_INTERVAL`` seconds. In Jupyter the line updates in place (one output), elsewhere one line
is printed per round.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from smspartner_analytics.core.config import resolve_store_path
from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.numbers import count, counted
from smspartner_analytics.core.schema import Outcome, TokenEntry, is_answer
from smspartner_analytics.fetch import FetchInterrupted, fetch_statuses
from smspartner_analytics.fetch.lock import one_writer
from smspartner_analytics.store.db import Store
from smspartner_analytics.store.tokens import dedupe_entries, read_tokens

if TYPE_CHECKING:
    from smspartner_analytics.client.http import Client

__all__ = [
    "DEFAULT_EVERY",
    "DEFAULT_MAX_DURATION",
    "MIN_INTERVAL",
    "WatchInterrupted",
    "WatchResult",
    "WatchRound",
    "watch",
]

#: The politeness floor: no faster than one round per this many seconds.
MIN_INTERVAL: Final = 10.0
#: Defaults: a round every 5 minutes, for at most 6 hours.
DEFAULT_EVERY: Final = 300.0
DEFAULT_MAX_DURATION: Final = 6 * 3600.0
_WAITING: Final = frozenset({"requested", "processing"})

Until = Literal["final", "ready"]
Stop = Literal["all_final", "all_ready", "max_duration", "interrupted", "auth_failed"]


@dataclass
class WatchRound:
    """One round: what was asked and where every watched token stands after it."""

    number: int
    started_at: datetime
    asked: int
    ready: int
    pending: int
    final: int
    no_answer: int
    changes: dict[tuple[str, str], int] = field(default_factory=dict)

    def line(self) -> str:
        """One line: ``round 3 (12:04:05): asked 40 · 25 ready, 13 pending, 2 final · ...``."""
        moves = sorted(self.changes.items(), key=_by_count)
        changed = ", ".join(f"{count(n)} {old}→{new}" for (old, new), n in moves)
        text = (
            f"round {count(self.number)} ({self.started_at:%H:%M:%S} UTC): asked "
            f"{count(self.asked)} · {count(self.ready)} ready, {count(self.pending)} pending, "
            f"{count(self.final)} final · "
            f"changed: {changed or 'nothing'}"
        )
        if self.no_answer:
            text += f" · {count(self.no_answer)} got no answer (asked again next round)"
        return text


def _by_count(item: tuple[tuple[str, str], int]) -> tuple[int, str, str]:
    (old, new), n = item
    return -n, old, new


@dataclass
class WatchResult:
    """The rounds of one ``watch`` and why it stopped (``stopped``)."""

    rounds: list[WatchRound] = field(default_factory=list)
    stopped: Stop = "all_final"
    store_path: Path | None = None
    statuses: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def asked(self) -> int:
        """Requests made over every round."""
        return sum(r.asked for r in self.rounds)

    def summary(self) -> str:
        """One line: how many rounds, where the tokens stand, why watching stopped."""
        why = {
            "all_final": "every token is final",
            "all_ready": "every token is ready or final",
            "max_duration": "the maximum duration has passed",
            "interrupted": "interrupted (answers so far are saved)",
            "auth_failed": "the API refused the key",
        }[self.stopped]
        last = self.rounds[-1] if self.rounds else None
        where = (
            f"{count(last.ready)} ready, {count(last.pending)} pending, {count(last.final)} final; "
            if last
            else ""
        )
        rounds = counted(len(self.rounds), "round")
        return f"Watched {rounds}, {counted(self.asked, 'request')}: {where}stopped: {why}."


class WatchInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``watch``; ``result`` holds the rounds so far (their answers are saved)."""

    def __init__(self, result: WatchResult) -> None:
        super().__init__(result.summary())
        self.result = result


def watch(
    tokens: str | Path | Iterable[str | TokenEntry],
    *,
    client: Client | None = None,
    store: Store | str | Path | None = None,
    every: float = DEFAULT_EVERY,
    max_duration: float | None = DEFAULT_MAX_DURATION,
    until: Until = "final",
    progress: bool = True,
    on_round: Callable[[WatchRound], None] | None = None,
    workers: int = 4,
    rate: float | None = 5.0,
    api_key: str | None = None,
    base_url: str | None = None,
    _min_interval: float = MIN_INTERVAL,
) -> WatchResult:
    """Ask again, every ``every`` seconds, for the tokens that are not final, until all are.

    ``tokens``, ``client``, ``store``, ``workers``, ``rate``, ``api_key`` and ``base_url`` are
    those of ``fetch_statuses``. ``every`` (seconds, at least ``MIN_INTERVAL``) is the time
    from one round's start to the next; ``max_duration`` (seconds, None for no limit) stops
    watching when the next round would start after it. ``until="ready"`` also stops once every
    token is ready or final. ``progress`` shows one line per round (updated in place in
    Jupyter); ``on_round`` is called with each ``WatchRound``. ``_min_interval`` is private:
    tests lower the floor with it, never use it against the real API.

    Returns a ``WatchResult``; raises ``WatchInterrupted`` on Ctrl-C,
    ``AuthenticationError`` when the API refuses the key, and ``StoreBusyError`` at once when
    another fetch is writing the store (the watch holds the store's writer lock throughout).
    """
    if until not in ("final", "ready"):
        raise InputError(f"until must be 'final' or 'ready', not {until!r}.")
    if not every >= _min_interval:
        raise InputError(
            f"The interval between rounds must be at least {_min_interval:g} s (a polite floor "
            f"for the API), not {every:g} s."
        )
    if max_duration is not None and not max_duration > 0:
        raise InputError(f"max_duration must be more than 0 seconds, not {max_duration:g}.")
    entries = _entries(tokens)
    show = _Display() if progress else None
    result = WatchResult()
    where = store.path if isinstance(store, Store) else resolve_store_path(store)
    with ExitStack() as stack:
        stack.enter_context(one_writer(where))  # for every round: one writer per store
        if client is None:
            from smspartner_analytics.client.http import Client

            client = stack.enter_context(
                Client(api_key=api_key, base_url=base_url, rate=rate, workers=workers)
            )
        db = store if isinstance(store, Store) else stack.enter_context(Store(where))
        db.add_tokens(entries)
        result.store_path = db.path
        rounds = _Rounds(client, db, entries, result, until, show, on_round)
        rounds.run(every, max_duration)
    return result


def _entries(tokens: str | Path | Iterable[str | TokenEntry]) -> list[TokenEntry]:
    if isinstance(tokens, (str, Path)):
        return read_tokens(tokens)
    items = (t if isinstance(t, TokenEntry) else TokenEntry(str(t).strip(), {}) for t in tokens)
    kept, _ = dedupe_entries([e for e in items if e.token])
    return kept


class _Rounds:
    def __init__(
        self, api: Client, db: Store, entries: list[TokenEntry], result: WatchResult,
        until: Until, show: _Display | None, on_round: Callable[[WatchRound], None] | None,
    ) -> None:  # fmt: skip
        self.api, self.db, self.entries, self.result = api, db, entries, result
        self.until, self.show, self.on_round = until, show, on_round
        self.watched = {e.token for e in entries}
        result.statuses = _standing(db, self.watched)
        self.final = db.final_tokens() & self.watched

    def done(self) -> Stop | None:
        if self.final >= self.watched:
            return "all_final"
        statuses = self.result.statuses
        if self.until == "ready" and all(
            t in self.final or statuses[t] == "ready" for t in self.watched
        ):
            return "all_ready"
        return None

    def run(self, every: float, max_duration: float | None) -> None:
        start = time.monotonic()
        deadline = None if max_duration is None else start + max_duration
        next_start = start
        try:
            while (stop := self.done()) is None:
                if deadline is not None and next_start > deadline:
                    stop = "max_duration"
                    break
                _sleep_until(next_start)
                began = time.monotonic()
                if not self.round():
                    stop = "auth_failed"
                    break
                next_start = max(began + every, time.monotonic())
        except (FetchInterrupted, KeyboardInterrupt):
            self.result.stopped = "interrupted"
            raise WatchInterrupted(self.result) from None
        self.result.stopped = stop
        if self.show is not None:
            self.show.final(self.result.summary())

    def round(self) -> bool:
        """Ask every non-final token once; False when the key was refused."""
        todo = [e for e in self.entries if e.token not in self.final]
        started = datetime.now(UTC)
        try:
            fetched = fetch_statuses(todo, client=self.api, store=self.db, progress=False,
                                     errors="ignore")  # fmt: skip
        except FetchInterrupted as stop:
            self._count(stop.result.records, started, len(todo))
            raise
        self._count(fetched.records, started, len(todo))
        return not fetched.auth_failed

    def _count(self, records: list[Any], started: datetime, asked: int) -> None:
        statuses = self.result.statuses
        changes: Counter[tuple[str, str]] = Counter()
        no_answer = 0
        for rec in records:
            if not is_answer(rec.outcome):  # a failed attempt: the token stands where it was
                no_answer += 1
                continue
            new = _state(rec.outcome, rec.status)
            old = statuses.get(rec.token, "")
            if new != old:
                changes[(old or "not asked", new)] += 1
            statuses[rec.token] = new
        self.final = self.db.final_tokens() & self.watched  # the store's one rule of "final"
        final = len(self.final)
        ready = sum(1 for t in self.watched if t not in self.final and statuses[t] == "ready")
        done = WatchRound(
            number=len(self.result.rounds) + 1, started_at=started, asked=asked, ready=ready,
            pending=len(self.watched) - final - ready, final=final, no_answer=no_answer,
            changes=dict(changes),
        )  # fmt: skip
        self.result.rounds.append(done)
        if self.show is not None:
            self.show.update(done.line())
        if self.on_round is not None:
            self.on_round(done)


def _state(outcome: str, status: str | None) -> str:
    """A token's standing after an answer from the API (``core.schema.is_answer``): its status,
    or ``not found``."""
    if outcome == Outcome.OK:
        return status or "unknown"
    return "not found"


def _standing(db: Store, tokens: set[str]) -> dict[str, str]:
    """Where each watched token stands from its latest answer from the API, as the frames show
    it (``Store.shown_records``); "" when the API never answered for it."""
    out = dict.fromkeys(tokens, "")
    for rec, _ in db.shown_records():
        if rec.token in out and is_answer(rec.outcome):
            out[rec.token] = _state(rec.outcome, rec.status)
    return out


def _sleep_until(moment: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``moment``, in short naps (Ctrl-C stays quick)."""
    while (left := moment - time.monotonic()) > 0:
        time.sleep(min(left, 0.5))


class _Display:
    """One line per round in a terminal; one line updated in place in Jupyter."""

    def __init__(self) -> None:
        self._handle: Any = None
        if _in_notebook():
            from IPython.display import display

            self._handle = display("watching…", display_id=True)  # type: ignore[no-untyped-call]

    def update(self, line: str) -> None:
        if self._handle is not None:
            self._handle.update(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def final(self, summary: str) -> None:
        self.update(summary)


def _in_notebook() -> bool:
    shell_module = sys.modules.get("IPython")
    if shell_module is None:
        return False
    shell = shell_module.get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"
