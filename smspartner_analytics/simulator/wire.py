"""How the sandbox writes answers, good and bad, on the wire (grammar: ``simulator.faults``).

Every function takes the request handler and writes one complete (or deliberately broken)
HTTP/1.1 answer.
"""

from __future__ import annotations

import html
import json
import socket
import struct
import threading
import time
import urllib.parse
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from smspartner_analytics.client.xmlanswer import render_xml
from smspartner_analytics.simulator.data import render_rental, rental_for_token
from smspartner_analytics.simulator.faults import REDIRECT_TARGET, Fault

__all__ = ["HUGE_BYTES", "send_bytes", "send_fault", "send_json", "send_xml"]

#: Size of the ``huge`` faults' bodies.
HUGE_BYTES = 5 * 1024 * 1024
#: Longest a ``hang`` fault holds a connection when the server is not stopped first.
HANG_SECONDS = 60.0
_HTML = (
    "<!DOCTYPE html><html><head><title>{status} Bad Gateway</title></head><body>"
    "<h1>{status}</h1><p>The proxy server received an invalid response.</p>"
    "<hr><address>nginx</address></body></html>"
)


class _Server(Protocol):
    base_url: str
    stopping: threading.Event


def send_bytes(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    """One complete answer with a correct Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    obj: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """``obj`` as UTF-8 JSON."""
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    send_bytes(handler, status, body, "application/json; charset=utf-8", headers)


def send_xml(
    handler: BaseHTTPRequestHandler,
    status: int,
    obj: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """``obj`` in the API's positional XML form (``_format=xml``)."""
    body = render_xml(obj).encode("utf-8")
    send_bytes(handler, status, body, "application/xml; charset=utf-8", headers)


def _retry_after(fault: Fault) -> dict[str, str]:
    value = fault.retry_after
    if value is None:
        return {}
    if value == "date":
        value = formatdate(timeval=time.time() + 2.0, usegmt=True)
    return {"Retry-After": value}


def _send_truncated(handler: BaseHTTPRequestHandler) -> None:
    body = b'{"success": true, "token": "cut", "status": 2, "location": {"sexe": "fem'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body) + 200))
    handler.end_headers()
    handler.wfile.write(body)
    handler.wfile.flush()
    handler.close_connection = True


def _send_reset(handler: BaseHTTPRequestHandler) -> None:
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True


def _send_huge(handler: BaseHTTPRequestHandler, chunked: bool) -> None:
    piece = b"x" * 65536
    pieces = HUGE_BYTES // len(piece)
    head, tail = b'{"success": true, "pad": "', b'"}'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    if chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(len(head) + pieces * len(piece) + len(tail)))
    handler.end_headers()
    for part in (head, *([piece] * pieces), tail):
        if chunked:
            handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        else:
            handler.wfile.write(part)
    if chunked:
        handler.wfile.write(b"0\r\n\r\n")


def _send_redirect(handler: BaseHTTPRequestHandler, server: _Server) -> None:
    target = f"{server.base_url}/location/status?token={REDIRECT_TARGET}"
    send_bytes(handler, 302, b"", "text/plain", {"Location": target})


def send_fault(handler: BaseHTTPRequestHandler, fault: Fault, server: _Server) -> None:
    """Write the answer ``fault`` asks for (``slow-N`` only waits: the caller answers after)."""
    kind = fault.kind
    if kind.startswith("429"):
        error = {"success": False, "code": 429, "message": "Too Many Requests"}
        send_json(handler, 429, error, _retry_after(fault))
    elif kind.isdigit():
        send_bytes(handler, fault.status, f"Error {kind}\n".encode(), "text/plain")
    elif kind.startswith("html"):
        page = _HTML.format(status=fault.status).encode()
        send_bytes(handler, fault.status, page, "text/html; charset=utf-8")
    elif kind.startswith("code-"):
        error = {"success": False, "code": int(kind[5:]), "message": "Erreur simulée"}
        send_json(handler, 200, error)
    elif kind.startswith("slow-"):
        server.stopping.wait(int(kind[5:]) / 1000.0)
    elif kind == "hang":
        server.stopping.wait(HANG_SECONDS)
        handler.close_connection = True
    else:
        _send_body_fault(handler, kind, server)


def _send_body_fault(handler: BaseHTTPRequestHandler, kind: str, server: _Server) -> None:
    if kind == "truncated":
        _send_truncated(handler)
    elif kind == "badjson":
        send_bytes(handler, 200, b'{"success": true, "token": oops}', "application/json")
    elif kind == "wrongshape":
        send_json(handler, 200, [{"success": True}])
    elif kind in ("huge", "huge-chunked"):
        _send_huge(handler, chunked=kind == "huge-chunked")
    elif kind == "reset":
        _send_reset(handler)
    elif kind == "redirect":
        _send_redirect(handler, server)
    elif kind == "echo":
        line = html.escape(handler.requestline, quote=False)
        page = f"<html><body><h1>502</h1><p>Upstream failed for {line}</p></body></html>"
        send_bytes(handler, 502, page.encode(), "text/html")
    else:
        _send_hostile(handler, kind, server)


#: A French API message with accents, for the ``latin1`` fault.
LATIN1_MESSAGE = "Opération refusée : clé expirée, réessayez à 9 h"


def _token(handler: BaseHTTPRequestHandler) -> str:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    return query.get("token", [""])[0]


def big_rental(token: str, localities: int) -> dict[str, Any]:
    """A real success for ``token`` with ``localities`` entries (postcodes 00000, 00001, ...)."""
    answer = render_rental(rental_for_token(token))
    answer["location"]["details_localisation"] = [
        {"Type": "cp", "Location": f"{i:05d}", "VolumeDesired": 10 + i % 7, "Volume": 20 + i % 11}
        for i in range(localities)
    ]
    return answer


def _send_hostile(handler: BaseHTTPRequestHandler, kind: str, server: _Server) -> None:
    """The faults of real networks: raw echoes, big and foreign answers, slow and broken wires."""
    if kind == "echo-raw":
        target = urllib.parse.unquote_plus(handler.path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
        key = query.get("apiKey", [""])[0]
        page = (
            f"<html><body><h1>502</h1><p>Upstream failed for GET {target}</p>"
            f"<p>client {urllib.parse.quote(key, safe='')} ({urllib.parse.quote(key)})</p>"
            "</body></html>"
        )
        send_bytes(handler, 502, page.encode(), "text/html; charset=utf-8")
    elif kind.startswith("big-"):
        send_json(handler, 200, big_rental(_token(handler), int(kind[4:])))
    elif kind == "latin1":
        error = {"success": False, "code": 77, "message": LATIN1_MESSAGE}
        body = json.dumps(error, ensure_ascii=False).encode("iso-8859-1")
        send_bytes(handler, 200, body, "application/json; charset=iso-8859-1")
    elif kind.startswith("slowloris-"):
        _send_slowly(handler, int(kind[len("slowloris-") :]) / 1000.0, server)
    elif kind.startswith("slowheaders-"):
        _send_slow_headers(handler, int(kind[len("slowheaders-") :]) / 1000.0, server)
    elif kind == "headers-cut":
        handler.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/js")
        handler.wfile.flush()
        handler.close_connection = True
    elif kind == "dup-length":
        body = json.dumps(render_rental(rental_for_token(_token(handler)))).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Content-Length", str(len(body) + 7))
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True
    else:  # pragma: no cover - parse_fault only lets known kinds through
        send_bytes(handler, 500, b"unknown fault\n", "text/plain")


def _send_slow_headers(handler: BaseHTTPRequestHandler, pause: float, server: _Server) -> None:
    """A status line at once, then the headers of a real success one byte per ``pause``."""
    body = json.dumps(render_rental(rental_for_token(_token(handler)))).encode()
    head = (
        "Content-Type: application/json\r\nX-Padding: " + "x" * 200 + "\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    _trickle(handler, b"HTTP/1.1 200 OK\r\n", head + body, pause, server)


def _trickle(
    handler: BaseHTTPRequestHandler, first: bytes, rest: bytes, pause: float, server: _Server
) -> None:
    """Write ``first`` at once, then ``rest`` one byte per ``pause`` (until the client leaves)."""
    handler.wfile.write(first)
    handler.wfile.flush()
    for i in range(len(rest)):
        if server.stopping.wait(pause):
            break
        try:
            handler.wfile.write(rest[i : i + 1])
            handler.wfile.flush()
        except OSError:  # the client gave up: that is the point
            break
    handler.close_connection = True


def _send_slowly(handler: BaseHTTPRequestHandler, pause: float, server: _Server) -> None:
    """A real success, headers at once, then one body byte per ``pause`` seconds."""
    body = json.dumps(render_rental(rental_for_token(_token(handler)))).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    _trickle(handler, b"", body, pause, server)
