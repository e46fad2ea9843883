"""From one HTTP attempt to data or one of our exceptions (the client's reading half, no I/O).

``RawAnswer`` is what one attempt produced (status, headers, bytes, or the transport failure);
``interpret`` turns a final answer into the parsed JSON object or raises the matching
``RequestError``; ``unsuccessful`` and ``transport_error`` build the error for a retryable
failure once the retries are spent. Messages are ours and pass through ``redaction``; these
functions raise outside any ``except`` block, so nothing from ``requests`` is chained.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import requests

from smspartner_analytics.core.errors import (
    MAX_KEPT_BODY,
    APIError,
    AuthenticationError,
    RateLimitError,
    RentalNotFoundError,
    RequestError,
    ResponseParseError,
    ServerError,
    TokenRequiredError,
    TransportError,
)
from smspartner_analytics.core.redaction import redact

__all__ = ["RawAnswer", "interpret", "transport_error", "unsuccessful"]

_KEY_HELP = "check SMSPARTNER_API_KEY (environment or .env file)"


@dataclass(slots=True)
class RawAnswer:
    """One attempt: an HTTP answer (``http_status`` set) or a transport failure (``error``)."""

    http_status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    oversized: bool = False
    error: BaseException | None = None
    seen_status: int | None = None  # the status line seen before the body failed

    @classmethod
    def failed(cls, error: BaseException, http_status_seen: int | None = None) -> RawAnswer:
        """A transport failure (the exception is kept for the retry decision only)."""
        return cls(None, error=error, seen_status=http_status_seen)

    @property
    def retry_after(self) -> str | None:
        """The ``Retry-After`` header as sent, if any."""
        return self.headers.get("retry-after")

    def reason(self) -> str:
        """A short description of what went wrong, without any URL."""
        if self.error is not None:
            return describe_transport(self.error)
        return f"HTTP {self.http_status}"


def describe_transport(error: BaseException) -> str:
    """Name a transport failure from exception *types* only (their text holds the URL)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo and len(seen) < 12:
        exc = todo.pop()
        seen.append(exc)
        todo += [e for e in (exc.__cause__, exc.__context__) if e is not None]
        todo += [a for a in exc.args if isinstance(a, BaseException)]
        reason = getattr(exc, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    kinds = [type(e) for e in seen]
    checks: list[tuple[type[BaseException], str]] = [
        (requests.exceptions.ConnectTimeout, "connect timed out"),
        (requests.exceptions.ChunkedEncodingError, "the body was cut off before its end"),
        (requests.exceptions.ReadTimeout, "read timed out"),
        (requests.exceptions.SSLError, "TLS handshake or certificate failed"),
        (ConnectionRefusedError, "connection refused"),
        (ConnectionResetError, "connection reset"),
        (TimeoutError, "timed out"),
    ]
    for kind, text in checks:
        if any(issubclass(k, kind) for k in kinds):
            return text
    if any("Timeout" in k.__name__ for k in kinds):
        return "timed out"
    return f"connection failed ({type(error).__name__})"


def _text(raw: RawAnswer, secrets: Iterable[str | None]) -> str:
    return redact(raw.body[: MAX_KEPT_BODY * 4].decode("utf-8", errors="replace"), secrets)


def _api_object(text: str) -> dict[str, Any] | None:
    """The parsed body when it is a JSON object with a boolean ``success``, else None."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("success"), bool):
        return data
    return None


def _code(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def api_error(
    data: dict[str, Any], *, token: str, http_status: int, attempts: int, body: str,
    secrets: Iterable[str | None],
) -> APIError:  # fmt: skip
    """The exception for a ``success: false`` answer, by the API's code."""
    code = _code(data.get("code"))
    raw_message = data.get("message")
    api_message = redact(str(raw_message), secrets) if raw_message is not None else None
    said = f"code {code}: {api_message}" if api_message else f"code {code}"
    kw: dict[str, Any] = {
        "code": code, "api_message": api_message, "token": token,
        "http_status": http_status, "attempts": attempts, "body": body,
    }  # fmt: skip
    if code in (1, 10):
        return AuthenticationError(f"The API refused the API key ({said}): {_KEY_HELP}.", **kw)
    if code == 31:
        return TokenRequiredError(
            f"The API says a token is required ({said}): the token was empty.", **kw
        )
    if code == 32:
        return RentalNotFoundError(
            f"The API does not know rental token {token!r} ({said}): check the token.", **kw
        )
    return APIError(f"The API answered success: false for token {token!r} ({said}).", **kw)


def interpret(
    raw: RawAnswer, *, token: str, attempts: int, secrets: Iterable[str | None], base_url: str
) -> tuple[dict[str, Any], str]:
    """``(data, body text)`` for a successful answer; otherwise raise the matching error."""
    status = raw.http_status
    assert status is not None
    secrets = tuple(secrets)
    text = _text(raw, secrets)
    kw: dict[str, Any] = {"token": token, "http_status": status, "attempts": attempts, "body": text}
    if raw.oversized:
        raise ResponseParseError(
            f"The answer for token {token!r} is too large to be the API's JSON (HTTP {status}); "
            "check the base URL.", **kw
        )  # fmt: skip
    if 300 <= status < 400:
        raise ServerError(
            f"The API answered HTTP {status} (a redirect) for token {token!r}; redirects are not "
            f"followed: check the base URL {base_url}.", **kw
        )  # fmt: skip
    data = _api_object(text)
    if data is not None and data["success"] is False:
        raise api_error(
            data, token=token, http_status=status, attempts=attempts, body=text, secrets=secrets
        )
    if data is not None and 200 <= status < 300:
        return data, text
    if status in (401, 403):
        raise AuthenticationError(
            f"The API refused the request with HTTP {status}: {_KEY_HELP}.", **kw
        )
    if 200 <= status < 300:
        raise ResponseParseError(
            f"The answer for token {token!r} is not the API's JSON (HTTP {status}, "
            f"{raw.headers.get('content-type', 'no content type')}); kept for diagnosis.", **kw
        )  # fmt: skip
    raise ServerError(
        f"The API answered HTTP {status} for token {token!r}, without its JSON.", **kw
    )


def unsuccessful(
    raw: RawAnswer, *, token: str, attempts: int, secrets: Iterable[str | None]
) -> RequestError:
    """The error for a retryable HTTP status (429, 5xx) once retries are spent."""
    status = raw.http_status
    kw: dict[str, Any] = {
        "token": token, "http_status": status, "attempts": attempts, "body": _text(raw, secrets),
    }  # fmt: skip
    tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    if status == 429:
        return RateLimitError(
            f"The API kept answering HTTP 429 (too many requests) for token {token!r} {tries}: "
            "lower the rate or run again later.", **kw
        )  # fmt: skip
    return ServerError(
        f"The API answered HTTP {status} for token {token!r} {tries}: the service may be down, "
        "run again later.", **kw
    )  # fmt: skip


def transport_error(raw: RawAnswer, *, token: str, attempts: int, url: str) -> TransportError:
    """The error for a transport failure once retries are spent (``url`` already redacted)."""
    tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    return TransportError(
        f"No complete answer for token {token!r} from {url} {tries}: {raw.reason()}. "
        "Check the network and run again.",
        token=token, http_status=raw.seen_status, attempts=attempts,
    )  # fmt: skip
