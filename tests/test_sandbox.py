"""The sandbox: deterministic data with the API's quirks, auth modes, faults, counters, CLI."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from smspartner_analytics.core.errors import ConfigurationError
from smspartner_analytics.core.schema import TokenEntry, normalise_status
from smspartner_analytics.simulator.data import DOWNLOADED_TEXT, advance_status, generate_rentals
from smspartner_analytics.simulator.faults import Fault, parse_fault
from smspartner_analytics.simulator.server import SandboxURL, sandbox


def ask(
    session: requests.Session, url: str, token: str | None, key: str | None = "k"
) -> requests.Response:
    params = {k: v for k, v in (("apiKey", key), ("token", token)) if v is not None}
    return session.get(f"{url}/location/status", params=params, timeout=5, allow_redirects=False)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.fixture(scope="module")
def all_answers() -> list[dict[str, Any]]:
    with sandbox(rentals=300, seed=0) as url, requests.Session() as s:
        return [ask(s, url, t).json() for t in url.server.tokens]


def test_same_seed_same_data_other_seed_other_data(session: requests.Session) -> None:
    bodies = []
    for seed in (1, 1, 2):
        with sandbox(rentals=8, seed=seed) as url:
            bodies.append([ask(session, url, t).text for t in url.server.tokens])
    assert bodies[0] == bodies[1]
    assert bodies[0] != bodies[2]


def test_tokens_look_like_the_vendors() -> None:
    rentals = generate_rentals(50, seed=3)
    assert all(re.fullmatch(r"[0-9a-f]{40}", r.token) for r in rentals)
    assert len({r.token for r in rentals}) == 50


def test_every_status_code_and_its_forms_appear(all_answers: list[dict[str, Any]]) -> None:
    statuses = [a["status"] for a in all_answers]
    assert {normalise_status(s)[1] for s in statuses} == {0, 1, 2, 3, 5}
    assert DOWNLOADED_TEXT in statuses
    assert any(isinstance(s, str) and s.isdigit() for s in statuses)
    assert any(isinstance(s, int) for s in statuses)


def test_every_status_appears_even_in_a_small_sandbox() -> None:
    codes = {r.status_code for r in generate_rentals(5, seed=9)}
    assert codes == {0, 1, 2, 3, 5}


def test_quirks_of_the_real_api_are_there(all_answers: list[dict[str, Any]]) -> None:
    details = [d for a in all_answers for d in a["location"]["details_localisation"]]
    locations = {d["Location"] for d in details}
    assert all(isinstance(loc, str) for loc in locations)
    assert {"06200", "01000"} & locations  # leading zeros survive
    assert {d["Type"] for d in details} == {"cp", "CP", "dep"}
    assert any(isinstance(d["VolumeDesired"], str) for d in details)
    assert any(isinstance(d["VolumeDesired"], int) for d in details)
    desired = [int(d["VolumeDesired"]) for d in details]
    available = [int(d["Volume"]) for d in details]
    assert 0 in desired
    assert any(d > v for d, v in zip(desired, available, strict=True))
    assert any(isinstance(a["location"]["minAge"], str) for a in all_answers)
    assert {a["location"]["category"] for a in all_answers} == {102, 103}
    assert all(1 <= len(a["location"]["details_localisation"]) <= 4 for a in all_answers)


def test_cost_zipcode_and_file_agree_with_the_details(all_answers: list[dict[str, Any]]) -> None:
    for answer in all_answers:
        loc = answer["location"]
        details = loc["details_localisation"]
        cps = [d["Location"] for d in details if d["Type"].lower() == "cp"]
        assert loc["zipcode"] == ",".join(cps)
        quantity = sum(int(d["VolumeDesired"]) for d in details)
        code = normalise_status(answer["status"])[1]
        if "cost" in loc:
            cost = loc["cost"]
            assert cost["quantity"] == quantity
            assert Decimal(cost["total"]) == quantity * Decimal(cost["cost_unity"])
            assert re.fullmatch(r"\d+\.\d{3}", cost["total"])
        else:
            assert code == 3
        assert ("file" in answer) == (code in (2, 5))
        if "file" in answer:
            assert answer["file"] == {"phoneNumbers": str(quantity)}
    assert any("cost" not in a["location"] for a in all_answers)


def test_without_api_key_any_non_empty_key_is_accepted(
    sandbox_url: SandboxURL, session: requests.Session
) -> None:
    token = sandbox_url.server.tokens[0]
    assert ask(session, sandbox_url, token, key="anything").json()["success"] is True
    for key in (None, "", "  "):
        answer = ask(session, sandbox_url, token, key=key)
        assert answer.status_code == 200
        assert answer.json() == {"success": False, "code": 1, "message": "La Clé API est requise"}


def test_with_api_key_only_that_key_is_accepted(session: requests.Session) -> None:
    with sandbox(rentals=2, api_key="right") as url:
        token = url.server.tokens[0]
        assert ask(session, url, token, key="right").status_code == 200
        wrong = ask(session, url, token, key="wrong")
        assert wrong.status_code == 401
        assert wrong.json() == {"success": False, "code": 10, "message": "Clé API incorrecte"}


def test_token_errors(sandbox_url: SandboxURL, session: requests.Session) -> None:
    for token in (None, ""):
        missing = ask(session, sandbox_url, token)
        assert (missing.status_code, missing.json()["code"]) == (400, 31)
    unknown = ask(session, sandbox_url, "0" * 40)
    assert unknown.status_code == 404
    assert unknown.json() == {"success": False, "code": 32, "message": "Location introuvable"}
    other = session.get(f"{sandbox_url}/location/other", timeout=5)
    assert other.status_code == 404
    assert other.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("token", "fault"),
    [
        ("fault-429", Fault("429")),
        ("fault-429-ra-1.5", Fault("429-ra-1.5")),
        ("fault-429-ra--1-then-ok-2", Fault("429-ra--1", 2)),
        ("fault-html-502-then-ok-1", Fault("html-502", 1)),
        ("fault-slow-250", Fault("slow-250")),
        ("fault-code-32", Fault("code-32")),
        ("fault-huge-chunked", Fault("huge-chunked")),
        ("fault-nonsense", None),
        ("fault-", None),
        ("abc", None),
    ],
)
def test_fault_grammar(token: str, fault: Fault | None) -> None:
    assert parse_fault(token) == fault


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [("429", 429, None), ("429-ra-2", 429, "2"), ("429-ra-empty", 429, ""), ("503", 503, None),
     ("html", 200, None), ("html-504", 504, None), ("redirect", 302, None), ("badjson", 200, None)],
)  # fmt: skip
def test_faults_on_the_wire(
    sandbox_url: SandboxURL,
    session: requests.Session,
    kind: str,
    status: int,
    retry_after: str | None,
) -> None:
    answer = ask(session, sandbox_url, f"fault-{kind}")
    assert answer.status_code == status
    assert answer.headers.get("Retry-After") == retry_after


def test_retry_after_date_is_an_http_date(
    sandbox_url: SandboxURL, session: requests.Session
) -> None:
    header = ask(session, sandbox_url, "fault-429-ra-date").headers["Retry-After"]
    assert header.endswith(" GMT")


def test_truncated_body_is_cut_short(sandbox_url: SandboxURL, session: requests.Session) -> None:
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        ask(session, sandbox_url, "fault-truncated")


def test_then_ok_answers_a_success_after_k_faults(
    sandbox_url: SandboxURL, session: requests.Session
) -> None:
    token = "fault-503-then-ok-2"
    statuses = [ask(session, sandbox_url, token).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    body = ask(session, sandbox_url, token).json()
    assert body["success"] is True
    assert body["token"] == token
    assert sandbox_url.server.request_count(token) == 5


def test_random_faults_are_deterministic(session: requests.Session) -> None:
    runs = []
    for _ in range(2):
        with sandbox(rentals=30, seed=4, fault_rate=0.3) as url:
            runs.append([ask(session, url, t).status_code for t in url.server.tokens])
    assert runs[0] == runs[1]
    assert 200 in runs[0]
    assert set(runs[0]) - {200}  # some faults
    with sandbox(rentals=30, seed=4) as url:
        assert {ask(session, url, t).status_code for t in url.server.tokens} == {200}


def test_advance_every_moves_rentals_along(session: requests.Session) -> None:
    with sandbox(rentals=5, seed=0, advance_every=2) as url:
        rental = url.server.rentals[0]
        assert rental.status_code == 0
        seen = [normalise_status(ask(session, url, rental.token).json()["status"])[1]
                for _ in range(8)]  # fmt: skip
    final = 3 if rental.fails else 5
    path = [0, 0, 1, 1, 3, 3, 3, 3] if rental.fails else [0, 0, 1, 1, 2, 2, 5, 5]
    assert seen == path
    assert advance_status(rental, 100) == final


def test_counters(sandbox_url: SandboxURL, session: requests.Session) -> None:
    server = sandbox_url.server
    token = server.tokens[2]
    for _ in range(3):
        ask(session, sandbox_url, token)
    ask(session, sandbox_url, "other")
    assert server.request_count(token) == 3
    assert server.request_count() == 4
    times = server.request_times(token)
    assert len(times) == 3
    assert times == sorted(times)
    assert server.max_in_flight == 1
    server.reset_counts()
    assert server.request_count() == 0
    assert server.request_times() == []


def test_entries_and_tokens_csv(sandbox_url: SandboxURL) -> None:
    server = sandbox_url.server
    path = server.write_tokens_csv(Path("tokens.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["token"] for r in rows] == server.tokens
    assert list(rows[0]) == ["token", "campaign", "ordered_on", "owner"]
    entries = server.entries
    assert all(isinstance(e, TokenEntry) for e in entries)
    assert [dict(r) for r in rows] == [{"token": e.token, **e.metadata} for e in entries]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.metadata["ordered_on"]) for e in entries)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])  # noqa: S104
def test_non_loopback_host_is_refused(host: str) -> None:
    with pytest.raises(ConfigurationError, match="loopback"), sandbox(host=host):
        pass  # pragma: no cover


def test_server_stops_on_exit(session: requests.Session) -> None:
    with sandbox(rentals=1) as url:
        assert isinstance(url, str)
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/v1")
        assert url == url.server.base_url
    with pytest.raises(requests.exceptions.ConnectionError):
        ask(session, url, "x")


def test_cli_serves_until_ctrl_c(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.csv"
    code = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"
    argv = [sys.executable, "-c", code, "sandbox", "--rentals", "5", "--tokens-out", str(tokens)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        output: list[str] = []
        while not output or "Ctrl-C" not in output[-1]:
            output.append(proc.stdout.readline())
            assert output[-1], output  # the process ended early
        match = re.search(r"serving (http://\S+)", "".join(output))
        assert match is not None
        url = match.group(1)
        with tokens.open(encoding="utf-8") as handle:
            token = next(csv.DictReader(handle))["token"]
        answer = requests.get(
            f"{url}/location/status", params={"apiKey": "x", "token": token}, timeout=5
        )
        assert json.loads(answer.text)["token"] == token
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert f"SMSPARTNER_BASE_URL={url} SMSPARTNER_API_KEY=anything" in "".join(output)
    assert out == ""
    assert "stopped" in err


@pytest.mark.parametrize("host", ["localhost", "::1"])
def test_other_loopback_hosts(host: str, session: requests.Session) -> None:
    try:
        server = sandbox(rentals=2, host=host)
        url = server.__enter__()
    except OSError:  # pragma: no cover - machine without IPv6
        pytest.skip(f"cannot bind {host}")
    try:
        assert ask(session, url, url.server.tokens[0]).status_code == 200
    finally:
        server.__exit__(None, None, None)
