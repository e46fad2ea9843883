"""Fuzzing the parsing boundary (docs/promises.md, bad answers): arbitrary bodies over real HTTP.

A small HTTP server of our own (a thread on 127.0.0.1) answers each token with a response drawn by
hypothesis: any status the client may meet, JSON of any shape (wrong types, deep nesting, huge
numbers, NaN, unicode, missing keys), answer-shaped objects with random values, raw bytes, HTML,
garbage ``Retry-After`` headers. ``Client.get_status`` must return a ``StatusResponse`` whose data
is a ``success: true`` object or raise one of our ``SMSPartnerError`` subclasses; whatever succeeded
goes through ``flatten`` without raising; a batch of such answers through ``fetch_statuses`` and
``load_frames`` never crashes and stores exactly one answer per token.
"""

from __future__ import annotations

import json
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import ANSWER, JSON
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from smspartner_analytics.client.http import Client, RetryPolicy, StatusResponse
from smspartner_analytics.core.errors import RequestError, SMSPartnerError
from smspartner_analytics.fetch import fetch_statuses
from smspartner_analytics.frames.coercion import DataWarning
from smspartner_analytics.frames.flattening import flatten, load_frames
from smspartner_analytics.store.db import Store

KEY = "fuzz-key-0c3b"


@dataclass(frozen=True)
class Canned:
    """One HTTP response to send."""

    status: int
    body: bytes
    content_type: str | None = "application/json"
    retry_after: str | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _FuzzServer

    def do_GET(self) -> None:
        token = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        canned = self.server.answers.get(token, Canned(404, b'{"success": false, "code": 32}'))
        self.send_response(canned.status)
        if canned.content_type is not None:
            self.send_header("Content-Type", canned.content_type)
        if canned.retry_after is not None:
            self.send_header("Retry-After", canned.retry_after)
        self.send_header("Content-Length", str(len(canned.body)))
        self.end_headers()
        self.wfile.write(canned.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _FuzzServer(ThreadingHTTPServer):
    daemon_threads = True
    answers: dict[str, Canned]


@pytest.fixture(scope="module")
def server() -> Iterator[_FuzzServer]:
    httpd = _FuzzServer(("127.0.0.1", 0), _Handler)
    httpd.answers = {}
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()


def _url(server: _FuzzServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def _client(server: _FuzzServer, workers: int = 1) -> Client:
    return Client(
        api_key=KEY,
        base_url=_url(server),
        timeout=(2.0, 2.0),
        rate=None,
        workers=workers,
        retry=RetryPolicy(
            attempts=2,
            backoff_base=0.0001,
            backoff_cap=0.001,
            retry_after_cap=0.5,  # Retry-After of 1 s or more: give up at once, no sleeping here
            max_total_wait=0.5,
        ),
    )


# -- strategies ------------------------------------------------------------------------------


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


DEEP = st.integers(min_value=1, max_value=3000).map(lambda n: "[" * n + "]" * n)
WEIRD_TEXT = st.sampled_from(
    [
        "",
        "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
        '{"success": true',
        '{"success": true, "n": ' + "9" * 5000 + "}",  # above Python's int digit limit
        "\ufeff" + '{"success": true}',
        "null",
        '{"success": true}\x00',
    ]
)
BODIES = (
    ANSWER.map(_dumps)
    | JSON.map(_dumps)
    | (DEEP | WEIRD_TEXT | st.text(max_size=200)).map(lambda t: t.encode("utf-8"))
    | st.binary(max_size=300)
)
STATUSES = st.sampled_from([200, 200, 200, 200, 201, 302, 400, 401, 403, 404, 418, 429, 500, 503])
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)
ANY_RESPONSE = st.builds(
    Canned,
    status=STATUSES,
    body=BODIES,
    content_type=st.sampled_from(["application/json", "text/html; charset=utf-8", None]),
    retry_after=st.none() | HEADER_TEXT | st.sampled_from(["0", "-1", "inf", "1e400", "9" * 400]),
)
#: Half the draws are 200 answers with ``success: true`` and random contents: they reach flatten.
SUCCESS = st.builds(
    Canned, status=st.just(200), body=ANSWER.map(lambda a: _dumps({**a, "success": True}))
)
RESPONSES = SUCCESS | ANY_RESPONSE

# -- tests -----------------------------------------------------------------------------------


def _ask(client: Client, token: str) -> StatusResponse | SMSPartnerError:
    """The answer, or our exception (anything else propagates and fails the test)."""
    try:
        return client.get_status(token)
    except SMSPartnerError as exc:
        return exc


def _flatten_quietly(answers: list[dict[str, Any]]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frames = flatten(answers)
    assert all(issubclass(w.category, DataWarning) for w in caught), [str(w) for w in caught]
    assert len(frames.rentals) + len(frames.errors) == len(answers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses=st.lists(RESPONSES, min_size=1, max_size=4))
def test_client_returns_data_or_raises_only_our_errors(
    server: _FuzzServer, responses: list[Canned]
) -> None:
    server.answers = {f"tok{i}": r for i, r in enumerate(responses)}
    succeeded: list[dict[str, Any]] = []
    with _client(server) as client:
        for token in server.answers:
            answer = _ask(client, token)
            event(type(answer).__name__)
            if isinstance(answer, SMSPartnerError):
                assert isinstance(answer, RequestError)
                assert answer.token == token
                assert answer.attempts in (1, 2)
                assert KEY not in str(answer)
                assert answer.__cause__ is None
                continue
            assert isinstance(answer, StatusResponse)
            assert isinstance(answer.data, dict)
            assert answer.data["success"] is True
            assert 200 <= answer.http_status < 300
            succeeded.append(answer.data)
    _flatten_quietly(succeeded)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses=st.lists(RESPONSES, min_size=1, max_size=8))
def test_a_batch_of_fuzzed_answers_never_crashes_fetch_or_load_frames(
    server: _FuzzServer, responses: list[Canned]
) -> None:
    server.answers = {f"batch{i}": r for i, r in enumerate(responses)}
    tokens = list(server.answers)
    with tempfile.TemporaryDirectory() as tmp, _client(server, workers=4) as client:
        path = Path(tmp) / "fuzz.sqlite"
        result = fetch_statuses(
            tokens, client=client, store=path, workers=4, progress=False, errors="ignore"
        )
        assert result.asked + result.not_asked == len(tokens)
        assert len({r.token for r in result.records}) == result.asked
        if not result.auth_failed:
            assert result.asked == len(tokens)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frames = load_frames(path)
        assert all(issubclass(w.category, DataWarning) for w in caught)
        with Store(path) as store:
            stored = store.count_answers()
        assert stored == result.asked
        assert len(frames.rentals) + len(frames.errors) == stored
