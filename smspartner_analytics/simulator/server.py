"""A real local HTTP imitation of ``GET /v1/location/status``, for tests, the demo and newcomers.

``with sandbox() as url: Client(api_key="anything", base_url=url)`` starts a threaded HTTP server
on 127.0.0.1 (a free port), gives the base URL (a ``str`` with ``.server``, the
``SandboxServer``), and stops the server on exit. ``sandbox`` *is* ``SandboxServer``, a context
manager, so its options are declared once (the CLI's ``sandbox`` command builds on it too). Data
comes from ``simulator.data`` (deterministic from ``seed``); special tokens ask for faults
(grammar in ``simulator.faults``).

Answers, and the HTTP status each comes with (both paths, JSON errors on 2xx and non-2xx, exist
in the real API):

==========================================  ======  ==========================================
situation                                   HTTP    body
==========================================  ======  ==========================================
known token, right key                      200     the rental (``success: true``)
apiKey missing or empty                     200     ``{"success": false, "code": 1, ...}``
``api_key`` set and another key sent        401     ``{"success": false, "code": 10, ...}``
token missing or empty                      400     ``{"success": false, "code": 31, ...}``
unknown token                               404     ``{"success": false, "code": 32, ...}``
another path                                404     an HTML page
==========================================  ======  ==========================================

``_format=xml`` in the query asks for the API's XML form of the same answers
(``client.xmlanswer.render_xml``); faults keep their own bodies.

Rentals can move along their lifecycle (requested → processing → ready → downloaded, or → failed):
``advance_every=N`` moves a rental one step every N requests for it; ``advance_seconds=S`` moves
it one step every S seconds (times a per-rental pace in [0.5, 2) drawn from the seed) since the
server started, so a watcher sees rentals become ready as time passes. Both are deterministic:
the same seed, request counts and elapsed time give the same statuses.
"""

from __future__ import annotations

import csv
import errno
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from smspartner_analytics.core.config import is_loopback_url
from smspartner_analytics.core.errors import ConfigurationError
from smspartner_analytics.core.schema import TokenEntry
from smspartner_analytics.simulator.data import (
    Rental,
    advance_status,
    generate_rentals,
    render_rental,
    rental_for_token,
    rental_pace,
)
from smspartner_analytics.simulator.faults import (
    FAULT_PREFIX,
    Fault,
    fault_for_request,
    parse_fault,
    random_fault,
)
from smspartner_analytics.simulator.wire import send_fault, send_json, send_xml

__all__ = ["SandboxServer", "SandboxURL", "sandbox"]

API_PREFIX = "/v1"
STATUS_PATH = f"{API_PREFIX}/location/status"


class SandboxURL(str):
    """The sandbox's base URL (``http://127.0.0.1:PORT/v1``) carrying ``.server``."""

    server: SandboxServer

    def __new__(cls, value: str, server: SandboxServer) -> SandboxURL:
        url = super().__new__(cls, value)
        url.server = server
        return url


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    #: The listen backlog. ``socketserver`` passes it to ``listen()`` inside ``__init__``, right
    #: after ``bind()``, so it only takes effect as a class attribute: set on the instance it
    #: would come too late and the backlog would stay 5 (64 clients connecting at once would
    #: then see dropped SYNs and stalls of seconds).
    request_queue_size = 256
    app: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early (timeouts, huge bodies) are expected: stay quiet."""


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once (no 40 ms delayed ACK)
    server: _HTTPServer

    def do_GET(self) -> None:
        self.server.app.handle(self)

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the request line carries the API key."""


class SandboxServer:
    """The sandbox server: generated rentals, request counts, faults on demand.

    A context manager: ``with SandboxServer(...) as url`` (or ``with sandbox(...) as url``)
    serves while the block runs and gives the base URL, a ``SandboxURL`` carrying ``.server``.
    ``rentals`` and ``seed`` fix the generated data; ``latency_ms`` delays every answer;
    ``fault_rate`` answers that share of ordinary requests with a random transient fault;
    ``api_key`` (None: any non-empty key) is the only key accepted; ``advance_every=N`` moves a
    rental one status step every N requests for it (0: never); ``advance_seconds=S`` moves each
    rental one step every S seconds times its pace (0: never), seconds read from ``clock``
    (tests pass their own to move time by hand). The socket is bound (and
    ``base_url`` known) at construction; ``start()``/``stop()`` serve without a ``with``.
    """

    def __init__(
        self,
        *,
        rentals: int = 300,
        seed: int = 0,
        latency_ms: float = 0.0,
        fault_rate: float = 0.0,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        advance_every: int = 0,
        advance_seconds: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        shown_host = f"[{host}]" if ":" in host else host
        if not is_loopback_url(f"http://{shown_host}/"):
            raise ConfigurationError(
                f"The sandbox serves loopback addresses only, not {host!r}: use 127.0.0.1."
            )
        if not 0.0 <= fault_rate <= 1.0:
            raise ConfigurationError(f"fault_rate must be between 0 and 1, not {fault_rate}.")
        self.seed = seed
        self.latency_ms = latency_ms
        self.fault_rate = fault_rate
        self.advance_every = advance_every
        if not advance_seconds >= 0.0:
            raise ConfigurationError(f"advance_seconds must be 0 or more, not {advance_seconds}.")
        self.advance_seconds = advance_seconds
        self._clock = clock
        self._started = clock()
        self._api_key = api_key
        self._rentals = generate_rentals(rentals, seed)
        self._by_token = {r.token: r for r in self._rentals}
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._times: list[tuple[str, float]] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()
        server_class = _HTTPServer6 if ":" in host else _HTTPServer
        try:
            self._httpd = server_class((host, port), _Handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"Port {port} is already in use on {host}: choose another port "
                    "(--port; 0 picks a free one)."
                ) from None
            raise ConfigurationError(
                f"Cannot listen on {host}:{port} ({exc.strerror}): choose another address."
            ) from None
        self._httpd.app = self
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else str(bound_host)
        shown = f"[{host_text}]" if ":" in host_text else host_text
        self.base_url = f"http://{shown}:{bound_port}{API_PREFIX}"

    def __repr__(self) -> str:
        return f"SandboxServer(base_url={self.base_url!r}, rentals={len(self._rentals)})"

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> SandboxURL:
        self.start()
        return SandboxURL(self.base_url, self)

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self (time-based statuses count from here)."""
        self._started = self._clock()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="smspartner-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake hanging handlers, stop serving and close the listening socket."""
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    # -- what tests and users read ------------------------------------------------------------
    @property
    def tokens(self) -> list[str]:
        """The generated tokens, in order."""
        return [r.token for r in self._rentals]

    @property
    def entries(self) -> list[TokenEntry]:
        """The generated tokens with their metadata (campaign, ordered_on, owner)."""
        return [TokenEntry(r.token, dict(r.metadata)) for r in self._rentals]

    @property
    def rentals(self) -> list[Rental]:
        """The generated rentals (see ``simulator.data.Rental``)."""
        return list(self._rentals)

    def request_count(self, token: str | None = None) -> int:
        """Requests received for ``token`` (every request when None)."""
        with self._lock:
            return len(self._times) if token is None else self._counts[token]

    def request_times(self, token: str | None = None) -> list[float]:
        """``time.monotonic()`` at the arrival of every request (for ``token`` only if given)."""
        with self._lock:
            return [t for tok, t in self._times if token is None or tok == token]

    def reset_counts(self) -> None:
        """Forget every request seen so far (counts, times, max_in_flight)."""
        with self._lock:
            self._counts.clear()
            self._times.clear()
            self.max_in_flight = 0

    def write_tokens_csv(self, path: str | Path) -> Path:
        """Write ``token,campaign,ordered_on,owner`` for every generated rental; return the path."""
        out = Path(path)
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["token", "campaign", "ordered_on", "owner"])
            for r in self._rentals:
                writer.writerow(
                    [r.token, *(r.metadata[k] for k in ("campaign", "ordered_on", "owner"))]
                )
        return out

    # -- request handling -----------------------------------------------------------------------
    def _arrive(self, token: str) -> int:
        with self._lock:
            self._counts[token] += 1
            self._times.append((token, time.monotonic()))
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return self._counts[token]

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def handle(self, handler: _Handler) -> None:
        """Answer one GET (called from the handler's thread)."""
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        token = query.get("token", [""])[0]
        count = self._arrive(token)
        try:
            if self.latency_ms > 0:
                self.stopping.wait(self.latency_ms / 1000.0)
            if parts.path.rstrip("/") != STATUS_PATH:
                send_fault(handler, Fault("html-404"), self)
                return
            xml = query.get("_format", [""])[0].lower() == "xml"
            self._answer(_Reply(handler, xml), query.get("apiKey", [""])[0], token, count)
        finally:
            self._leave()

    def _answer(self, reply: _Reply, key: str, token: str, count: int) -> None:
        if not key.strip():
            reply.send(200, _error(1, "La Clé API est requise"))
        elif self._api_key is not None and key != self._api_key:
            reply.send(401, _error(10, "Clé API incorrecte"))
        elif not token.strip():
            reply.send(400, _error(31, "Le token est requis"))
        elif token.startswith(FAULT_PREFIX) and (fault := parse_fault(token)) is not None:
            self._answer_fault(reply, token, fault, count)
        elif token in self._by_token:
            fault_now = random_fault(self.seed, token, count, self.fault_rate)
            if fault_now is not None:
                send_fault(reply.handler, fault_now, self)
            else:
                reply.send(200, self._render(self._by_token[token], count))
        else:
            reply.send(404, _error(32, "Location introuvable"))

    def _answer_fault(self, reply: _Reply, token: str, fault: Fault, count: int) -> None:
        fault_now = fault_for_request(fault, count)
        if fault_now is not None:
            send_fault(reply.handler, fault_now, self)
            if not fault_now.kind.startswith("slow-"):
                return
        reply.send(200, render_rental(rental_for_token(token)))

    def _render(self, rental: Rental, count: int) -> dict[str, Any]:
        return render_rental(rental, advance_status(rental, self._steps(rental, count)))

    def _steps(self, rental: Rental, count: int) -> int:
        """Lifecycle steps taken so far: by requests (``advance_every``) or by time."""
        if self.advance_every > 0:
            return (count - 1) // self.advance_every
        if self.advance_seconds > 0:
            elapsed = self._clock() - self._started
            return int(elapsed / (self.advance_seconds * rental_pace(self.seed, rental.token)))
        return 0


class _Reply:
    """Where one answer goes, and in which form (JSON, or XML when ``_format=xml`` was asked)."""

    def __init__(self, handler: _Handler, xml: bool) -> None:
        self.handler = handler
        self.xml = xml

    def send(self, status: int, obj: dict[str, Any]) -> None:
        (send_xml if self.xml else send_json)(self.handler, status, obj)


def _error(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message}


#: ``with sandbox(rentals=20, seed=1) as url: ...``: the public name of ``SandboxServer``.
sandbox = SandboxServer
