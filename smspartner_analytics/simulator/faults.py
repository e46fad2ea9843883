"""The sandbox's fault tokens: a small grammar that asks the server to misbehave on purpose.

Grammar (the token sent as ``token=``)::

    fault-<kind>[-then-ok-<K>]

``-then-ok-K``: the first K requests for that token get the fault, later ones a real success (a
rental generated from the token). Without it, every request for the token gets the fault.

=====================  ==================================================================
kind                   answer
=====================  ==================================================================
``429``                HTTP 429, JSON error body, no Retry-After
``429-ra-<V>``         HTTP 429 with ``Retry-After: V`` sent verbatim (``2``, ``1.5``, ``abc``,
                       ``-1``, ``inf``, ``nan``, ``999``); ``V=date`` sends an HTTP date 2 s
                       ahead, ``V=empty`` an empty header
``<NNN>``              HTTP NNN (400-599) with a plain-text body (not the API's JSON)
``html`` / ``html-N``  an HTML proxy page with HTTP 200 (or N)
``code-<N>``           HTTP 200, ``{"success": false, "code": N, "message": ...}``
``truncated``          HTTP 200, Content-Length larger than the bytes sent, then close
``badjson``            HTTP 200, a complete body that is not valid JSON
``wrongshape``         HTTP 200, a JSON list
``huge``               HTTP 200, a 5 MiB JSON body with its Content-Length
``huge-chunked``       HTTP 200, a 5 MiB body sent chunked (no Content-Length)
``slow-<MS>``          waits MS milliseconds, then a real success
``hang``               never answers (until the server stops, 60 s at most)
``reset``              closes the connection without answering (TCP reset)
``redirect``           HTTP 302 to ``.../location/status?token=redirected`` (count it!)
``echo``               HTTP 502, an HTML page quoting the request line (API key included,
                       as a careless proxy would): for testing that kept bodies are redacted
``echo-raw``           the same, quoting the request target percent-decoded (the raw key),
                       and the key alone, percent-encoded, without its ``apiKey=``
``big-<N>``            HTTP 200, a real success with N localities (a national campaign)
``latin1``             HTTP 200, ``success: false`` code 77 with a French message, sent in
                       ISO-8859-1 with ``charset=iso-8859-1`` declared
``slowloris-<MS>``     HTTP 200, a real success whose body comes one byte every MS ms
                       (headers at once, Content-Length right)
``slowheaders-<MS>``   HTTP 200 status line, then the headers one byte every MS ms
``headers-cut``        a status line and half a header, then the connection closes
``dup-length``         HTTP 200 with two Content-Length headers that disagree
=====================  ==================================================================

Random faults (``fault_rate``) draw from ``RANDOM_FAULTS``: transient ones a client should retry.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

__all__ = [
    "FAULT_PREFIX",
    "RANDOM_FAULTS",
    "REDIRECT_TARGET",
    "Fault",
    "fault_for_request",
    "parse_fault",
    "random_fault",
]

FAULT_PREFIX = "fault-"
#: Where ``fault-redirect`` points: a token whose request count shows whether it was followed.
REDIRECT_TARGET = "redirected"
_GRAMMAR = re.compile(r"^fault-(?P<kind>.+?)(?:-then-ok-(?P<k>\d+))?$")
_KINDS = re.compile(
    r"^(?:429-ra-.*|[45]\d\d|html(?:-[1-5]\d\d)?|code-\d+|slow-\d+|huge-chunked|"
    r"truncated|badjson|wrongshape|huge|hang|reset|redirect|echo|echo-raw|big-\d+|latin1|"
    r"slowloris-\d+|slowheaders-\d+|headers-cut|dup-length)$"
)


@dataclass(frozen=True, slots=True)
class Fault:
    """One parsed fault: ``kind`` as in the grammar, ``ok_after`` = K of ``-then-ok-K``."""

    kind: str
    ok_after: int | None = None

    @property
    def status(self) -> int:
        """The HTTP status this fault answers with (200 for body-level faults)."""
        if self.kind.startswith("429"):
            return 429
        if self.kind.isdigit():
            return int(self.kind)
        if self.kind.startswith("html-"):
            return int(self.kind[5:])
        return {"redirect": 302, "echo": 502}.get(self.kind, 200)

    @property
    def retry_after(self) -> str | None:
        """The Retry-After value to send verbatim (``date`` is turned into a date by the server)."""
        if not self.kind.startswith("429-ra-"):
            return None
        value = self.kind[len("429-ra-") :]
        return "" if value == "empty" else value


def parse_fault(token: str) -> Fault | None:
    """The fault a token asks for, or None for an ordinary token (or an unknown fault kind)."""
    match = _GRAMMAR.match(token)
    if match is None or not _KINDS.match(match["kind"]):
        return None
    k = match["k"]
    return Fault(match["kind"], int(k) if k is not None else None)


def fault_for_request(fault: Fault, count: int) -> Fault | None:
    """The fault to apply to the ``count``-th request (1-based) of its token, None = succeed."""
    if fault.kind.startswith("slow-"):
        return fault  # slow answers always end in a success, the handler sleeps first
    if fault.ok_after is not None and count > fault.ok_after:
        return None
    return fault


#: Transient faults for ``fault_rate``: every one is worth a retry.
RANDOM_FAULTS: tuple[Fault, ...] = (
    Fault("429-ra-0"),
    Fault("429-ra-1"),
    Fault("500"),
    Fault("502"),
    Fault("503"),
    Fault("504"),
    Fault("html-502"),
    Fault("truncated"),
)


def random_fault(seed: int, token: str, count: int, rate: float) -> Fault | None:
    """With probability ``rate``, a fault for this request; the same for the same arguments."""
    if rate <= 0:
        return None
    rng = random.Random(f"{seed}:{token}:{count}")
    if rng.random() >= rate:
        return None
    return rng.choice(RANDOM_FAULTS)
