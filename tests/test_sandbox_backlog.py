"""The sandbox takes 64 connections at once, over real sockets, and is a context manager.

The listen backlog decides how many connections the kernel queues before the server accepts them.
With the default of 5, the sixth client to connect while the server is busy has its SYN dropped
and stalls for a second or more; ``fetch`` with many workers did exactly that.
"""

from __future__ import annotations

import socket
import struct
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from smspartner_analytics.simulator.server import SandboxServer, SandboxURL, sandbox

CLIENTS = 64


def _queued(listener: socket.socket) -> tuple[int, int]:
    """(connections waiting in the accept queue, listen backlog) from Linux's ``TCP_INFO``.

    For a listening socket the kernel reports the queue length in ``tcpi_unacked`` and the
    backlog in ``tcpi_sacked`` (the two ``u32`` after 8 bytes of flags and four ``u32``)."""
    info = listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    unacked, sacked = struct.unpack_from("II", info, 24)
    return unacked, sacked


def _request(token: str) -> bytes:
    return f"GET /v1/location/status?apiKey=k&token={token} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def _status_line(conn: socket.socket) -> bytes:
    return conn.makefile("rb").readline()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's TCP_INFO")
def test_64_connections_at_once_are_all_queued_then_answered() -> None:
    server = SandboxServer(rentals=CLIENTS, seed=0)  # bound, not accepting yet
    listener = server._httpd.socket
    host, port = listener.getsockname()[:2]
    clients: list[socket.socket] = []
    try:
        # a connect() the kernel cannot queue waits for a SYN retry: the timeout then fails it
        clients = [socket.create_connection((host, port), timeout=5) for _ in range(CLIENTS)]
        assert _queued(listener) == (CLIENTS, 256)
        with server as url:
            for conn, token in zip(clients, url.server.tokens, strict=True):
                conn.sendall(_request(token))
            with ThreadPoolExecutor(CLIENTS) as pool:
                lines = list(pool.map(_status_line, clients))
            assert lines == [b"HTTP/1.1 200 OK\r\n"] * CLIENTS
            assert url.server.request_count() == CLIENTS
    finally:
        for conn in clients:
            conn.close()
        server.stop()


def test_the_sandbox_is_the_server_as_a_context_manager() -> None:
    """``sandbox`` takes exactly ``SandboxServer``'s options; the block serves, exit closes."""
    with sandbox(rentals=3, seed=5) as url:
        assert isinstance(url, SandboxURL)
        assert url == url.server.base_url
        host, port = url.server._httpd.socket.getsockname()[:2]
        socket.create_connection((host, port), timeout=5).close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=5)
