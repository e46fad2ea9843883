"""The toolkit's exceptions: every error we raise on purpose is one of these.

Messages are built by us, never copied from ``requests``/``urllib3`` (their text carries the full
URL, and the API key travels in the query string). Context is carried as attributes.

Tree::

    SMSPartnerError
    ├── ConfigurationError         settings are missing or wrong (key, base URL, options)
    │   └── MissingAPIKeyError     no API key in the argument, SMSPARTNER_API_KEY or .env
    ├── InputError                 a tokens file or other user input cannot be used
    ├── StoreError                 the SQLite store cannot be opened, read or migrated
    │   ├── StoreFullError         the disk (or the store's size cap) is full: nothing more fits
    │   ├── ReadOnlyStoreError     the store cannot be written (read-only file, folder or mount)
    │   └── StoreBusyError         another fetch is writing the store (one writer at a time)
    ├── ReportError                a report cannot be written (empty store, unwritable folder)
    ├── BatchStoppedError          a fetch stopped early: TLS failed, or its first answers all
    │                              failed the same way and none came from the API (base URL)
    └── RequestError               one rental-status request did not give data (.token, .attempts)
        ├── APIError               the API answered ``success: false`` (.code, .api_message)
        │   ├── AuthenticationError   codes 1/10 (in any HTTP status): the whole account is refused
        │   ├── TokenRequiredError    code 31: the token was empty
        │   └── RentalNotFoundError   code 32: the API does not know this token
        ├── RateLimitError         HTTP 429 after every retry, or a Retry-After above the cap
        ├── ServerError            HTTP 5xx after every retry, or another status without the
        │                          API's JSON (a 403 firewall page, a 404 page, a redirect)
        ├── TransportError         no complete HTTP answer: refused/reset/closed connection,
        │                          timeout, deadline, body cut off, TLS, DNS, header garbage
        └── ResponseParseError     HTML, invalid or truncated JSON, JSON of the wrong shape
"""

from __future__ import annotations

__all__ = [
    "APIError",
    "AuthenticationError",
    "BatchStoppedError",
    "ConfigurationError",
    "InputError",
    "MissingAPIKeyError",
    "RateLimitError",
    "ReadOnlyStoreError",
    "RentalNotFoundError",
    "ReportError",
    "RequestError",
    "ResponseParseError",
    "SMSPartnerError",
    "ServerError",
    "StoreBusyError",
    "StoreError",
    "StoreFullError",
    "TokenRequiredError",
    "TransportError",
]

#: How much of a raw body an exception keeps for diagnosis.
MAX_KEPT_BODY = 2000


class SMSPartnerError(Exception):
    """Root of every error the toolkit raises on purpose."""


class ConfigurationError(SMSPartnerError):
    """Settings are missing or invalid."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was given in the argument, SMSPARTNER_API_KEY or a .env file."""


class InputError(SMSPartnerError):
    """A tokens file or another user input cannot be used."""


class StoreError(SMSPartnerError):
    """The SQLite store cannot be opened, read or migrated."""


class StoreFullError(StoreError):
    """The disk holding the store is full: what was committed before stays saved."""


class ReadOnlyStoreError(StoreError):
    """The store cannot be written (read-only file, folder or mount); it can still be read."""


class StoreBusyError(StoreError):
    """Another fetch (another process, or another thread of this one) is writing the store:
    one writer per store at a time. Readers are never refused."""


class ReportError(SMSPartnerError):
    """A report cannot be written."""


class BatchStoppedError(SMSPartnerError):
    """A fetch stopped before asking every token: a TLS failure (the same for every token), or
    its first answers all failed the same way with none from the API (a wrong base URL, nothing
    listening, an unknown host). The message names the base URL and what to check."""


class RequestError(SMSPartnerError):
    """One rental-status request did not give data.

    Attributes: ``token``, ``http_status`` (None without an HTTP answer), ``attempts``,
    ``body`` (an excerpt of the raw body, cut to ``MAX_KEPT_BODY`` characters, or None) and
    ``reason``: the kind of failure, the same text for every token that failed that way
    (``"HTTP 404 page"``, ``"connection refused"``, ``"API code 31"``), used to group failures.
    """

    def __init__(
        self,
        message: str,
        *,
        token: str | None = None,
        http_status: int | None = None,
        attempts: int = 1,
        body: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.token = token
        self.http_status = http_status
        self.attempts = attempts
        self.body = body[:MAX_KEPT_BODY] if body is not None else None
        self.reason = reason or type(self).__name__


class APIError(RequestError):
    """The API answered ``success: false``; ``code`` and ``api_message`` are the API's own."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        api_message: str | None = None,
        token: str | None = None,
        http_status: int | None = None,
        attempts: int = 1,
        body: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(
            message,
            token=token,
            http_status=http_status,
            attempts=attempts,
            body=body,
            reason=reason or f"API code {code}",
        )
        self.code = code
        self.api_message = api_message


class AuthenticationError(APIError):
    """The API key is missing or wrong (codes 1/10): every request will fail."""


class TokenRequiredError(APIError):
    """Code 31: the request carried no rental token."""


class RentalNotFoundError(APIError):
    """Code 32: the API does not know this rental token (a final answer for the token)."""


class RateLimitError(RequestError):
    """HTTP 429 after every retry, or a Retry-After longer than the client will wait."""


class ServerError(RequestError):
    """HTTP 5xx, or another status without an API body, after every retry."""


class TransportError(RequestError):
    """No complete HTTP answer: refused/reset/closed connection, timeout, deadline, body cut off,
    TLS or DNS failure, malformed headers (``reason`` says which)."""


class ResponseParseError(RequestError):
    """The body is not the API's JSON: an HTML page, invalid or truncated JSON, a wrong shape."""
