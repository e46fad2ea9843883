"""From one HTTP attempt to data or one of our exceptions (the client's reading half, no I/O).

``RawAnswer`` is what one attempt produced (status, headers, bytes, or the transport failure);
``interpret`` turns a final answer into the parsed JSON object or raises the matching
``RequestError``; ``unsuccessful`` and ``transport_error`` build the error for a retryable
failure once the retries are spent. Messages are ours and pass through ``redaction``; these
functions raise outside any ``except`` block, so nothing from ``requests`` is chained.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from smspartner_analytics.client.transport import Failure
from smspartner_analytics.client.xmlanswer import XMLShapeError, looks_like_xml, parse_xml_answer
from smspartner_analytics.core.errors import (
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

__all__ = ["RawAnswer", "charset_of", "decode", "interpret", "transport_error", "unsuccessful"]

_KEY_HELP = "check SMSPARTNER_API_KEY (environment or .env file)"


@dataclass(slots=True)
class RawAnswer:
    """One attempt: an HTTP answer (``http_status`` set) or a transport ``failure``."""

    http_status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    oversized: bool = False
    failure: Failure | None = None
    seen_status: int | None = None  # the status line seen before the body failed

    @classmethod
    def failed(cls, failure: Failure, http_status_seen: int | None = None) -> RawAnswer:
        """A transport failure."""
        return cls(None, failure=failure, seen_status=http_status_seen)

    @property
    def retry_after(self) -> str | None:
        """The ``Retry-After`` header as sent, if any."""
        return self.headers.get("retry-after")

    @property
    def is_html(self) -> bool:
        """True when the answer says it is an HTML page (or starts like one)."""
        kind = self.headers.get("content-type", "").lower()
        start = self.body[:200].lstrip().lower()
        return "html" in kind or start.startswith((b"<!doctype", b"<html"))

    def reason(self) -> str:
        """A short description of what went wrong, without any URL."""
        if self.failure is not None:
            return self.failure.reason
        return f"HTTP {self.http_status}"


def charset_of(headers: dict[str, str]) -> str:
    """The declared charset of the answer (``Content-Type: ...; charset=X``), else UTF-8.

    An unknown charset name falls back to UTF-8 (the API's own encoding).
    """
    message = Message()
    message["content-type"] = headers.get("content-type", "")
    declared = message.get_content_charset()
    if declared:
        try:
            return codecs.lookup(declared).name
        except LookupError:
            pass
    return "utf-8"


def decode(raw: RawAnswer, secrets: Iterable[str | None]) -> str:
    """The whole body as text in its declared charset, with every form of the key redacted."""
    return redact(raw.body.decode(charset_of(raw.headers), errors="replace"), secrets)


def _api_object(text: str) -> dict[str, Any] | None:
    """The parsed body when it is a JSON object with a boolean ``success``, else None."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict) and isinstance(data.get("success"), bool):
        return data
    return None


def _parsed(raw: RawAnswer, text: str) -> tuple[dict[str, Any] | None, XMLShapeError | None]:
    """The API's answer from JSON or, when the body is XML (``_format=xml``), from the XML form.

    Returns ``(data, None)``, or ``(None, why)`` for XML that is not an answer of the expected
    shape (never a guessed mapping), or ``(None, None)`` for anything else (HTML pages included).
    """
    if raw.is_html or not looks_like_xml(text):
        return _api_object(text), None
    try:
        return parse_xml_answer(text), None
    except XMLShapeError as problem:
        return None, problem


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
        "code": code, "api_message": api_message, "token": token, "http_status": http_status,
        "attempts": attempts, "body": body, "reason": f"API code {code}",
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


def _page(raw: RawAnswer) -> str:
    return f"HTTP {raw.http_status} page" if raw.is_html else f"HTTP {raw.http_status}"


def interpret(
    raw: RawAnswer, *, token: str, attempts: int, secrets: Iterable[str | None], base_url: str
) -> tuple[dict[str, Any], str]:
    """``(data, body text)`` for a successful answer; otherwise raise the matching error.

    The whole body is decoded (declared charset) and parsed; exceptions keep an excerpt only.
    """
    status = raw.http_status
    if status is None:
        raise transport_error(raw, token=token, attempts=attempts, url=base_url)
    secrets = tuple(secrets)
    text = decode(raw, secrets)
    kw: dict[str, Any] = {"token": token, "http_status": status, "attempts": attempts, "body": text}
    if raw.oversized:
        raise ResponseParseError(
            f"The answer for token {token!r} is too large to be the API's JSON (HTTP {status}); "
            "check the base URL.", reason="answer above the size cap", **kw
        )  # fmt: skip
    if 300 <= status < 400:
        raise ServerError(
            f"The API answered HTTP {status} (a redirect) for token {token!r}; redirects are not "
            f"followed: check the base URL {base_url}.", reason=f"HTTP {status} redirect", **kw
        )  # fmt: skip
    data, xml_problem = _parsed(raw, text)
    if data is not None and data["success"] is False:
        raise api_error(
            data, token=token, http_status=status, attempts=attempts, body=text, secrets=secrets
        )
    if data is not None and 200 <= status < 300:
        return data, text
    if 200 <= status < 300 and xml_problem is not None:
        raise ResponseParseError(
            f"The XML answer for token {token!r} is not the API's answer ({xml_problem.reason}): "
            f"{xml_problem.excerpt!r}; kept for diagnosis.",
            reason="XML answer of an unexpected shape", **kw,
        )  # fmt: skip
    if 200 <= status < 300:
        what = "an HTML page" if raw.is_html else "not the API's JSON"
        raise ResponseParseError(
            f"The answer for token {token!r} is {what} (HTTP {status}, "
            f"{raw.headers.get('content-type', 'no content type')}); kept for diagnosis.",
            reason="HTML page, not the API's JSON" if raw.is_html else "not the API's JSON", **kw,
        )  # fmt: skip
    if status in (401, 403):
        raise ServerError(
            f"HTTP {status} without the API's JSON for token {token!r} (a proxy or firewall "
            "page, not the API's refusal): recorded for this token; if every token gets it, "
            "check the network or the base URL.", reason=_page(raw), **kw
        )  # fmt: skip
    raise ServerError(
        f"The API answered HTTP {status} for token {token!r}, without its JSON.",
        reason=_page(raw), **kw,
    )  # fmt: skip


def unsuccessful(
    raw: RawAnswer, *, token: str, attempts: int, secrets: Iterable[str | None]
) -> RequestError:
    """The error for a retryable HTTP status (429, 5xx) once retries are spent."""
    status = raw.http_status
    kw: dict[str, Any] = {
        "token": token, "http_status": status, "attempts": attempts, "body": decode(raw, secrets),
    }  # fmt: skip
    tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    if status == 429:
        return RateLimitError(
            f"The API kept answering HTTP 429 (too many requests) for token {token!r} {tries}: "
            "lower the rate or run again later.", reason="HTTP 429 (rate limited)", **kw
        )  # fmt: skip
    return ServerError(
        f"The API answered HTTP {status} for token {token!r} {tries}: the service may be down, "
        "run again later.", reason=_page(raw), **kw
    )  # fmt: skip


def transport_error(raw: RawAnswer, *, token: str, attempts: int, url: str) -> TransportError:
    """The error for a transport failure (``url`` already redacted), retried or not."""
    tries = f"after {attempts} attempt{'s' if attempts > 1 else ''}"
    failure = raw.failure
    advice = "Check the network and run again."
    if failure is not None and not failure.retried:
        advice = "Check the base URL and the network."
    return TransportError(
        f"No complete answer for token {token!r} from {url} {tries}: {raw.reason()}. {advice}",
        token=token, http_status=raw.seen_status, attempts=attempts, reason=raw.reason(),
    )  # fmt: skip
