"""fetch_statuses over real HTTP against the sandbox: once per token, bounded, incremental, safe."""

from __future__ import annotations

import _thread
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from smspartner_analytics.client.http import Client, RetryPolicy
from smspartner_analytics.core.errors import (
    AuthenticationError,
    MissingAPIKeyError,
    RequestError,
    ServerError,
)
from smspartner_analytics.core.schema import Outcome, TokenEntry
from smspartner_analytics.fetch import FetchInterrupted, FetchResult, fetch_statuses
from smspartner_analytics.simulator.server import SandboxURL, sandbox
from smspartner_analytics.store.db import Store

KEY = "test-key-8d1f0c2e-fetch"


@pytest.fixture(scope="module")
def box() -> Iterator[SandboxURL]:
    with sandbox(rentals=40, seed=7) as url:
        yield url


def fast_client(url: str, *, key: str = KEY, workers: int = 4) -> Client:
    """No rate cap, one quick retry: failures are recorded in a fraction of a second."""
    return Client(
        api_key=key,
        base_url=url,
        rate=None,
        workers=workers,
        retry=RetryPolicy(attempts=2, backoff_base=0.01, backoff_cap=0.02),
        timeout=(2.0, 2.0),
    )


def run(url: str, tokens: object, store: Store | Path, **kwargs: object) -> FetchResult:
    kwargs.setdefault("client", fast_client(url))
    kwargs.setdefault("progress", False)
    return fetch_statuses(tokens, store=store, **kwargs)  # type: ignore[arg-type]


def test_every_token_asked_once_and_kept_in_order_with_metadata(
    box: SandboxURL, tmp_path: Path
) -> None:
    server = box.server
    server.reset_counts()
    entries = server.entries
    with Store(tmp_path / "s.sqlite") as store:
        result = run(box, entries, store)
        assert result.total == result.asked == result.succeeded == len(entries)
        assert result.skipped == result.failed == result.not_asked == 0
        assert all(server.request_count(t) == 1 for t in server.tokens)
        assert server.request_count() == len(entries)
        latest = store.latest_records()
        assert [r.token for r in latest] == server.tokens
        assert {r.outcome for r in latest} == {Outcome.OK}
        assert all(r.body and r.token in r.body for r in latest)
        assert store.token_metadata() == {e.token: e.metadata for e in entries}
        assert result.store_path == store.path
        assert sorted(r.token for r in result.records) == sorted(server.tokens)


def test_duplicates_are_asked_once(box: SandboxURL, tmp_path: Path) -> None:
    server = box.server
    server.reset_counts()
    tokens = server.tokens[:5]
    with pytest.warns(UserWarning, match="6 duplicate tokens were dropped"):
        result = run(box, [*tokens, *tokens, f" {tokens[0]} ", ""], tmp_path / "s.sqlite")
    assert result.asked == 5
    assert [server.request_count(t) for t in tokens] == [1] * 5


def test_at_most_workers_in_flight(tmp_path: Path) -> None:
    with sandbox(rentals=24, latency_ms=40) as url:
        result = run(
            url, url.server.tokens, tmp_path / "s.sqlite", client=fast_client(url), workers=3
        )
        assert result.succeeded == 24
        assert url.server.max_in_flight == 3  # concurrent, and never more than the workers


def test_incremental_skips_final_tokens_and_refresh_asks_all(
    box: SandboxURL, tmp_path: Path
) -> None:
    server = box.server
    server.reset_counts()
    tokens = [*server.tokens, "unknown-token-1"]
    path = tmp_path / "s.sqlite"
    first = run(box, tokens, path, errors="ignore")
    assert first.not_found == 1
    with Store(path) as store:
        final = store.final_tokens()
        statuses = {r.token: r.status for r in store.latest_records()}
    assert "unknown-token-1" in final
    assert final - {"unknown-token-1"} == {
        t for t, s in statuses.items() if s in ("failed", "downloaded")
    }
    assert 1 < len(final) < len(tokens)  # the generated data has final and open rentals

    second = run(box, tokens, path)
    assert second.skipped == len(final)
    assert second.asked == len(tokens) - len(final)
    assert server.request_count("unknown-token-1") == 1  # not found is not asked again
    assert all(server.request_count(t) == 1 for t in final)

    with pytest.warns(UserWarning, match="1 not found"):
        third = run(box, tokens, path, refresh=True)
    assert third.asked == len(tokens)
    assert third.skipped == 0
    assert server.request_count("unknown-token-1") == 2


def test_not_found_is_recorded_with_the_api_code(box: SandboxURL, tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.warns(UserWarning, match="1 of 2 tokens got no data: 1 not found"):
            result = run(box, ["nope-404", box.server.tokens[0]], store)
        (rec,) = [r for r in store.latest_records() if r.token == "nope-404"]
    assert result.not_found == 1
    assert rec.outcome == Outcome.NOT_FOUND
    assert rec.error_code == 32
    assert rec.http_status == 404
    assert rec.attempts == 1
    assert rec.body is not None
    assert json.loads(rec.body)["code"] == 32


def test_wrong_key_stops_the_batch_at_once(tmp_path: Path) -> None:
    wrong = "wrong-key-5b7e1a9d"
    with sandbox(rentals=50, api_key="right", latency_ms=20) as url:
        client = fast_client(url, key=wrong, workers=4)
        with pytest.raises(AuthenticationError) as info:
            run(url, url.server.tokens, tmp_path / "s.sqlite", client=client, workers=4)
        sent = url.server.request_count()
    message = str(info.value)
    assert sent <= 4  # the workers' first requests at most, never the 50
    assert "API key given as api_key=" in message  # the client was given it, so it says so
    assert wrong not in message
    assert "\n" not in message
    with Store(tmp_path / "s.sqlite") as store:
        latest = store.latest_records()
    assert 1 <= len(latest) <= 4
    assert {r.outcome for r in latest} == {Outcome.AUTH_ERROR}
    assert {r.error_code for r in latest} == {10}


def test_wrong_key_with_errors_ignore_returns_auth_failed(tmp_path: Path) -> None:
    with sandbox(rentals=20, api_key="right") as url:
        client = fast_client(url, key="wrong", workers=2)
        result = run(
            url, url.server.tokens, tmp_path / "s.sqlite", client=client, workers=2, errors="ignore"
        )
    assert result.auth_failed
    assert result.not_asked >= 18
    assert "API key refused" in result.summary()


def test_missing_key_fails_before_the_store_is_created(tmp_path: Path) -> None:
    with pytest.raises(MissingAPIKeyError, match="SMSPARTNER_API_KEY"):
        fetch_statuses(["abc"], store=tmp_path / "s.sqlite", progress=False)
    assert not (tmp_path / "s.sqlite").exists()


def test_transport_and_parse_failures_are_recorded_for_retry(
    box: SandboxURL, tmp_path: Path
) -> None:
    faults = ["fault-500", "fault-truncated", "fault-html", "fault-reset", "fault-429"]
    tokens = [*faults, box.server.tokens[0]]
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.warns(UserWarning, match="5 failed"):
            result = run(box, tokens, store)
        outcomes = {r.token: r.outcome for r in store.latest_records()}
    assert outcomes == {
        "fault-500": Outcome.SERVER_ERROR,
        "fault-truncated": Outcome.TRANSPORT_ERROR,
        "fault-html": Outcome.PARSE_ERROR,
        "fault-reset": Outcome.TRANSPORT_ERROR,
        "fault-429": Outcome.RATE_LIMITED,
        box.server.tokens[0]: Outcome.OK,
    }
    assert result.failed == 5
    assert sorted(result.failed_tokens) == sorted(faults)
    html = next(r for r in result.records if r.token == "fault-html")
    assert html.body is not None
    assert "<html" in html.body.lower()  # the raw body is kept for diagnosis
    attempts = {r.token: r.attempts for r in result.records}
    assert {attempts[t] for t in faults if t != "fault-html"} == {2}  # retried once
    # failures are not final: the next run asks them again
    again = run(box, tokens, tmp_path / "s.sqlite", errors="ignore")
    assert again.asked >= 5


def test_flaky_token_succeeds_on_the_next_run(box: SandboxURL, tmp_path: Path) -> None:
    token = "fault-503-then-ok-2"
    first = run(box, [token], tmp_path / "s.sqlite", errors="ignore")
    assert first.failed == 1
    second = run(box, [token], tmp_path / "s.sqlite")
    assert second.succeeded == 1
    with Store(tmp_path / "s.sqlite") as store:
        assert [r.outcome for r in store.history_records()] == [Outcome.SERVER_ERROR, Outcome.OK]


def test_errors_raise_stores_everything_first(box: SandboxURL, tmp_path: Path) -> None:
    tokens = [box.server.tokens[0], "fault-500", box.server.tokens[1]]
    with pytest.raises(ServerError) as info:
        run(box, tokens, tmp_path / "s.sqlite", errors="raise")
    assert isinstance(info.value, RequestError)
    assert info.value.token == "fault-500"
    with Store(tmp_path / "s.sqlite") as store:
        assert store.count_answers() == 3


def test_bad_arguments(box: SandboxURL, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="errors must be"):
        run(box, ["a"], tmp_path / "s.sqlite", errors="loud")
    with pytest.raises(ValueError, match="workers"):
        run(box, ["a"], tmp_path / "s.sqlite", workers=0)


def test_tokens_file_and_default_store_from_environment(
    box: SandboxURL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_path = box.server.write_tokens_csv(tmp_path / "tokens.csv")
    monkeypatch.setenv("SMSPARTNER_API_KEY", KEY)
    monkeypatch.setenv("SMSPARTNER_STORE", str(tmp_path / "env.sqlite"))
    result = fetch_statuses(str(csv_path), base_url=box, rate=0, progress=False)
    assert result.succeeded == len(box.server.tokens)
    assert result.store_path == tmp_path / "env.sqlite"
    with Store(tmp_path / "env.sqlite") as store:
        assert store.token_metadata()[box.server.tokens[0]]["campaign"]


def test_progress_bar_runs(
    box: SandboxURL, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(box, box.server.tokens[:3], tmp_path / "s.sqlite", progress=True)
    assert result.succeeded == 3
    assert "3/3" in capsys.readouterr().err


def test_api_key_never_reaches_the_store_files(box: SandboxURL, tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    tokens = [*box.server.tokens[:10], "nope-404", "fault-500", "fault-html"]
    with Store(path) as store:
        run(box, tokens, store, errors="ignore")
        files = [p for p in tmp_path.iterdir() if p.name.startswith("s.sqlite")]
        assert any(p.name.endswith("-wal") for p in files)
        for file in files:
            assert KEY.encode() not in file.read_bytes(), file.name
    assert KEY.encode() not in path.read_bytes()


def test_ctrl_c_stops_soon_and_keeps_what_was_saved(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with sandbox(rentals=60, latency_ms=100) as url:
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        try:
            with pytest.raises(FetchInterrupted) as info:
                run(url, url.server.tokens, path, client=fast_client(url, workers=2), workers=2)
        finally:
            timer.cancel()
        sent = url.server.request_count()
    result = info.value.result
    assert isinstance(info.value, KeyboardInterrupt)
    assert result.interrupted
    assert 0 < result.asked < 60
    assert sent <= result.asked + 2  # nothing new started after the interrupt
    with Store(path) as store:
        assert store.count_answers() == result.asked
    # a rerun asks only what is missing (or can still change)
    with sandbox(rentals=60, latency_ms=0) as url:
        rerun = run(url, url.server.tokens, path)
    assert rerun.asked == 60 - rerun.skipped
    assert rerun.asked + result.asked >= 60


def test_fetch_result_summary_line() -> None:
    result = FetchResult(total=10, asked=7, skipped=3, succeeded=5, not_found=1, failed=1)
    assert result.summary() == (
        "10 tokens: 7 asked, 3 skipped as final; 5 succeeded, 1 not found, "
        "0 API errors, 1 failed (run again to retry)."
    )
    result = FetchResult(total=1, asked=1, api_errors=1, seconds=2.04)
    assert result.summary() == (
        "1 token: 1 asked, 0 skipped as final; 0 succeeded, 0 not found, 1 API error, 0 failed, "
        "in 2.0 s."
    )
    assert "records" not in repr(result)


def test_token_entries_are_accepted(box: SandboxURL, tmp_path: Path) -> None:
    entry = TokenEntry(box.server.tokens[0], {"campaign": "mine"})
    with Store(tmp_path / "s.sqlite") as store:
        run(box, [entry], store)
        assert store.token_metadata() == {entry.token: {"campaign": "mine"}}
