"""The XML form end to end: a fetch in XML gives the frames of a fetch in JSON; a misshapen or
unsafe XML answer is a per-token parse error quoting it; saved XML answers go through flatten."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from helpers import serve_on_loopback

import smspartner_analytics as sa
from smspartner_analytics.client.xmlanswer import render_xml
from smspartner_analytics.core.errors import ConfigurationError, ResponseParseError
from smspartner_analytics.core.schema import Outcome
from smspartner_analytics.simulator.data import generate_rentals, render_rental
from smspartner_analytics.simulator.server import sandbox

VENDOR = Path(__file__).parent / "fixtures" / "vendor"
BILLION_LAUGHS = (Path(__file__).parent / "fixtures" / "billion-laughs.xml").read_text(
    encoding="utf-8"
)


def _without_times(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns if c == "fetched_at"]).reset_index(
        drop=True
    )


def test_a_fetch_in_xml_gives_the_frames_of_a_fetch_in_json(tmp_path: Path) -> None:
    frames = {}
    with sandbox(rentals=60, seed=7) as url:
        entries = url.server.entries
        tokens = [*entries, sa.TokenEntry("unknown-token", {})]
        for fmt in ("json", "xml"):
            with sa.Client(api_key="k", base_url=url, rate=None, answer_format=fmt) as client:
                result = sa.fetch_statuses(
                    tokens, client=client, store=tmp_path / f"{fmt}.sqlite", progress=False,
                    errors="ignore",
                )  # fmt: skip
            assert result.succeeded == 60
            assert result.not_found == 1
            frames[fmt] = sa.load_frames(tmp_path / f"{fmt}.sqlite")
    with sa.Store(tmp_path / "xml.sqlite", read_only=True) as store:
        bodies = [r.body or "" for r in store.latest_records()]
    assert all(b.lstrip().startswith("<?xml") for b in bodies)  # stored as received
    as_json, as_xml = frames["json"], frames["xml"]
    assert len(as_json.rentals) == 60
    for name in ("rentals", "localisations", "errors", "history"):
        pd.testing.assert_frame_equal(
            _without_times(getattr(as_xml, name)), _without_times(getattr(as_json, name))
        )


def test_cli_fetch_format_xml(tmp_path: Path) -> None:
    with sandbox(rentals=10, seed=2) as url:
        url.server.write_tokens_csv(tmp_path / "tokens.csv")
        cli = "import sys; from smspartner_analytics.cli import main; sys.exit(main())"
        done = subprocess.run(
            [sys.executable, "-c", cli, "fetch", "tokens.csv", "--format", "xml", "--base-url", url,
             "--store", "x.sqlite", "--rate", "0"],
            cwd=tmp_path, env={"SMSPARTNER_API_KEY": "k", "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(Path(sa.__file__).parents[1])},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "10 succeeded" in done.stdout
        assert all(
            url.server.request_count(t) == 1 for t in url.server.tokens
        )  # each asked once, in XML (the frames check above proves the mapping)
    assert len(sa.load_frames(tmp_path / "x.sqlite").rentals) == 10


#: token -> the XML body a hostile server answers with (HTTP 200)
HOSTILE: dict[str, str] = {
    "short": "<result><entry>true</entry><entry><![CDATA[short]]></entry></result>",
    "laughs": BILLION_LAUGHS,
    "renamed": "<result><entry>false</entry><code>10</code></result>",
}


class _Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        token = query.get("token", [""])[0]
        assert query.get("_format") == ["xml"]
        body = HOSTILE.get(token)
        if body is None:
            answer = render_rental(generate_rentals(1, seed=1)[0])
            body = render_xml({**answer, "token": token})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def hostile_url() -> Iterator[str]:
    with serve_on_loopback(_Hostile) as root:
        yield f"{root}/v1"


def test_misshapen_xml_is_a_per_token_parse_error_with_an_excerpt(
    hostile_url: str, tmp_path: Path
) -> None:
    client = sa.Client(api_key="k", base_url=hostile_url, rate=None, answer_format="xml")
    with pytest.raises(ResponseParseError, match="result should hold 4 to 5 entries") as caught:
        client.get_status("short")
    assert "<entry><![CDATA[short]]></entry>" in str(caught.value)
    with pytest.raises(ResponseParseError, match="unsafe XML refused"):
        client.get_status("laughs")
    with pytest.raises(ResponseParseError, match="<code> where only <entry>"):
        client.get_status("renamed")
    result = sa.fetch_statuses(
        ["good", *HOSTILE], client=client, store=tmp_path / "h.sqlite", progress=False,
        errors="ignore",
    )  # fmt: skip
    outcomes = {r.token: r.outcome for r in result.records}
    assert outcomes == {
        "good": Outcome.OK, "short": Outcome.PARSE_ERROR, "laughs": Outcome.PARSE_ERROR,
        "renamed": Outcome.PARSE_ERROR,
    }  # fmt: skip
    client.close()


def test_unknown_answer_format_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="answer_format"):
        sa.Client(api_key="k", answer_format="yaml")  # type: ignore[arg-type]


def test_flatten_reads_saved_xml_and_json_answers(tmp_path: Path) -> None:
    saved = tmp_path / "answer.xml"
    saved.write_bytes((VENDOR / "status-success.xml").read_bytes())
    broken = tmp_path / "broken.xml"
    broken.write_text("<result><entry>true</entry></result>", encoding="utf-8")
    frames = sa.flatten(
        [
            saved,
            (VENDOR / "status-success.json").read_text(encoding="utf-8"),
            (VENDOR / "status-error.xml").read_bytes(),
            broken,
            tmp_path / "missing.xml",
        ]
    )
    assert frames.rentals["token"].tolist() == [
        "b22b841a21624f4f452ba7fa8c822c0ed7cecfdb",
        "identifiant de la location",
    ]
    assert frames.rentals["status"].tolist() == ["downloaded", "downloaded"]
    assert frames.localisations["volume_available"].tolist() == [266, 266]
    messages = frames.errors["error_message"].tolist()
    assert messages[0] == "Clé API incorrecte"
    assert "broken.xml" in messages[1]
    assert "should hold 4 to 5 entries" in messages[1]
    assert "missing.xml" in messages[2]
    assert "cannot be read" in messages[2]
