"""Servers that misbehave the way real networks, proxies and firewalls do, over real HTTP(S).

Each case is the sandbox's fault grammar (``simulator.faults``) or a small server here (an HTTPS
server with an untrusted self-signed certificate made by the ``openssl`` command). Checked: every
valid answer is kept whole, every transport fault is a typed per-token outcome (never an
``AssertionError``), a TLS failure or a wrong base URL stops the batch with one line, a slow body
meets the per-attempt deadline, firewall pages stay per token, failures group by kind, repeated
identical failures become persistent, and declared charsets are honoured.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from smspartner_analytics.cli import main
from smspartner_analytics.cli._common import EXIT_ERROR, EXIT_PARTIAL, EXIT_PERSISTENT
from smspartner_analytics.client import transport
from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.errors import (
    APIError,
    BatchStoppedError,
    RequestError,
    TransportError,
)
from smspartner_analytics.core.schema import Outcome
from smspartner_analytics.fetch import FetchResult, fetch_statuses
from smspartner_analytics.frames.flattening import load_frames
from smspartner_analytics.report.writer import write_report
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.simulator.wire import LATIN1_MESSAGE
from smspartner_analytics.store.db import Store

KEY = "hostile-key-5c1e9a"
FAST = RetryPolicy(attempts=2, backoff_base=0.001, backoff_cap=0.002)


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxURL]:
    with sandbox(rentals=30, seed=5) as url:
        yield url


def client(url: str, *, retry: RetryPolicy = FAST, workers: int = 2) -> Client:
    return Client(api_key=KEY, base_url=url, rate=None, retry=retry, timeout=(2.0, 2.0),
                  workers=workers)  # fmt: skip


def fails(c: Client, token: str) -> RequestError:
    with pytest.raises(RequestError) as info:
        c.get_status(token)
    return info.value


def run(url: str, tokens: list[str], store: Path, **kwargs: Any) -> FetchResult:
    kwargs.setdefault("client", client(url, workers=kwargs.pop("workers", 2)))
    kwargs.setdefault("errors", "ignore")
    return fetch_statuses(tokens, store=store, progress=False, **kwargs)


def pending_tokens(server_url: SandboxURL, count: int) -> list[str]:
    """Tokens whose rentals are not final: asked again on every run."""
    return [r.token for r in server_url.server.rentals if r.status_code in (0, 1, 2)][:count]


# -- 1. big answers kept whole -------------------------------------------------------------------


def test_a_2000_locality_answer_goes_whole_through_store_frames_and_report(
    box: SandboxURL, tmp_path: Path
) -> None:
    token = "fault-big-2000"
    with Store(tmp_path / "s.sqlite") as store:
        result = run(box, [token, box.server.tokens[0]], store)  # type: ignore[arg-type]
        assert result.succeeded == 2, result.records
        body = store.latest_records()[0].body
        assert body is not None
        assert len(body) > 100_000  # beyond the old 8,000-byte parse and 65,536-character store cut
        frames = load_frames(store)
    localities = frames.localisations[frames.localisations["token"] == token]
    assert localities["location"].tolist() == [f"{i:05d}" for i in range(2000)]
    assert frames.errors.empty
    write_report(frames, tmp_path / "report", charts=False)
    written = pd.read_csv(tmp_path / "report" / "localisations.csv", dtype=str)
    assert (written["token"] == token).sum() == 2000


# -- 2. transport errors are typed outcomes ------------------------------------------------------


def test_conflicting_content_length_is_that_token_s_failure(
    box: SandboxURL, tmp_path: Path
) -> None:
    c = client(box)
    error = fails(c, "fault-dup-length")
    assert type(error) is TransportError
    assert error.reason == transport.BAD_HEADERS.reason
    assert error.attempts == 1  # header garbage is not retried
    tokens = [box.server.tokens[1], "fault-dup-length", box.server.tokens[2]]
    result = run(box, tokens, tmp_path / "s.sqlite")
    assert (result.succeeded, result.failed, result.stopped) == (2, 1, None), [
        (r.token, r.reason, r.attempts, r.error_message) for r in result.records
    ]


def test_connection_closed_mid_headers_is_retried(box: SandboxURL) -> None:
    c = client(box, retry=RetryPolicy(attempts=3, backoff_base=0.001))
    answer = c.get_status("fault-headers-cut-then-ok-2")
    assert answer.attempts == 3
    assert box.server.request_count("fault-headers-cut-then-ok-2") == 3
    error = fails(c, "fault-headers-cut")
    assert type(error) is TransportError
    assert error.reason == transport.CLOSED.reason
    assert error.attempts == 3


# -- 3. slowloris: a total deadline per attempt --------------------------------------------------


def test_a_body_trickling_one_byte_at_a_time_meets_the_attempt_deadline(box: SandboxURL) -> None:
    """100 ms per byte never trips the 2 s read timeout; only the 0.5 s deadline ends it."""
    policy = RetryPolicy(attempts=2, backoff_base=0.001, attempt_deadline=0.5)
    c = client(box, retry=policy)
    error = fails(c, "fault-slowloris-100")
    assert type(error) is TransportError
    assert error.reason == transport.DEADLINE.reason
    assert (error.attempts, error.http_status) == (2, 200)
    answer = client(box, retry=policy).get_status("fault-slowloris-100-then-ok-1")
    assert answer.attempts == 2  # the next attempt is a normal answer


# -- 2 + 4. a TLS failure stops the batch at once ------------------------------------------------


class _Quiet(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # pragma: no cover - the handshake fails first
        self.send_response(500)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent."""


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    handshakes = 0

    def get_request(self) -> tuple[socket.socket, Any]:
        self.handshakes += 1
        return super().get_request()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """The client refuses the certificate: expected."""


@pytest.fixture(scope="module")
def untrusted_https(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, _TLSServer]]:
    """An HTTPS server on loopback with a freshly made self-signed certificate."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _TLSServer(("127.0.0.1", 0), _Quiet)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/v1", server
    finally:
        server.shutdown()
        server.server_close()


def test_untrusted_certificate_is_a_typed_outcome_not_an_assertion(
    untrusted_https: tuple[str, _TLSServer],
) -> None:
    url, _ = untrusted_https
    error = fails(client(url), "abc")
    assert type(error) is TransportError
    assert error.reason == transport.TLS.reason
    assert error.attempts == 1
    assert error.__cause__ is None
    assert error.__context__ is None


def test_tls_failure_stops_the_batch_at_once_with_one_line(
    untrusted_https: tuple[str, _TLSServer], tmp_path: Path
) -> None:
    url, server = untrusted_https
    tokens = [f"token-{i}" for i in range(40)]
    before = server.handshakes
    result = run(url, tokens, tmp_path / "s.sqlite", workers=2)
    assert result.stopped is not None
    assert "TLS" in result.stopped
    assert url in result.stopped
    assert "\n" not in result.stopped
    assert result.asked <= 2 * 2  # what was in flight, not the 40 tokens
    assert result.not_asked >= 36
    assert server.handshakes - before <= 4
    with pytest.raises(BatchStoppedError, match="TLS"):
        run(url, tokens, tmp_path / "t.sqlite", errors="warn")


# -- 4. a wrong base URL stops early -------------------------------------------------------------


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("missing /v1", "HTTP 404 page"),
        ("closed port", "connection refused"),
        ("unknown host", "host name not found (DNS)"),
        ("firewall pages", "HTTP 403 page"),
    ],
)
def test_first_answers_all_failing_the_same_way_stop_the_batch(
    box: SandboxURL, tmp_path: Path, where: str, reason: str
) -> None:
    tokens = [f"token-{i:02d}" for i in range(30)]
    base = str(box)
    if where == "missing /v1":
        base = base.removesuffix("/v1")
    elif where == "closed port":
        base = _closed_port_url()
    elif where == "unknown host":
        base = "https://smspartner-test.invalid/v1"
    else:
        tokens = [f"fault-html-403-then-ok-{90 + i}" for i in range(30)]
    box.server.reset_counts()
    result = run(base, tokens, tmp_path / "s.sqlite", client=client(base, workers=2))
    assert result.stopped is not None, result.summary()
    assert f"({reason})" in result.stopped
    assert base in result.stopped
    assert result.succeeded == 0
    assert result.asked < 10
    assert result.not_asked > 20
    assert box.server.request_count() < 10
    assert result.summary().endswith("[stopped early].")
    assert "run again" not in result.summary()  # the one line says what to check instead


def test_wrong_base_url_in_the_cli_is_one_line_and_exit_1(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    (tmp_path / "t.txt").write_text("\n".join(box.server.tokens[:15]), encoding="utf-8")
    base = str(box).removesuffix("/v1")
    assert main(["fetch", "t.txt", "--base-url", base, "--rate", "0", "--quiet"]) == EXIT_ERROR
    _out, err = capsys.readouterr()
    assert err.count("\n") == 1
    assert err.startswith("error: Stopped early: the first 5 answers all failed")
    assert base in err
    assert "SMSPARTNER_BASE_URL" in err
    assert "Traceback" not in err


def test_once_the_api_answered_failures_stay_per_token(box: SandboxURL, tmp_path: Path) -> None:
    tokens = [box.server.tokens[3], *(f"fault-404-then-ok-{90 + i}" for i in range(8))]
    result = run(box, tokens, tmp_path / "s.sqlite", client=client(box, workers=1))
    assert result.stopped is None
    assert (result.asked, result.succeeded, result.failed) == (9, 1, 8)


def test_different_failures_first_do_not_stop(box: SandboxURL, tmp_path: Path) -> None:
    tokens = ["fault-404", "fault-html", "fault-dup-length", "fault-badjson", "fault-html-403",
              *box.server.tokens[4:10]]  # fmt: skip
    result = run(box, tokens, tmp_path / "s.sqlite", client=client(box, workers=1))
    assert result.stopped is None
    assert result.asked == len(tokens)


# -- 5. 403 pages versus the API's refusal -------------------------------------------------------


def test_a_firewall_403_page_is_that_token_s_failure(box: SandboxURL, tmp_path: Path) -> None:
    tokens = [box.server.tokens[5], "fault-html-403", *box.server.tokens[6:12]]
    result = run(box, tokens, tmp_path / "s.sqlite", client=client(box, workers=1))
    assert not result.auth_failed
    assert result.stopped is None
    assert (result.succeeded, result.failed) == (7, 1)
    (rec,) = [r for r in result.records if r.token == "fault-html-403"]
    assert (rec.outcome, rec.http_status, rec.reason) == (
        Outcome.SERVER_ERROR,
        403,
        "HTTP 403 page",
    )


def test_the_api_s_own_401_with_code_10_still_stops_the_batch(tmp_path: Path) -> None:
    with sandbox(rentals=12, api_key="the-right-key") as url:
        result = run(url, url.server.tokens, tmp_path / "s.sqlite", client=client(url))
    assert result.auth_failed
    assert result.asked < 12


# -- 6. the most frequent reason groups by kind --------------------------------------------------


def test_most_frequent_reason_groups_by_kind_with_an_example(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    tokens = [box.server.tokens[12], *(f"fault-404-then-ok-{80 + i}" for i in range(12)),
              "fault-badjson", "fault-html"]  # fmt: skip
    (tmp_path / "t.txt").write_text("\n".join(tokens), encoding="utf-8")
    args = ["fetch", "t.txt", "--base-url", box, "--rate", "0", "--workers", "1", "--quiet"]
    assert main(args) == EXIT_PARTIAL
    err = capsys.readouterr().err
    assert "Most frequent reason: HTTP 404 (12 of 14 tokens, e.g. 'fault-404-then-ok-80')" in err


# -- 7. persistent failures ----------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["fault-badjson", "fault-html-502", "fault-truncated"])
def test_the_same_failure_three_runs_in_a_row_is_persistent(
    box: SandboxURL, tmp_path: Path, fault: str
) -> None:
    good = pending_tokens(box, 2)
    tokens = [*good, fault]
    store = tmp_path / "s.sqlite"
    first, second = (run(box, tokens, store, client=client(box, workers=1)) for _ in range(2))
    assert (first.failed, first.persistent, second.failed, second.persistent) == (1, 0, 1, 0), [
        (r.token, r.reason, r.attempts, r.error_message) for r in first.records
    ]
    third = run(box, tokens, store, client=client(box, workers=1))
    assert (third.failed, third.persistent) == (0, 1), [
        (r.token, r.reason, r.attempts, r.error_message) for r in third.records
    ]
    assert third.persistent_tokens == [fault]
    assert "1 failing the same way 3 runs in a row" in third.summary()
    box.server.reset_counts()
    fourth = run(box, tokens, store, client=client(box, workers=1))
    assert box.server.request_count(fault) == 0  # no longer asked...
    assert (fourth.asked, fourth.failed, fourth.persistent) == (2, 0, 1)
    refreshed = run(box, tokens, store, client=client(box, workers=1), refresh=True)
    assert box.server.request_count(fault) >= 1  # ...unless refreshed
    assert refreshed.persistent == 1  # still the same failure
    frames = load_frames(store)
    (row,) = frames.errors.itertuples()
    assert (row.token, row.persistent) == (fault, True)


def test_persistent_failures_exit_7_in_the_cli_and_show_in_errors_csv(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    (tmp_path / "t.txt").write_text("\n".join([*pending_tokens(box, 2), "fault-badjson"]), "utf-8")
    args = ["fetch", "t.txt", "--base-url", box, "--rate", "0", "--workers", "1", "--quiet"]
    assert [main(args) for _ in range(3)] == [EXIT_PARTIAL, EXIT_PARTIAL, EXIT_PERSISTENT]
    err = capsys.readouterr().err.splitlines()
    assert err[-1].startswith("1 token failed the same way on 3 runs in a row")
    assert "--refresh" in err[-1]
    assert "errors.csv" in err[-1]
    assert main(args) == EXIT_PERSISTENT  # skipped, still reported
    assert main(["report", "--out", "rep"]) == 0
    errors = pd.read_csv(tmp_path / "rep" / "errors.csv", dtype=str)
    assert errors[["token", "persistent"]].values.tolist() == [["fault-badjson", "True"]]


def test_an_outage_of_the_whole_service_never_makes_tokens_persistent(tmp_path: Path) -> None:
    tokens = [f"fault-html-502-then-ok-{70 + i}" for i in range(3)]
    with sandbox(rentals=3) as url:
        results = [run(url, tokens, tmp_path / "s.sqlite") for _ in range(3)]
    assert [r.persistent for r in results] == [0, 0, 0]
    assert results[-1].failed == 3


# -- 9. declared charsets ------------------------------------------------------------------------


def test_a_declared_latin1_answer_is_read_in_latin1(box: SandboxURL, tmp_path: Path) -> None:
    error = fails(client(box), "fault-latin1")
    assert isinstance(error, APIError)
    assert error.api_message == LATIN1_MESSAGE
    result = run(box, [box.server.tokens[13], "fault-latin1"], tmp_path / "s.sqlite")
    (rec,) = [r for r in result.records if r.token == "fault-latin1"]
    assert rec.error_message == LATIN1_MESSAGE


def test_workspace_refresh_says_the_batch_stopped(box: SandboxURL, tmp_path: Path) -> None:
    from smspartner_analytics.core.schema import TokenEntry
    from smspartner_analytics.workspace import open_workspace

    with Store(tmp_path / "s.sqlite") as store:
        store.add_tokens(TokenEntry(t, {}) for t in box.server.tokens[:8])
    base = str(box).removesuffix("/v1")
    ws = open_workspace(tmp_path / "s.sqlite", api_key=KEY, base_url=base, quiet=True)
    with ws, pytest.raises(BatchStoppedError, match="Stopped early") as info:
        ws.refresh(progress=False)
    assert base in str(info.value)


def test_headers_trickling_one_byte_at_a_time_meet_the_attempt_deadline(box: SandboxURL) -> None:
    """Before the headers are in, the watchdog cuts the connection at the deadline."""
    policy = RetryPolicy(attempts=2, backoff_base=0.001, attempt_deadline=0.5)
    with client(box, retry=policy) as c:
        error = fails(c, "fault-slowheaders-100")
        assert type(error) is TransportError
        assert error.reason == transport.DEADLINE.reason
        assert error.attempts == 2
        # the cut connections are never reused wrongly: the next tokens are answered normally
        answers = [c.get_status(t) for t in box.server.tokens[14:18]]
    assert [a.attempts for a in answers] == [1, 1, 1, 1]
