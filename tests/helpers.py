"""Helpers shared by several test modules: hypothesis strategies for API answers of any shape,
the busiest-window counter, fake clocks (one thread, and several threads), and ``rental_answer``:
an API answer built from a few facts, so that tests get their frames from ``flatten()`` (the
real shortfall, coverage, labels and dtypes) instead of computing columns by hand; and
``fetch_then_refuse``: a store whose first rentals are shown from an earlier answer.

``JSON`` is any JSON-like value (huge and non-finite numbers, odd text, nesting); ``ANSWER`` is a
status answer whose every field may be missing, of the wrong type or of a surprising value, with
the keys the API really uses so that the flattener's deeper paths are reached.
"""

from __future__ import annotations

import heapq
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from benchmarks._common import busiest_window
from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.schema import TokenEntry, is_answer
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.store.db import Store

__all__ = [
    "ANSWER",
    "AT",
    "JSON",
    "SCALARS",
    "FakeClock",
    "VirtualClock",
    "busiest_window",
    "fetch_then_refuse",
    "rental_answer",
    "serve_on_loopback",
]

#: When test answers were fetched.
AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
#: The API's status code of each status name ("unknown": a code the API does not define).
_CODES = {"requested": 0, "processing": 1, "ready": 2, "failed": 3, "downloaded": 5, "unknown": 4}


def rental_answer(
    token: str,
    status: str = "ready",
    *,
    category: str | None = "102",
    interest: str | None = None,
    sexe: str = "femme",
    cost_total: float = 1.0,
    quantity: int = 10,
    locations: Sequence[tuple[str, str, int, int]] = (),
) -> dict[str, Any]:
    """A success answer as the API sends it; ``locations`` are (type, location, desired,
    available) rows of ``details_localisation``."""
    location: dict[str, Any] = {
        "sexe": sexe,
        "cost": {"quantity": quantity, "total": f"{cost_total:.3f}"},
        "details_localisation": [
            {"Type": kind, "Location": where, "VolumeDesired": str(desired), "Volume": str(got)}
            for kind, where, desired, got in locations
        ],
    }
    if category is not None:
        location["category"] = category
    if interest is not None:
        location["interest"] = interest
    return {"success": True, "token": token, "status": _CODES[status], "location": location}


#: Integers beyond int64 and float64, which typed columns must refuse without crashing.
HUGE = st.sampled_from([10**400, -(10**400), 2**64, -(2**63) - 1, 2**70, 10**4000])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | HUGE
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(
        ["10", " 10 ", "+5", "0,900", "0.900", "1e400", "NaN", "-3", "06200", "", "\u202e\u0000"]
    )
    | st.just("🦄" * 3)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def _keyed(keys: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any subset of ``keys``."""
    return st.fixed_dictionaries({}, optional={key: values for key in keys})


_ENTRY = _keyed(["Type", "Location", "VolumeDesired", "Volume"], JSON)
_LOCATION = _keyed(["sexe", "minAge", "maxAge", "zipcode", "interest", "category"], JSON).flatmap(
    lambda base: st.fixed_dictionaries(
        {},
        optional={
            "details_localisation": st.lists(_ENTRY | JSON, max_size=4) | JSON,
            "cost": _keyed(["quantity", "total", "cost_unity"], JSON) | JSON,
        },
    ).map(lambda extra: {**base, **extra})
)
ANSWER = st.fixed_dictionaries(
    {"success": st.sampled_from([True, True, False, "true", 1, None]) | JSON},
    optional={
        "token": st.text(max_size=10) | JSON,
        "status": JSON | st.sampled_from([0, 1, 2, 3, 5, "5", "File downloaded by user from api"]),
        "location": _LOCATION | JSON,
        "file": _keyed(["phoneNumbers"], JSON) | JSON,
        "code": JSON | st.sampled_from([1, 10, 31, 32, "32", 200]),
        "message": JSON,
    },
)


class FakeClock:
    """A clock that only moves when someone sleeps on it (thread-safe)."""

    def __init__(self, start: float = 100.0) -> None:
        self.now = start
        self.lock = threading.Lock()

    def time(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


class VirtualClock:
    """Simulated time shared by ``threads`` worker threads: deterministic, never really sleeps.

    ``sleep(d)`` blocks the calling thread until the virtual time reaches ``now + d``. The time
    moves only when every worker is asleep (or ``done()``): it jumps to the earliest wake-up. So
    threads that would run side by side in real time see exactly the timeline they would see on an
    idle machine, whatever the load of the real one.
    """

    def __init__(self, threads: int, start: float = 0.0) -> None:
        self.now = start
        self._running = threads
        self._wakeups: list[float] = []
        self._cond = threading.Condition()

    def time(self) -> float:
        with self._cond:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._cond:
            target = self.now + seconds
            if target <= self.now:
                return
            heapq.heappush(self._wakeups, target)
            self._running -= 1
            self._advance()
            while self.now < target:
                self._cond.wait()

    def done(self) -> None:
        """The calling worker has finished: the others' time may move without it."""
        with self._cond:
            self._running -= 1
            self._advance()

    def _advance(self) -> None:
        if self._running or not self._wakeups:
            return
        self.now = heapq.heappop(self._wakeups)
        self._running += 1
        while self._wakeups and self._wakeups[0] <= self.now:
            heapq.heappop(self._wakeups)
            self._running += 1
        self._cond.notify_all()


@contextmanager
def serve_on_loopback(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A small purpose-built HTTP server on 127.0.0.1 (a free port), in a thread; yields its
    root URL (``http://127.0.0.1:PORT``) and shuts it down on exit."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def fetch_then_refuse(
    url: str, path: Path, key: str, tokens: Sequence[str | TokenEntry], *, workers: int = 4
) -> set[str]:
    """Over HTTP: every token fetched with ``key`` into the store at ``path``, then asked again
    (``refresh``) with a key the server refuses. The batch stops after its first few requests,
    whose tokens keep their earlier answer; returns those tokens."""

    def fetch(with_key: str, refresh: bool) -> list[str]:
        retry = RetryPolicy(attempts=1, backoff_base=0.001)
        client = Client(api_key=with_key, base_url=url, rate=None, workers=workers, retry=retry)
        with client, Store(path) as store:
            result = fetch_statuses(
                tokens, client=client, store=store, progress=False, errors="ignore",
                refresh=refresh,
            )  # fmt: skip
        return [r.token for r in result.records if not is_answer(r.outcome)]

    assert not fetch(key, refresh=False), "the first fetch should get every answer"
    failed = set(fetch(f"not-{key}", refresh=True))
    assert failed, "the refused key should have been asked for some tokens"
    return failed


@dataclass(frozen=True)
class Ran:
    """What a run of the real command gave."""

    code: int
    stdout: str
    stderr: str


def run_cli(cwd: Path, *args: str, key: str | None) -> Ran:
    """``python -m smspartner_analytics ARGS`` in ``cwd``, as a process, with only the given
    key set (no ``SMSPARTNER_`` variable of the caller's environment; None: no key)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMSPARTNER_")}
    if key is not None:
        env["SMSPARTNER_API_KEY"] = key
    done = subprocess.run(
        [sys.executable, "-m", "smspartner_analytics", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def count_flattened(monkeypatch: Any) -> list[tuple[int, int]]:
    """The answer-id ranges the frames cache flattens from now on, in order (``(after, upto]``),
    through a wrapper of ``frames.cache._flatten_range`` that ``monkeypatch`` undoes."""
    from smspartner_analytics.frames import cache

    flattened: list[tuple[int, int]] = []
    real = cache._flatten_range

    def counting(source: Any, after: int, upto: int) -> Any:
        flattened.append((after, upto))
        return real(source, after, upto)

    monkeypatch.setattr(cache, "_flatten_range", counting)
    return flattened
