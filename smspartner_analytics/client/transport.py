"""Name every way an attempt can fail below HTTP: one ``Failure`` per kind, from exception types.

``classify(exc)`` walks an exception from ``requests``/``urllib3``/``http.client``/``ssl``/the
socket layer (its causes, context and arguments included) and returns the ``Failure`` it is.
Only exception *types* are read: their text holds the request URL, and so the API key.

==============================  ==========================================  =======  =========
failure                         typical exception                            retried  stops batch
==============================  ==========================================  =======  =========
``TLS``                         certificate not trusted, handshake failed    no       at once
``NAME_NOT_RESOLVED``           DNS failure                                  yes      first ones
``REFUSED``                     nothing listens on that port                 yes      first ones
``CONNECT_FAILED``              no route to the host, network unreachable    yes      first ones
``NOT_HTTP``                    the status line is not HTTP                  no       first ones
``CONNECT_TIMEOUT``             no TCP connection in time                    yes      no
``READ_TIMEOUT``                no byte for the read timeout                 yes      no
``DEADLINE``                    the attempt outlived ``attempt_deadline``    yes      no
``CLOSED``                      closed before the status line or mid-headers yes      no
``RESET``                       connection reset by the peer                 yes      no
``CUT_OFF``                     fewer body bytes than announced, bad chunk   yes      no
``BAD_HEADERS``                 conflicting Content-Length, header garbage   no       no
``BAD_URL``                     the URL cannot be requested                  no       no
``OTHER``                       anything else from the network layer         no       no
==============================  ==========================================  =======  =========

"stops batch / first ones": ``fetch_statuses`` stops early when its first answers all fail that
way and none came from the API (a wrong base URL or a server that is not there).
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from typing import Final

import requests
import urllib3.exceptions

__all__ = ["TRANSPORT_ERRORS", "WRONG_PLACE", "Failure", "classify"]

#: What ``requests`` and the layers below may raise while one attempt runs.
TRANSPORT_ERRORS: Final = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
    ValueError,  # urllib3 and http.client raise it for some malformed framing
)


@dataclass(frozen=True, slots=True)
class Failure:
    """One kind of transport failure: ``reason`` (a short phrase, no URL) and ``retried``."""

    reason: str
    retried: bool


TLS: Final = Failure("TLS certificate or handshake failed", retried=False)
NAME_NOT_RESOLVED: Final = Failure("host name not found (DNS)", retried=True)
REFUSED: Final = Failure("connection refused", retried=True)
CONNECT_FAILED: Final = Failure("could not connect (no route to the host)", retried=True)
NOT_HTTP: Final = Failure("the server does not speak HTTP", retried=False)
CONNECT_TIMEOUT: Final = Failure("connect timed out", retried=True)
READ_TIMEOUT: Final = Failure("read timed out", retried=True)
DEADLINE: Final = Failure("no complete answer within the per-attempt deadline", retried=True)
CLOSED: Final = Failure("connection closed before a complete answer", retried=True)
RESET: Final = Failure("connection reset", retried=True)
CUT_OFF: Final = Failure("the body was cut off before its end", retried=True)
BAD_HEADERS: Final = Failure("malformed HTTP headers", retried=False)
BAD_URL: Final = Failure("the URL cannot be requested", retried=False)
OTHER: Final = Failure("connection failed", retried=False)

#: Failures that say the base URL leads nowhere useful, when every first answer has them.
WRONG_PLACE: Final = frozenset({TLS, NAME_NOT_RESOLVED, REFUSED, CONNECT_FAILED, NOT_HTTP})

# (exception type, failure), first match wins: order matters where types inherit
# (RemoteDisconnected is a ConnectionResetError and a BadStatusLine; SSLError an OSError).
_RULES: Final[tuple[tuple[type[BaseException], Failure], ...]] = (
    (requests.exceptions.SSLError, TLS),
    (urllib3.exceptions.SSLError, TLS),
    (ssl.SSLError, TLS),
    (ssl.CertificateError, TLS),
    (urllib3.exceptions.NameResolutionError, NAME_NOT_RESOLVED),
    (socket.gaierror, NAME_NOT_RESOLVED),
    (ConnectionRefusedError, REFUSED),
    (requests.exceptions.ConnectTimeout, CONNECT_TIMEOUT),
    (urllib3.exceptions.NewConnectionError, CONNECT_FAILED),  # a ConnectTimeoutError subclass
    (urllib3.exceptions.ConnectTimeoutError, CONNECT_TIMEOUT),
    (http.client.RemoteDisconnected, CLOSED),
    (http.client.IncompleteRead, CUT_OFF),
    (urllib3.exceptions.IncompleteRead, CUT_OFF),
    (urllib3.exceptions.InvalidChunkLength, CUT_OFF),
    (requests.exceptions.ChunkedEncodingError, CUT_OFF),
    (http.client.LineTooLong, BAD_HEADERS),
    (http.client.BadStatusLine, NOT_HTTP),
    (requests.exceptions.InvalidHeader, BAD_HEADERS),
    (urllib3.exceptions.InvalidHeader, BAD_HEADERS),
    (urllib3.exceptions.HeaderParsingError, BAD_HEADERS),
    (http.client.HTTPException, BAD_HEADERS),
    (requests.exceptions.ReadTimeout, READ_TIMEOUT),
    (urllib3.exceptions.ReadTimeoutError, READ_TIMEOUT),
    (TimeoutError, READ_TIMEOUT),
    (ConnectionResetError, RESET),
    (BrokenPipeError, RESET),
    (ConnectionAbortedError, RESET),
    (requests.exceptions.InvalidURL, BAD_URL),
    (requests.exceptions.InvalidSchema, BAD_URL),
    (requests.exceptions.MissingSchema, BAD_URL),
    (urllib3.exceptions.LocationValueError, BAD_URL),
    (urllib3.exceptions.ProtocolError, CLOSED),
)


def _chain(error: BaseException) -> list[BaseException]:
    """The exception and what it wraps (causes, context, exception arguments, ``reason``)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [error]
    while todo and len(seen) < 16:
        exc = todo.pop(0)
        if any(exc is s for s in seen):
            continue
        seen.append(exc)
        todo += [e for e in (exc.__cause__, exc.__context__) if e is not None]
        todo += [a for a in exc.args if isinstance(a, BaseException)]
        reason = getattr(exc, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return seen


def classify(error: BaseException) -> Failure:
    """The ``Failure`` an exception from one attempt stands for (``OTHER`` when unknown).

    The innermost known kind wins over the wrappers' (a ``ConnectionError`` wrapping a refused
    connection is ``REFUSED``); a bare ``requests.ConnectionError`` counts as ``CLOSED``.
    """
    chain = _chain(error)
    for kind, failure in _RULES:
        if any(isinstance(exc, kind) for exc in chain):
            return failure
    if any(isinstance(exc, requests.exceptions.ConnectionError) for exc in chain):
        return CLOSED
    if any(isinstance(exc, requests.exceptions.Timeout) for exc in chain):
        return READ_TIMEOUT
    return OTHER
