"""The HTTP client: one rental-status request, its retries, the rate limit and the redaction.

``Client(api_key=..., base_url=..., retry=RetryPolicy(...))`` resolves its settings through
``config`` when built (a missing key fails before any socket opens) and ``get_status(token)``
returns a ``StatusResponse`` or raises one of the ``RequestError`` subclasses of ``errors``:

==============================================  =================================  ==========
what came back                                  raised                             retried
==============================================  =================================  ==========
``success: true`` on 2xx                        (returns ``StatusResponse``)       -
``success: false`` code 1 / 10 (any status)     ``AuthenticationError``            no
``success: false`` code 31 / 32 / other         ``TokenRequiredError`` /           no
                                                ``RentalNotFoundError`` / ``APIError``
HTTP 429                                        ``RateLimitError``                 yes
HTTP 500/502/503/504 (HTML pages included)      ``ServerError``                    yes
401/403/404 page, 3xx (never followed),         ``ServerError``                    no
other 4xx without the API's JSON
2xx that is not the API's JSON object           ``ResponseParseError``             no
body above ``max_body_bytes``                   ``ResponseParseError``             no
refused/reset/closed, timeout, body cut off,    ``TransportError``                 yes
attempt longer than ``attempt_deadline``
TLS, header garbage, not HTTP                   ``TransportError``                 no
==============================================  =================================  ==========

Every answer up to ``max_body_bytes`` (1 MB) is read, decoded in its declared charset (UTF-8 by
default) and parsed whole; exceptions keep an excerpt. Each attempt has a total deadline
(``RetryPolicy.attempt_deadline``): while the body streams, the socket's timeout is cut to what
is left of it before every read; while the status line and headers arrive, ``deadline.Watchdog``
cuts the connection at the deadline. A server sending one byte a second is given up either way.

Every message and kept body passes through ``redaction``; no ``requests``/``urllib3`` exception
escapes or is chained (``__cause__`` and ``__context__`` stay empty): ``transport.classify``
turns each into a typed ``Failure``. urllib3's own debug log, which prints the request line with
the key, gets a redacting filter.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import time
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import quote

import requests

from smspartner_analytics.client import transport
from smspartner_analytics.client.answers import RawAnswer, interpret, transport_error, unsuccessful
from smspartner_analytics.client.deadline import DeadlineAdapter, Ticket, Watchdog
from smspartner_analytics.client.ratelimit import RateLimiter
from smspartner_analytics.client.retry import RetryPolicy, should_retry
from smspartner_analytics.core.config import (
    DEFAULT_RATE,
    DEFAULT_WORKERS,
    SettingSource,
    locate_api_key,
    resolve_base_url,
)
from smspartner_analytics.core.errors import ConfigurationError, RequestError
from smspartner_analytics.core.redaction import REDACTED, redact_url

__all__ = [
    "ANSWER_FORMATS",
    "MAX_BODY_BYTES",
    "AnswerFormat",
    "Client",
    "RetryPolicy",
    "StatusResponse",
    "install_log_redaction",
]

logger = logging.getLogger(__name__)

#: Bodies larger than this are not the API's JSON: refused without reading them whole.
MAX_BODY_BYTES = 1024 * 1024
#: The forms the API answers in: its JSON (default) or its positional XML (``_format=xml``).
AnswerFormat = Literal["json", "xml"]
ANSWER_FORMATS: Final[tuple[str, ...]] = ("json", "xml")
_CHUNK = 64 * 1024
#: Loggers of urllib3 that print request lines (with the query string).
_URLLIB3_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)
_TRANSPORT_ERRORS = transport.TRANSPORT_ERRORS


@dataclass(frozen=True, slots=True)
class StatusResponse:
    """A successful rental-status answer: the parsed JSON plus how it arrived."""

    token: str
    data: dict[str, Any]  # the parsed JSON object, success is True
    http_status: int
    body: str  # raw text as received
    attempts: int


class _RedactingFilter(logging.Filter):
    """Replace ``apiKey=...`` in a record's message (urllib3 logs the request line at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business
            return True
        cleaned = redact_url(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction() -> None:
    """Add the redacting filter to urllib3's loggers (once; safe to call again)."""
    for name in _URLLIB3_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, _RedactingFilter) for f in target.filters):
            target.addFilter(_RedactingFilter())


def _check_settings(timeout: float | tuple[float, float], retry: object, workers: int) -> None:
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if not all(isinstance(v, int | float) and 0 < v < float("inf") for v in values):
        raise ConfigurationError(f"timeout must be positive seconds, not {timeout!r}.")
    if not isinstance(retry, RetryPolicy):
        raise ConfigurationError(f"retry must be a RetryPolicy, not {retry!r}.")
    if workers < 1:
        raise ConfigurationError(f"workers must be 1 or more, not {workers}.")


class Client:
    """Ask the SMS Partner API for rental statuses; thread-safe, one shared session and limiter.

    ``timeout`` is (connect, read) seconds per wait; ``retry`` the ``RetryPolicy`` (attempts,
    backoff, Retry-After cap, total wait, per-attempt deadline); ``rate`` caps requests per
    second across threads (None/0: no cap); ``workers`` sizes the connection pool (and so caps
    requests in flight); answers above ``max_body_bytes`` are refused unread.
    ``answer_format="xml"`` asks the API for its XML form (``_format=xml``) and reads it, by
    position, into the same dict as the JSON form (``client.xmlanswer``).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        retry: RetryPolicy | None = None,
        rate: float | None = DEFAULT_RATE,
        workers: int = DEFAULT_WORKERS,
        session: requests.Session | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        answer_format: AnswerFormat = "json",
    ) -> None:
        self._api_key, source = locate_api_key(api_key)
        #: Where the key came from, for the message when the API refuses it (never the key).
        #: Whoever resolved the key before passing it as ``api_key`` may set the true source.
        self.key_source: SettingSource = source
        self.base_url = resolve_base_url(base_url)
        self.retry = RetryPolicy() if retry is None else retry
        _check_settings(timeout, self.retry, workers)
        self.timeout = timeout
        self.workers = workers
        self.max_body_bytes = max_body_bytes
        if answer_format not in ANSWER_FORMATS:
            raise ConfigurationError(
                f"answer_format must be one of {', '.join(ANSWER_FORMATS)}, not {answer_format!r}."
            )
        self.answer_format = answer_format
        try:
            self.limiter = RateLimiter(rate)
        except ValueError:
            raise ConfigurationError(
                f"rate must be 0 or more requests per second, not {rate!r}."
            ) from None
        self._owns_session = session is None
        self._session = session if session is not None else self._new_session(workers)
        self._url = f"{self.base_url}/location/status"
        self._rng = random.Random()
        self._watchdog = Watchdog()
        self._read_timeout = float(timeout[1] if isinstance(timeout, tuple) else timeout)
        install_log_redaction()

    @staticmethod
    def _new_session(workers: int) -> requests.Session:
        session = requests.Session()
        adapter = DeadlineAdapter(
            pool_connections=1, pool_maxsize=workers, max_retries=0, pool_block=True
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.trust_env = False  # no .netrc credentials or proxies picked up behind our back
        return session

    def __repr__(self) -> str:
        shown_format = ", answer_format='xml'" if self.answer_format == "xml" else ""
        return (
            f"Client(base_url={self.base_url!r}, apiKey={REDACTED}{shown_format}, "
            f"attempts={self.retry.attempts}, rate={self.limiter.configured_rate}, "
            f"workers={self.workers})"
        )

    def close(self) -> None:
        """Close the session if this client created it, and stop its deadline watchdog."""
        self._watchdog.close()
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def shown_url(self, token: str) -> str:
        """The request URL as it may be shown: the key replaced by ``***``."""
        return f"{self._url}?apiKey={REDACTED}&token={quote(token, safe='')}"

    def rental_status(self, token: str) -> dict[str, Any]:
        """The parsed answer for one token (``get_status(token).data``)."""
        return self.get_status(token).data

    def get_status(self, token: str) -> StatusResponse:
        """One token, with retries. Raises a ``RequestError`` subclass when no data came."""
        policy = self.retry
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            raw = self._send(token)
            if not should_retry(raw.http_status, raw.failure):
                break
            error = self._final_error(token, raw, attempt)
            if raw.http_status == 429:
                self.limiter.penalise()
            if attempt >= policy.attempts:
                raise error
            delay = policy.delay(attempt - 1, raw.retry_after, self._rng)
            if delay is None or waited + delay > policy.max_total_wait:
                raise self._gave_up(error, raw, delay)
            logger.info(
                "Retrying token %s in %.2f s (attempt %d of %d failed: %s) %s",
                token, delay, attempt, policy.attempts, raw.reason(), self.shown_url(token),
            )  # fmt: skip
            time.sleep(delay)
            waited += delay
        if raw.http_status is None:
            raise self._final_error(token, raw, attempt)
        data, text = interpret(
            raw, token=token, attempts=attempt, secrets=(self._api_key,), base_url=self.base_url
        )
        self.limiter.reward()
        return StatusResponse(token, data, raw.http_status, text, attempt)

    def _final_error(self, token: str, raw: RawAnswer, attempts: int) -> RequestError:
        if raw.http_status is None:
            return transport_error(raw, token=token, attempts=attempts, url=self.shown_url(token))
        return unsuccessful(raw, token=token, attempts=attempts, secrets=(self._api_key,))

    def _gave_up(self, error: RequestError, raw: RawAnswer, delay: float | None) -> RequestError:
        if delay is None:
            asked, cap = raw.retry_after, self.retry.retry_after_cap
            why = f"the server asked to wait {asked!r} s, more than {cap:g} s"
        else:
            why = f"retrying would wait more than {self.retry.max_total_wait:g} s in all"
        error.args = (f"{error.message} Gave up early: {why}.",)
        error.message = error.args[0]
        return error

    def _send(self, token: str) -> RawAnswer:
        """One attempt; never raises for network trouble (the failure comes back as data)."""
        params = {"apiKey": self._api_key, "token": token}
        if self.answer_format == "xml":
            params["_format"] = "xml"
        deadline = time.monotonic() + self.retry.attempt_deadline
        ticket = self._watchdog.arm(deadline)
        try:
            try:
                response = self._session.get(
                    self._url, params=params, timeout=self.timeout, allow_redirects=False,
                    stream=True,
                )  # fmt: skip
            except _TRANSPORT_ERRORS as exc:
                return RawAnswer.failed(_failure(exc, ticket, deadline))
            with response:
                raw = self._read(response, deadline, ticket)
                self._watchdog.disarm(ticket)  # before the connection goes back to the pool
                return raw
        finally:
            self._watchdog.disarm(ticket)

    def _read(self, response: requests.Response, deadline: float, ticket: Ticket) -> RawAnswer:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return RawAnswer(status, headers, b"", oversized=True)
        body = bytearray()
        raw = response.raw
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return RawAnswer.failed(transport.DEADLINE, http_status_seen=status)
                _bound_next_read(raw, min(self._read_timeout, left))
                chunk = raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                body += chunk
                if len(body) > self.max_body_bytes:
                    return RawAnswer(status, headers, bytes(body[:_CHUNK]), oversized=True)
        except _TRANSPORT_ERRORS as exc:
            failure = _failure(exc, ticket, deadline)
            if failure is transport.TLS:
                failure = transport.CUT_OFF  # the handshake succeeded: the stream broke
            return RawAnswer.failed(failure, http_status_seen=status)
        if ticket.fired and _unframed(headers):  # the watchdog's cut looks like a normal end
            return RawAnswer.failed(transport.DEADLINE, http_status_seen=status)
        if not body and _unframed(headers):
            # http.client takes a connection closed mid-headers for the end of the headers, and
            # an answer without Content-Length or chunking for one ending at the close: an empty
            # such "answer" is a connection closed before a complete answer, worth a retry.
            return RawAnswer.failed(transport.CLOSED, http_status_seen=status)
        return RawAnswer(status, headers, bytes(body))


def _failure(exc: BaseException, ticket: Ticket, deadline: float) -> transport.Failure:
    """The failure an exception stands for; any failure once the deadline has passed is it."""
    failure = transport.classify(exc)
    if ticket.fired or (failure is transport.READ_TIMEOUT and time.monotonic() >= deadline - 0.05):
        return transport.DEADLINE
    return failure


def _unframed(headers: dict[str, str]) -> bool:
    """No Content-Length and no chunked transfer: the body ends when the connection closes."""
    chunked = "chunked" in headers.get("transfer-encoding", "").lower()
    return "content-length" not in headers and not chunked


def _bound_next_read(raw: Any, seconds: float) -> None:
    """Give the next read of a streaming urllib3 response at most ``seconds``.

    Only while the response still holds its connection: once the body is complete urllib3 hands
    the connection back to the pool (``_connection`` is None), and it may then serve another
    attempt, whose timeouts are not ours to touch.
    """
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):  # closed under us: the read will say so
            sock.settimeout(seconds)
