"""The Client against the sandbox over real HTTP: retries, errors, limits and secrets."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from helpers import busiest_window

from smspartner_analytics.client.http import Client, RetryPolicy, StatusResponse
from smspartner_analytics.core.errors import (
    MAX_KEPT_BODY,
    APIError,
    AuthenticationError,
    ConfigurationError,
    MissingAPIKeyError,
    RateLimitError,
    RentalNotFoundError,
    RequestError,
    ResponseParseError,
    ServerError,
    TokenRequiredError,
    TransportError,
)
from smspartner_analytics.simulator.server import SandboxURL, sandbox


@pytest.fixture
def client(sandbox_url: SandboxURL, fake_key: str) -> Iterator[Client]:
    with Client(
        api_key=fake_key,
        base_url=sandbox_url,
        rate=None,
        retry=RetryPolicy(backoff_base=0.001),
        timeout=(2, 2),
    ) as c:
        yield c


def fails(client: Client, token: str) -> RequestError:
    with pytest.raises(RequestError) as info:
        client.get_status(token)
    return info.value


def test_success_returns_the_parsed_answer(client: Client, sandbox_url: SandboxURL) -> None:
    token = sandbox_url.server.tokens[0]
    answer = client.get_status(token)
    assert isinstance(answer, StatusResponse)
    assert answer.data["success"] is True
    assert answer.data["token"] == token
    assert answer.token == token
    assert (answer.http_status, answer.attempts) == (200, 1)
    assert '"success": true' in answer.body
    assert client.rental_status(token) == answer.data
    assert sandbox_url.server.request_count(token) == 2


@pytest.mark.parametrize(
    ("token", "kind", "status"),
    [
        ("fault-429", RateLimitError, 429),
        ("fault-429-ra-abc", RateLimitError, 429),
        ("fault-429-ra--1", RateLimitError, 429),
        ("fault-429-ra-empty", RateLimitError, 429),
        ("fault-500", ServerError, 500),
        ("fault-502", ServerError, 502),
        ("fault-503", ServerError, 503),
        ("fault-504", ServerError, 504),
        ("fault-html-502", ServerError, 502),
        ("fault-truncated", TransportError, 200),
        ("fault-reset", TransportError, None),
    ],
)
def test_retryable_faults_are_asked_n_plus_one_times(
    client: Client, sandbox_url: SandboxURL, token: str, kind: type[RequestError], status: int
) -> None:
    error = fails(client, token)
    assert type(error) is kind
    assert sandbox_url.server.request_count(token) == client.retry.attempts == 4
    assert error.attempts == 4
    assert error.http_status == status
    assert error.token == token


@pytest.mark.parametrize("attempts", [1, 2, 6])
def test_attempts_are_honoured(sandbox_url: SandboxURL, fake_key: str, attempts: int) -> None:
    policy = RetryPolicy(attempts=attempts, backoff_base=0.001)
    with Client(api_key=fake_key, base_url=sandbox_url, retry=policy, rate=None) as c:
        fails(c, "fault-503")
    assert sandbox_url.server.request_count("fault-503") == attempts


@pytest.mark.parametrize(
    ("token", "tries"),
    [("fault-500-then-ok-2", 3), ("fault-truncated-then-ok-1", 2), ("fault-reset-then-ok-3", 4),
     ("fault-429-then-ok-1", 2), ("fault-html-503-then-ok-1", 2)],
)  # fmt: skip
def test_retries_end_in_success(
    client: Client, sandbox_url: SandboxURL, token: str, tries: int
) -> None:
    answer = client.get_status(token)
    assert answer.attempts == tries
    assert answer.data["token"] == token
    assert sandbox_url.server.request_count(token) == tries


@pytest.mark.parametrize(
    ("token", "kind", "status", "code"),
    [
        ("fault-400", ServerError, 400, None),
        ("fault-401", ServerError, 401, None),  # a page, not the API's refusal
        ("fault-403", ServerError, 403, None),  # a firewall page: this token's failure
        ("fault-404", ServerError, 404, None),
        ("no-such-rental", RentalNotFoundError, 404, 32),
        ("", TokenRequiredError, 400, 31),
        ("fault-code-31", TokenRequiredError, 200, 31),
        ("fault-code-32", RentalNotFoundError, 200, 32),
        ("fault-code-1", AuthenticationError, 200, 1),
        ("fault-code-10", AuthenticationError, 200, 10),
        ("fault-code-77", APIError, 200, 77),
        ("fault-redirect", ServerError, 302, None),
    ],
)
def test_final_answers_are_asked_once(
    client: Client,
    sandbox_url: SandboxURL,
    token: str,
    kind: type[RequestError],
    status: int,
    code: int | None,
) -> None:
    error = fails(client, token)
    assert type(error) is kind
    assert error.http_status == status
    assert error.attempts == 1
    assert getattr(error, "code", None) == code
    assert sandbox_url.server.request_count(token) == 1


def test_success_false_on_200_is_an_error_with_the_api_words(client: Client) -> None:
    error = fails(client, "fault-code-77")
    assert isinstance(error, APIError)
    assert (error.code, error.api_message) == (77, "Erreur simulée")
    assert error.body is not None
    assert '"success": false' in error.body


def test_redirects_are_not_followed(client: Client, sandbox_url: SandboxURL) -> None:
    error = fails(client, "fault-redirect")
    assert "redirect" in str(error)
    assert sandbox_url.server.request_count("redirected") == 0


@pytest.mark.parametrize(
    "token", ["fault-html", "fault-badjson", "fault-wrongshape", "fault-huge", "fault-huge-chunked"]
)
def test_unparsable_bodies_become_parse_errors_at_once(
    client: Client, sandbox_url: SandboxURL, token: str
) -> None:
    error = fails(client, token)
    assert type(error) is ResponseParseError
    assert error.http_status == 200
    assert sandbox_url.server.request_count(token) == 1
    assert error.body is not None
    assert len(error.body) <= MAX_KEPT_BODY


def test_html_body_is_kept_for_diagnosis(client: Client) -> None:
    error = fails(client, "fault-html")
    assert error.body is not None
    assert error.body.startswith("<!DOCTYPE html>")


def test_hanging_server_costs_about_the_timeout_per_attempt(
    sandbox_url: SandboxURL, fake_key: str
) -> None:
    policy = RetryPolicy(attempts=2, backoff_base=0.001)
    with Client(api_key=fake_key, base_url=sandbox_url, timeout=0.3, retry=policy) as c:
        start = time.monotonic()
        error = fails(c, "fault-hang")
        elapsed = time.monotonic() - start
    assert type(error) is TransportError
    assert "timed out" in str(error)
    assert sandbox_url.server.request_count("fault-hang") == 2
    assert elapsed < 3.0  # two attempts of 0.3 s, not the server's 60 s hang


def test_refused_connection_is_retried_then_a_transport_error(fake_key: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    policy = RetryPolicy(attempts=3, backoff_base=0.001)
    with Client(api_key=fake_key, base_url=f"http://127.0.0.1:{port}/v1", retry=policy) as c:
        error = fails(c, "abc")
    assert type(error) is TransportError
    assert error.attempts == 3
    assert "refused" in str(error)


@pytest.mark.slow
def test_retry_after_two_seconds_is_waited(client: Client, sandbox_url: SandboxURL) -> None:
    answer = client.get_status("fault-429-ra-2-then-ok-1")
    assert answer.attempts == 2
    first, second = sandbox_url.server.request_times("fault-429-ra-2-then-ok-1")
    assert second - first >= 2.0


def test_retry_after_above_the_cap_is_not_slept(sandbox_url: SandboxURL, fake_key: str) -> None:
    policy = RetryPolicy(retry_after_cap=10)
    with Client(api_key=fake_key, base_url=sandbox_url, retry=policy) as c:
        start = time.monotonic()
        error = fails(c, "fault-429-ra-999")
        elapsed = time.monotonic() - start
    assert type(error) is RateLimitError
    assert error.attempts == 1
    assert sandbox_url.server.request_count("fault-429-ra-999") == 1
    assert "more than 10 s" in str(error)
    assert elapsed < 5.0


def test_total_wait_per_token_is_bounded(sandbox_url: SandboxURL, fake_key: str) -> None:
    policy = RetryPolicy(max_total_wait=0.5)
    with Client(api_key=fake_key, base_url=sandbox_url, retry=policy, rate=None) as c:
        error = fails(c, "fault-429-ra-1")
    assert type(error) is RateLimitError
    assert sandbox_url.server.request_count("fault-429-ra-1") == 1
    assert "Gave up early" in str(error)


def test_429_slows_the_client_down_and_successes_recover(
    sandbox_url: SandboxURL, fake_key: str
) -> None:
    policy = RetryPolicy(backoff_base=0.001)
    with Client(api_key=fake_key, base_url=sandbox_url, rate=1000.0, retry=policy) as c:
        fails(c, "fault-429-ra-0")
        assert c.limiter.rate is not None
        assert c.limiter.rate < 1000.0 / 8
        for _ in range(60):
            c.get_status(sandbox_url.server.tokens[0])
        assert c.limiter.rate == 1000.0


def test_rate_limit_holds_on_the_server_side(sandbox_url: SandboxURL, fake_key: str) -> None:
    server = sandbox_url.server
    with (
        Client(api_key=fake_key, base_url=sandbox_url, rate=20.0, workers=4) as c,
        ThreadPoolExecutor(4) as pool,
    ):
        list(pool.map(c.get_status, server.tokens[:16] * 2))
    times = server.request_times()
    assert len(times) == 32
    # rate + burst, plus one: a request released just before a window can reach the server late
    # (thread scheduling on a busy machine); without the limiter all 32 arrive within one window
    assert busiest_window(times) <= 20 + 1 + 1


def test_requests_in_flight_never_exceed_workers(fake_key: str) -> None:
    with sandbox(rentals=24, latency_ms=30) as url:
        with (
            Client(api_key=fake_key, base_url=url, rate=None, workers=2) as c,
            ThreadPoolExecutor(8) as pool,
        ):
            answers = list(pool.map(c.get_status, url.server.tokens))
        assert [a.token for a in answers] == url.server.tokens
        assert url.server.max_in_flight == 2


def test_many_threads_share_one_client(client: Client, sandbox_url: SandboxURL) -> None:
    tokens = sandbox_url.server.tokens * 3
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(client.get_status, tokens))
    assert [a.data["token"] for a in answers] == tokens


def test_wrong_key_is_an_authentication_error(fake_key: str) -> None:
    with sandbox(rentals=3, api_key="the-right-key") as url:
        with Client(api_key=fake_key, base_url=url) as c:
            error = fails(c, url.server.tokens[0])
        assert type(error) is AuthenticationError
        assert (error.code, error.http_status, error.attempts) == (10, 401, 1)
        assert "SMSPARTNER_API_KEY" in str(error)
        assert fake_key not in str(error)
        with Client(api_key="the-right-key", base_url=url) as c:
            assert c.get_status(url.server.tokens[0]).attempts == 1


def test_missing_key_fails_before_any_request(sandbox_url: SandboxURL) -> None:
    with pytest.raises(MissingAPIKeyError) as info:
        Client(base_url=sandbox_url)
    assert "SMSPARTNER_API_KEY" in str(info.value)
    assert ".env" in str(info.value)
    assert sandbox_url.server.request_count() == 0


def test_key_and_base_url_come_from_the_environment(
    sandbox_url: SandboxURL, fake_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", fake_key)
    monkeypatch.setenv("SMSPARTNER_BASE_URL", str(sandbox_url))
    with Client() as c:
        assert c.base_url == sandbox_url
        assert c.get_status(sandbox_url.server.tokens[1]).attempts == 1


@pytest.mark.parametrize(
    "url",
    ["http://example.com/v1", "http://10.0.0.1/v1", "ftp://127.0.0.1/v1", "api.smspartner.fr"],
)
def test_plain_http_off_loopback_is_refused(url: str, fake_key: str) -> None:
    with pytest.raises(ConfigurationError):
        Client(api_key=fake_key, base_url=url)


def test_https_base_url_is_accepted_without_a_request(fake_key: str) -> None:
    with Client(api_key=fake_key) as c:
        assert c.base_url == "https://api.smspartner.fr/v1"


@pytest.mark.parametrize(
    "settings",
    [{"retry": 3}, {"workers": 0}, {"timeout": 0}, {"timeout": (1.0, -1.0)}, {"rate": -2.0}],
)
def test_bad_settings_are_refused(fake_key: str, settings: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        Client(api_key=fake_key, **settings)  # type: ignore[arg-type]


def test_a_given_session_is_used_and_left_open(sandbox_url: SandboxURL, fake_key: str) -> None:
    with requests.Session() as session:
        with Client(api_key=fake_key, base_url=sandbox_url, session=session) as c:
            c.get_status(sandbox_url.server.tokens[0])
        assert session.get(f"{sandbox_url}/other", timeout=5).status_code == 404


def chain(error: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


KEY_TOKENS = [
    "fault-echo", "fault-429", "fault-500", "fault-html", "fault-truncated", "fault-reset",
    "fault-badjson", "fault-hang", "fault-401", "fault-redirect", "fault-code-10",
    "fault-429-ra-999", "unknown", "",
]  # fmt: skip


def test_the_key_never_leaks(
    sandbox_url: SandboxURL, fake_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[RequestError] = []
    with Client(
        api_key=fake_key,
        base_url=sandbox_url,
        timeout=0.3,
        retry=RetryPolicy(attempts=2, backoff_base=0.001),
        rate=None,
    ) as c:
        assert fake_key not in repr(c)
        assert "apiKey=***" in repr(c)
        assert fake_key not in str(vars(c).get("_url"))
        for token in KEY_TOKENS:
            errors.append(fails(c, token))
        c.get_status(sandbox_url.server.tokens[0])
    echoed = errors[0]
    assert echoed.body is not None
    assert "apiKey=***" in echoed.body
    for error in errors:
        for link in chain(error):
            assert isinstance(link, RequestError)  # nothing from requests is chained
            for text in (str(link), repr(link), link.body or "", repr(vars(link))):
                assert fake_key not in text
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Retrying token fault-429") and "apiKey=***" in m for m in messages)
    assert any("apiKey=***" in m for m in messages)  # urllib3 logged the request line...
    for record in caplog.records:  # ...but never the key
        assert fake_key not in record.getMessage()
        assert fake_key not in repr(record.args)


def test_log_filter_is_installed_once(sandbox_url: SandboxURL, fake_key: str) -> None:
    for _ in range(3):
        Client(api_key=fake_key, base_url=sandbox_url).close()
    filters = logging.getLogger("urllib3.connectionpool").filters
    assert sum(type(f).__name__ == "_RedactingFilter" for f in filters) == 1
