"""The per-attempt deadline while the status line and headers arrive: a watchdog that cuts the
connection of an attempt that outlives ``RetryPolicy.attempt_deadline``.

Why hand-written: ``requests`` and urllib3 only know per-read timeouts, and a server that sends a
header byte every few seconds resets them forever; no library bounds a whole request. Once the
headers are in, ``http.Client._read`` bounds the body itself (each read gets what is left of the
deadline); before that, nothing returns control to our code, so another thread must act.

How: the client's connections are ``WatchedHTTPConnection``/``WatchedHTTPSConnection`` (urllib3
connections that, when a request is sent, tell the attempt's ``Ticket`` which connection carries
it). ``Watchdog.arm(deadline)`` gives a ticket; one daemon thread per client sleeps until the
earliest armed deadline and shuts the socket of an attempt still armed then, so the blocked read
fails at once (the client names it a deadline failure: ``ticket.fired``). ``disarm(ticket)``
before the connection goes back to the pool makes sure a socket is never cut once reused.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from typing import Any, Final

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["DeadlineAdapter", "Ticket", "Watchdog"]

_current: Final = threading.local()


class Ticket:
    """One armed attempt: its deadline, the connection that carries it, whether it was cut."""

    __slots__ = ("armed", "connection", "deadline", "fired", "lock")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.connection: HTTPConnection | None = None  # set by the connection that carries it
        self.armed = True
        self.fired = False
        self.lock = threading.Lock()

    def cut(self) -> None:
        """Shut the attempt's socket if it is still armed and its connection still carries this
        attempt (urllib3 hands a connection back to the pool as soon as a body is complete)."""
        with self.lock:
            if not self.armed:
                return
            self.armed = False
            connection = self.connection
            if getattr(connection, "smspartner_ticket", None) is not self:
                return
            sock = getattr(connection, "sock", None)
            if isinstance(sock, socket.socket):
                self.fired = True
                with contextlib.suppress(OSError):  # already closed: nothing to cut
                    sock.shutdown(socket.SHUT_RDWR)

    def disarm(self) -> None:
        with self.lock:
            self.armed = False


class Watchdog:
    """One thread that cuts attempts past their deadline; started on first use."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Ticket]] = []
        self._count = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def arm(self, deadline: float) -> Ticket:
        """A ticket for an attempt that must end by ``deadline`` (``time.monotonic()``)."""
        ticket = Ticket(deadline)
        with self._wake:
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name="smspartner-deadline", daemon=True
                )
                self._thread.start()
            first = not self._heap or deadline < self._heap[0][0]
            heapq.heappush(self._heap, (deadline, next(self._count), ticket))
            if first:
                self._wake.notify()
        _current.ticket = ticket
        return ticket

    def disarm(self, ticket: Ticket) -> None:
        """The attempt is over: its connection may be reused, never cut."""
        ticket.disarm()
        _current.ticket = None

    def close(self) -> None:
        """Stop the thread (armed attempts are left alone)."""
        with self._wake:
            self._closed = True
            self._heap.clear()
            self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while not self._closed:
                now = time.monotonic()
                due: list[Ticket] = []
                while self._heap and (self._heap[0][0] <= now or not self._heap[0][2].armed):
                    due.append(heapq.heappop(self._heap)[2])
                if due:
                    self._wake.release()
                    try:
                        for ticket in due:
                            if ticket.deadline <= now:
                                ticket.cut()
                    finally:
                        self._wake.acquire()
                    continue
                timeout = self._heap[0][0] - now if self._heap else None
                self._wake.wait(timeout)


class WatchedHTTPConnection(HTTPConnection):
    """An urllib3 connection that tells the current attempt's ticket it carries the request."""

    smspartner_ticket: Ticket | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)


class WatchedHTTPSConnection(HTTPSConnection):
    """The HTTPS twin of ``WatchedHTTPConnection``."""

    smspartner_ticket: Ticket | None = None

    def request(self, *args: Any, **kwargs: Any) -> None:
        _claim(self)
        super().request(*args, **kwargs)


def _claim(connection: WatchedHTTPConnection | WatchedHTTPSConnection) -> None:
    """The connection now carries the current thread's attempt (or none)."""
    ticket = getattr(_current, "ticket", None)
    connection.smspartner_ticket = ticket
    if ticket is not None:
        ticket.connection = connection


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = WatchedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """``HTTPAdapter`` whose pools make watched connections."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
