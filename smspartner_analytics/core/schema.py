"""Names shared by every layer: rental status codes and labels, answer outcomes, frame columns.

Column names are part of the product (CSV headers, notebooks, users' scripts): see
``docs/data-dictionary.md``. Pure data, no pandas import here (``import smspartner_analytics``
and ``--help`` stay fast).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Final

__all__ = [
    "ANSWER_OUTCOMES",
    "ATTEMPT_COLUMNS",
    "ERROR_COLUMNS",
    "FINAL_OUTCOMES",
    "HISTORY_COLUMNS",
    "LOCALISATION_COLUMNS",
    "OUTCOMES",
    "RENTAL_COLUMNS",
    "STATUS_BY_CODE",
    "STATUS_LABELS",
    "STATUS_TEXTS",
    "TERMINAL_STATUSES",
    "AnswerRecord",
    "Outcome",
    "TokenEntry",
    "is_answer",
    "is_rental",
    "normalise_status",
]

#: The API's rental status codes (there is no 4) and our names for them.
STATUS_BY_CODE: Final[dict[int, str]] = {
    0: "requested",
    1: "processing",
    2: "ready",
    3: "failed",
    5: "downloaded",
}
#: Every status name, in lifecycle order, ``unknown`` last.
STATUS_LABELS: Final[tuple[str, ...]] = (
    "requested",
    "processing",
    "ready",
    "failed",
    "downloaded",
    "unknown",
)
#: Known free-text statuses (compared case-insensitively, spaces trimmed) and their codes.
STATUS_TEXTS: Final[dict[str, int]] = {
    "file downloaded by user from api": 5,
}
#: Statuses whose answers never change: a refresh does not ask again.
TERMINAL_STATUSES: Final[frozenset[str]] = frozenset({"failed", "downloaded"})


def normalise_status(value: object) -> tuple[str, int | None]:
    """Map the API's ``status`` (int, digit string or known text) to ``(name, code)``.

    Anything else gives ``("unknown", None)``; the caller keeps the API's own words.
    """
    code: int | None = None
    if isinstance(value, bool):
        return "unknown", None
    if isinstance(value, int):
        code = value
    elif isinstance(value, float) and value.is_integer():
        code = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.isdigit() and text.isascii():
            code = int(text)
        else:
            code = STATUS_TEXTS.get(" ".join(text.lower().split()))
    if code is not None and code in STATUS_BY_CODE:
        return STATUS_BY_CODE[code], code
    return "unknown", None


class Outcome(enum.StrEnum):
    """What one stored answer was (``answers.outcome`` in the store).

    A ``StrEnum``: each member *is* its stored text (``Outcome.OK == "ok"``), so the store, the
    frames and the CSV files hold the same plain strings as before.
    """

    OK = "ok"  # success: true (a rental: see is_rental), with or without a location object
    NOT_FOUND = "not_found"  # API code 32: final for the token
    API_ERROR = "api_error"  # any other success: false answer (31, unknown codes)
    AUTH_ERROR = "auth_error"  # codes 1/10 (in any HTTP status)
    RATE_LIMITED = "rate_limited"  # 429 after retries or Retry-After above the cap
    SERVER_ERROR = "server_error"  # 5xx after retries
    TRANSPORT_ERROR = "transport_error"  # connection/timeout/truncation after retries
    PARSE_ERROR = "parse_error"  # HTML, invalid JSON, wrong shape


#: The stored texts, in declaration order (the categories of the ``outcome`` column).
OUTCOMES: Final[tuple[str, ...]] = tuple(outcome.value for outcome in Outcome)
#: Outcomes that are the API's word on the token itself: the rental (``ok``) or "no such rental"
#: (``not_found``). A token's rows in the frames come from its latest answer of these
#: (``is_answer``).
ANSWER_OUTCOMES: Final[frozenset[str]] = frozenset({Outcome.OK, Outcome.NOT_FOUND})
#: Outcomes that are a final answer from the API for the token (not asked again by default),
#: besides an ``ok`` answer whose status is terminal.
FINAL_OUTCOMES: Final[frozenset[str]] = frozenset({Outcome.NOT_FOUND})


def is_answer(outcome: str) -> bool:
    """Whether an answer with this outcome is the API's word on the token (``ANSWER_OUTCOMES``).

    The frames (``load_frames``: rentals, localisations, errors), the store's "final" rule and
    ``watch`` show each token from its latest such answer. Every other outcome is a *failed
    attempt* that says nothing about the rental: a refused key (``auth_error``), another refusal
    of the request (``api_error``: code 31 "token required", codes the API does not document), a
    rate limit, a server error or error page, a network failure, an unreadable answer. A failed
    attempt never hides an earlier answer (it is shown in the ``last_attempt_*`` columns beside
    it); a token with no answer yet is shown by its latest failed attempt, in ``errors``.
    """
    return outcome in ANSWER_OUTCOMES


def is_rental(outcome: str) -> bool:
    """Whether a token whose answer shown (``is_answer``) has this outcome is a *rental*.

    The one definition, used by the fetch summary ("succeeded"), ``flatten``/``load_frames`` (a row
    of ``rentals``, never of ``errors``), the report's and the dashboard's counts, and
    ``status_summary``: the API answered ``success: true``, **with or without** a ``location``
    object (without one, the rental's status is known and its targeting and cost columns are
    missing). Every other outcome is a token without data (``errors``). In ``load_frames`` the
    answer shown is the token's latest answer from the API, so a failed attempt after a success
    (a wrong key, the network down) leaves the token a rental.
    """
    return outcome == Outcome.OK


#: The failed attempt after the answer shown, on ``rentals`` and ``errors`` (``load_frames``;
#: missing when the row is the token's latest attempt, and always in ``flatten``).
ATTEMPT_COLUMNS: Final[tuple[str, ...]] = (
    "last_attempt_at",
    "last_attempt_outcome",
    "last_attempt_reason",
)


RENTAL_COLUMNS: Final[tuple[str, ...]] = (
    "token",
    "status",
    "status_code",
    "status_text",
    "sexe",
    "min_age",
    "max_age",
    "zipcode",
    "interest",
    "interest_label",
    "category",
    "category_label",
    "quantity",
    "cost_total",
    "cost_unit",
    "phone_numbers",
    "fetched_at",
    *ATTEMPT_COLUMNS,
)
LOCALISATION_COLUMNS: Final[tuple[str, ...]] = (
    "token",
    "type",
    "location",
    "volume_desired",
    "volume_available",
    "shortfall",
    "coverage",
)
ERROR_COLUMNS: Final[tuple[str, ...]] = (
    "token",
    "error_code",
    "error_message",
    "http_status",
    "attempts",
    "fetched_at",
    "reason",
    "persistent",
    *ATTEMPT_COLUMNS,
)
HISTORY_COLUMNS: Final[tuple[str, ...]] = (
    "token",
    "fetched_at",
    "outcome",
    "status",
    "status_code",
    "http_status",
)


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer (or recorded failure) for one token; never holds the API key.

    ``outcome`` is one of ``schema.Outcome``; ``body`` is the raw text received (a success whole,
    a failure's excerpt) or None; ``status`` is the normalised rental status for ``ok`` answers
    (``schema.STATUS_LABELS``); ``reason`` the kind of failure (``"HTTP 404 page"``,
    ``"connection refused"``, ``"API code 31"``...), None for a success; ``persistent`` marks a
    failure that came back the same way on consecutive runs (not asked again unless refreshed).
    """

    token: str
    fetched_at: datetime  # timezone-aware, UTC
    outcome: str
    http_status: int | None = None
    body: str | None = None
    error_code: int | None = None
    error_message: str | None = None
    attempts: int = 1
    status: str | None = None
    reason: str | None = None
    persistent: bool = False


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """A token as read from the user's file, with the metadata columns that came with it."""

    token: str
    metadata: dict[str, str]
