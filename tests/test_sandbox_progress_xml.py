"""The sandbox's XML form (``_format=xml``) and its rentals that advance as time passes."""

from __future__ import annotations

import requests

from smspartner_analytics.client.xmlanswer import parse_xml_answer
from smspartner_analytics.core.schema import normalise_status
from smspartner_analytics.simulator.data import advance_status, rental_pace
from smspartner_analytics.simulator.server import SandboxServer, sandbox


def _get(url: str, token: str, fmt: str | None = None) -> requests.Response:
    params = {"apiKey": "k", "token": token}
    if fmt:
        params["_format"] = fmt
    return requests.get(f"{url}/location/status", params=params, timeout=10)


def test_xml_answers_map_to_the_json_answers() -> None:
    with sandbox(rentals=20, seed=4) as url:
        for token in [*url.server.tokens, "unknown-token", ""]:
            as_json, as_xml = _get(url, token), _get(url, token, "xml")
            assert as_xml.status_code == as_json.status_code
            assert as_xml.headers["content-type"].startswith("application/xml")
            assert as_xml.text.lstrip().startswith("<?xml")
            assert parse_xml_answer(as_xml.content) == as_json.json()


def _statuses(server: SandboxServer) -> dict[str, str]:
    with requests.Session() as session:
        return {
            t: normalise_status(
                session.get(
                    f"{server.base_url}/location/status",
                    params={"apiKey": "k", "token": t},
                    timeout=10,
                ).json()["status"]
            )[0]
            for t in server.tokens
        }


def test_rentals_advance_with_time_at_their_own_pace() -> None:
    with sandbox(rentals=40, seed=9, advance_seconds=1000.0) as url:
        server = url.server
        rentals = {r.token: r for r in server.rentals}
        still = _statuses(server)  # far less than 500 s passed: nobody moved
        assert still == {t: _name(advance_status(r, 0)) for t, r in rentals.items()}
        server._started -= 1000.0  # as if 1000 s had passed: one step for paces up to 1
        moved = _statuses(server)
        for token, rental in rentals.items():
            steps = int(1.0 / rental_pace(server.seed, token))
            assert moved[token] == _name(advance_status(rental, steps))
        assert moved != still
        server._started -= 6000.0  # three steps at the slowest pace: every rental is final
        assert set(_statuses(server).values()) <= {"failed", "downloaded"}


def test_paces_come_from_the_seed() -> None:
    tokens = [f"t{i}" for i in range(50)]
    paces = [rental_pace(3, t) for t in tokens]
    assert paces == [rental_pace(3, t) for t in tokens]
    assert paces != [rental_pace(4, t) for t in tokens]
    assert all(0.5 <= p < 2.0 for p in paces)


def _name(code: int) -> str:
    return normalise_status(code)[0]
