"""From one answer to the record the store keeps, and what a run of records says.

- ``to_record(token, answer_or_error)``: the ``AnswerRecord`` of a ``StatusResponse`` or a
  ``RequestError`` (its ``reason`` is the kind of failure, the same text for every token that
  failed that way, so failures group).
- Persistent failures: an answer that arrived but was not the API's data (a parse error, an
  HTTP error page, a body cut off) and that came back the same way (outcome, HTTP status, code,
  reason) on ``PERSISTENT_RUNS`` runs in a row is marked ``persistent``, provided the API
  answered other tokens in the same run (so an outage of the whole service never marks every
  token). Asking again will not help: the token is left out of the "run again" advice and of
  the next runs, until a refresh. Network failures (refused, timeouts, DNS) and 429s are never
  persistent: they say nothing about the token.
- ``wrong_place(record)``: a failure that, when every first answer has it, says the base URL
  leads somewhere that is not the API (an HTML 404, a firewall page, refused, DNS, TLS).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from smspartner_analytics.client import transport
from smspartner_analytics.client.retry import RETRYABLE_STATUSES
from smspartner_analytics.core.errors import (
    APIError,
    AuthenticationError,
    RateLimitError,
    RentalNotFoundError,
    RequestError,
    ResponseParseError,
    ServerError,
    TransportError,
)
from smspartner_analytics.core.redaction import redact
from smspartner_analytics.core.schema import AnswerRecord, Outcome, normalise_status

if TYPE_CHECKING:
    from smspartner_analytics.client.http import StatusResponse

__all__ = [
    "API_ANSWERS",
    "PERSISTENT_RUNS",
    "RETRYABLE_OUTCOMES",
    "is_tls_failure",
    "mark_persistent",
    "may_persist",
    "to_record",
    "wrong_place",
]

#: Outcomes that mean "no answer from the API yet": the token is asked again on the next run
#: (unless the same failure is persistent).
RETRYABLE_OUTCOMES: Final = frozenset(
    {Outcome.RATE_LIMITED, Outcome.SERVER_ERROR, Outcome.TRANSPORT_ERROR, Outcome.PARSE_ERROR}
)
#: Outcomes that came from the API itself: they prove the base URL is right.
API_ANSWERS: Final = frozenset(
    {Outcome.OK, Outcome.NOT_FOUND, Outcome.API_ERROR, Outcome.AUTH_ERROR}
)
#: Identical failures on this many runs in a row make a token's failure persistent.
PERSISTENT_RUNS: Final = 3

_WRONG_PLACE_REASONS: Final = frozenset(f.reason for f in transport.WRONG_PLACE)
_OUTCOME_BY_ERROR: Final[tuple[tuple[type[RequestError], Outcome], ...]] = (
    (RentalNotFoundError, Outcome.NOT_FOUND),
    (AuthenticationError, Outcome.AUTH_ERROR),
    (APIError, Outcome.API_ERROR),
    (RateLimitError, Outcome.RATE_LIMITED),
    (ServerError, Outcome.SERVER_ERROR),
    (ResponseParseError, Outcome.PARSE_ERROR),
    (TransportError, Outcome.TRANSPORT_ERROR),
)


def _outcome_of(exc: RequestError) -> Outcome:
    for kind, outcome in _OUTCOME_BY_ERROR:
        if isinstance(exc, kind):
            return outcome
    return Outcome.TRANSPORT_ERROR


def to_record(token: str, answer: StatusResponse | RequestError) -> AnswerRecord:
    """Turn a ``StatusResponse`` or a ``RequestError`` into the record the store keeps."""
    now = datetime.now(UTC)
    if isinstance(answer, RequestError):
        code = answer.code if isinstance(answer, APIError) else None
        message = answer.api_message if isinstance(answer, APIError) else None
        return AnswerRecord(
            token=token,
            fetched_at=now,
            outcome=_outcome_of(answer),
            http_status=answer.http_status,
            body=answer.body,
            error_code=code,
            error_message=redact(message or answer.message),
            attempts=answer.attempts,
            reason=answer.reason,
        )
    data = answer.data
    return AnswerRecord(
        token=token,
        fetched_at=now,
        outcome=Outcome.OK,
        http_status=answer.http_status,
        body=answer.body,
        attempts=answer.attempts,
        status=normalise_status(data.get("status") if isinstance(data, dict) else None)[0],
    )


def may_persist(rec: AnswerRecord) -> bool:
    """True for a failure that says something about the token's answer itself.

    An HTTP answer came (``http_status`` is set) and it was not the API's data: a parse error,
    an error page, a body cut off after the status line. Not 429s, not network failures.
    """
    return rec.http_status is not None and rec.outcome in (
        Outcome.PARSE_ERROR,
        Outcome.SERVER_ERROR,
        Outcome.TRANSPORT_ERROR,
    )


def _signature(rec: AnswerRecord) -> tuple[object, ...]:
    return (rec.outcome, rec.http_status, rec.error_code, rec.reason)


def mark_persistent(rec: AnswerRecord, previous: Sequence[AnswerRecord]) -> AnswerRecord:
    """``rec`` marked persistent when the ``PERSISTENT_RUNS - 1`` answers before it (newest
    first) are the same failure (same outcome, HTTP status, code and reason)."""
    earlier = list(previous[: PERSISTENT_RUNS - 1])
    if not may_persist(rec) or len(earlier) < PERSISTENT_RUNS - 1:
        return rec
    if all(may_persist(p) and _signature(p) == _signature(rec) for p in earlier):
        return dataclasses.replace(rec, persistent=True)
    return rec


def is_tls_failure(rec: AnswerRecord) -> bool:
    """True when the TLS handshake or the server's certificate failed (the same for all tokens)."""
    return rec.outcome == Outcome.TRANSPORT_ERROR and rec.reason == transport.TLS.reason


def wrong_place(rec: AnswerRecord) -> bool:
    """True for a failure that, on every first answer, says the base URL is not the API's.

    Refused, DNS, no route, TLS, not HTTP; or an HTTP answer without the API's JSON that is not
    worth a retry (an HTML 404, a 403 firewall page, a redirect, a 200 that is not JSON).
    """
    if rec.outcome == Outcome.TRANSPORT_ERROR:
        return rec.reason in _WRONG_PLACE_REASONS
    if rec.outcome not in (Outcome.PARSE_ERROR, Outcome.SERVER_ERROR):
        return False
    return rec.http_status is not None and rec.http_status not in RETRYABLE_STATUSES
