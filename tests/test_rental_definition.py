"""One definition of a rental (``core.schema.is_rental``): a success answer, with or without a
``location`` object. The fetch summary, ``load_frames``, the report, ``status_summary``, the history
and the dashboard all count the same tokens. A small server on 127.0.0.1 answers like the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from helpers import serve_on_loopback

from smspartner_analytics.analysis import status_summary
from smspartner_analytics.cli import EXIT_OK, main
from smspartner_analytics.core.schema import Outcome, is_rental
from smspartner_analytics.frames.flattening import load_frames

FULL = {
    "success": True,
    "status": 5,
    "location": {
        "sexe": "femme",
        "minAge": 31,
        "maxAge": 49,
        "zipcode": "06200",
        "interest": "14",
        "category": 102,
        "details_localisation": [
            {"Type": "cp", "Location": "06200", "VolumeDesired": "10", "Volume": "266"}
        ],
        "cost": {"quantity": 10, "total": "0.900", "cost_unity": "0.090"},
    },
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the API and the sandbox answer

    def do_GET(self) -> None:
        token = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        if token.startswith("noloc"):
            answer: dict[str, object] = {"success": True, "token": token, "status": 2}
        elif token.startswith("full"):
            answer = {**FULL, "token": token}
        else:
            answer = {"success": False, "code": 32, "message": "Location introuvable"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def api() -> Iterator[str]:
    with serve_on_loopback(_Handler) as root:
        yield f"{root}"


def test_is_rental_is_a_success_answer() -> None:
    assert is_rental(Outcome.OK)
    assert [o for o in Outcome if is_rental(o)] == [Outcome.OK]


def test_every_count_agrees_on_a_success_without_location(
    api: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSPARTNER_API_KEY", "rental-definition-key")
    tokens = tmp_path / "t.txt"
    tokens.write_text("noloc.1\nnoloc.2\nfull.1\nmissing.1\n", encoding="utf-8")
    store = str(tmp_path / "s.sqlite")

    assert main(["fetch", str(tokens), "--store", store, "--base-url", api, "--rate", "0"]) == 0
    out = capsys.readouterr().out
    assert "3 succeeded, 1 not found" in out

    frames = load_frames(store)
    assert sorted(frames.rentals["token"]) == ["full.1", "noloc.1", "noloc.2"]
    assert frames.errors["token"].tolist() == ["missing.1"]
    noloc = frames.rentals.set_index("token").loc["noloc.1"]
    assert noloc["status"] == "ready"
    assert noloc.isna()["zipcode"]

    summary = status_summary(frames.rentals).set_index("status")["rentals"]
    assert summary["ready"] == 2
    assert summary["downloaded"] == 1
    assert int(summary.sum()) == 3

    history = frames.history.set_index("token")
    assert history.loc["noloc.1", "outcome"] == "ok"
    assert history.loc["noloc.1", "status"] == "ready"

    out_dir = tmp_path / "report"
    assert main(["report", "--store", store, "--out", str(out_dir)]) == EXIT_OK
    assert "Report of 3 rentals and 1 error" in capsys.readouterr().out

    from smspartner_analytics.widgets import dashboard

    assert "3 of 3 rentals" in repr(dashboard(frames))
