"""The HTTP client: one rental-status request, its retries, the rate limit and the redaction.

``Client(api_key=..., base_url=...)`` resolves its settings through ``config`` when built (a
missing key fails before any socket opens) and ``get_status(token)`` returns a ``StatusResponse``
or raises one of the ``RequestError`` subclasses of ``errors``:

==============================================  =================================  ==========
what came back                                  raised                             retried
==============================================  =================================  ==========
``success: true`` on 2xx                        (returns ``StatusResponse``)       -
``success: false`` code 1 / 10                  ``AuthenticationError``            no
``success: false`` code 31 / 32 / other         ``TokenRequiredError`` /           no
                                                ``RentalNotFoundError`` / ``APIError``
HTTP 401/403 without the API's JSON             ``AuthenticationError``            no
HTTP 429                                        ``RateLimitError``                 yes
HTTP 500/502/503/504 (HTML pages included)      ``ServerError``                    yes
3xx (redirects are never followed), other 4xx   ``ServerError``                    no
2xx that is not the API's JSON object           ``ResponseParseError``             no
body above ``max_body_bytes``                   ``ResponseParseError``             no
refused/reset, timeout, body cut off            ``TransportError``                 yes
==============================================  =================================  ==========

Every message and kept body passes through ``redaction``; no ``requests``/``urllib3`` exception
escapes or is chained (``__cause__`` and ``__context__`` stay empty). urllib3's own debug log,
which prints the request line with the key, gets a redacting filter.
"""

from __future__ import annotations

import http.client
import logging
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter

from smspartner_analytics.client.answers import RawAnswer, interpret, transport_error, unsuccessful
from smspartner_analytics.client.ratelimit import RateLimiter
from smspartner_analytics.client.retry import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    DEFAULT_MAX_RETRIES,
    MAX_TOTAL_WAIT,
    RETRY_AFTER_CAP,
    retry_delay,
    should_retry,
)
from smspartner_analytics.core.config import resolve_api_key, resolve_base_url
from smspartner_analytics.core.errors import ConfigurationError, RequestError
from smspartner_analytics.core.redaction import REDACTED, redact_url

__all__ = ["MAX_BODY_BYTES", "Client", "StatusResponse", "install_log_redaction"]

logger = logging.getLogger(__name__)

#: Bodies larger than this are not the API's JSON: refused without reading them whole.
MAX_BODY_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
#: Loggers of urllib3 that print request lines (with the query string).
_URLLIB3_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.response",
    "urllib3.util.retry",
)
_TRANSPORT_ERRORS = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


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


def _check_settings(timeout: float | tuple[float, float], max_retries: int, workers: int) -> None:
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if not all(isinstance(v, int | float) and 0 < v < float("inf") for v in values):
        raise ConfigurationError(f"timeout must be positive seconds, not {timeout!r}.")
    if max_retries < 0:
        raise ConfigurationError(f"max_retries must be 0 or more, not {max_retries}.")
    if workers < 1:
        raise ConfigurationError(f"workers must be 1 or more, not {workers}.")


class Client:
    """Ask the SMS Partner API for rental statuses; thread-safe, one shared session and limiter.

    ``timeout`` is (connect, read) seconds per attempt; ``max_retries`` extra attempts follow a
    retryable failure; ``rate`` caps requests per second across threads (None/0: no cap);
    ``workers`` sizes the connection pool (and so caps requests in flight). ``backoff_base``,
    ``backoff_cap``, ``retry_after_cap``, ``max_total_wait`` and ``max_body_bytes`` tune the
    retry policy (tests use small values).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = DEFAULT_MAX_RETRIES,
        rate: float | None = 5.0,
        workers: int = 4,
        session: requests.Session | None = None,
        backoff_base: float = BACKOFF_BASE,
        backoff_cap: float = BACKOFF_CAP,
        retry_after_cap: float = RETRY_AFTER_CAP,
        max_total_wait: float = MAX_TOTAL_WAIT,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self._api_key = resolve_api_key(api_key)
        self.base_url = resolve_base_url(base_url)
        _check_settings(timeout, max_retries, workers)
        self.timeout = timeout
        self.max_retries = max_retries
        self.workers = workers
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.retry_after_cap = retry_after_cap
        self.max_total_wait = max_total_wait
        self.max_body_bytes = max_body_bytes
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
        install_log_redaction()

    @staticmethod
    def _new_session(workers: int) -> requests.Session:
        session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=workers, max_retries=0, pool_block=True
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.trust_env = False  # no .netrc credentials or proxies picked up behind our back
        return session

    def __repr__(self) -> str:
        return (
            f"Client(base_url={self.base_url!r}, apiKey={REDACTED}, "
            f"max_retries={self.max_retries}, rate={self.limiter.configured_rate}, "
            f"workers={self.workers})"
        )

    def close(self) -> None:
        """Close the session if this client created it."""
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
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            raw = self._send(token)
            if not should_retry(raw.http_status, raw.error):
                break
            error = self._final_error(token, raw, attempt)
            if raw.http_status == 429:
                self.limiter.penalise()
            if attempt > self.max_retries:
                raise error
            delay = self._delay(attempt, raw)
            if delay is None or waited + delay > self.max_total_wait:
                raise self._gave_up(error, raw, delay)
            logger.info(
                "Retrying token %s in %.2f s (attempt %d of %d failed: %s) %s",
                token, delay, attempt, self.max_retries + 1, raw.reason(), self.shown_url(token),
            )  # fmt: skip
            time.sleep(delay)
            waited += delay
        data, text = interpret(
            raw, token=token, attempts=attempt, secrets=(self._api_key,), base_url=self.base_url
        )
        self.limiter.reward()
        assert raw.http_status is not None
        return StatusResponse(token, data, raw.http_status, text, attempt)

    def _delay(self, attempt: int, raw: RawAnswer) -> float | None:
        return retry_delay(
            attempt - 1,
            raw.retry_after,
            base=self.backoff_base,
            cap=self.backoff_cap,
            retry_after_cap=self.retry_after_cap,
            rng=self._rng,
        )

    def _final_error(self, token: str, raw: RawAnswer, attempts: int) -> RequestError:
        if raw.http_status is None:
            return transport_error(raw, token=token, attempts=attempts, url=self.shown_url(token))
        return unsuccessful(raw, token=token, attempts=attempts, secrets=(self._api_key,))

    def _gave_up(self, error: RequestError, raw: RawAnswer, delay: float | None) -> RequestError:
        if delay is None:
            asked, cap = raw.retry_after, self.retry_after_cap
            why = f"the server asked to wait {asked!r} s, more than {cap:g} s"
        else:
            why = f"retrying would wait more than {self.max_total_wait:g} s in all"
        error.args = (f"{error.message} Gave up early: {why}.",)
        error.message = error.args[0]
        return error

    def _send(self, token: str) -> RawAnswer:
        """One attempt; never raises for network trouble (the failure comes back as data)."""
        params = {"apiKey": self._api_key, "token": token}
        try:
            response = self._session.get(
                self._url, params=params, timeout=self.timeout, allow_redirects=False, stream=True
            )
        except _TRANSPORT_ERRORS as exc:
            return RawAnswer.failed(exc)
        with response:
            return self._read(response)

    def _read(self, response: requests.Response) -> RawAnswer:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return RawAnswer(status, headers, b"", oversized=True)
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > self.max_body_bytes:
                    return RawAnswer(status, headers, bytes(body[:_CHUNK]), oversized=True)
        except _TRANSPORT_ERRORS as exc:
            return RawAnswer.failed(exc, http_status_seen=status)
        return RawAnswer(status, headers, bytes(body))
