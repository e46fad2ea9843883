"""The API's XML form: the vendor's samples map to the vendor's JSON samples, by position; unsafe or
misshapen documents are refused with an excerpt, never mapped to wrong keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from smspartner_analytics.client.xmlanswer import (
    XMLShapeError,
    load_answer_text,
    parse_xml_answer,
    render_xml,
)
from smspartner_analytics.simulator.data import generate_rentals, render_rental

VENDOR = Path(__file__).parent / "fixtures" / "vendor"
#: The vendor's JSON sample shows a placeholder where its XML sample shows a real token.
XML_SAMPLE_TOKEN = "b22b841a21624f4f452ba7fa8c822c0ed7cecfdb"


def _json(name: str) -> dict[str, Any]:
    data = json.loads((VENDOR / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_vendor_success_sample_maps_to_the_json_sample() -> None:
    expected = _json("status-success.json")
    assert expected["token"] == "identifiant de la location"
    expected["token"] = XML_SAMPLE_TOKEN
    parsed = parse_xml_answer((VENDOR / "status-success.xml").read_bytes())
    assert parsed == expected
    # types as in the JSON, not just equal values: "10" stays text, 10 stays a number
    assert parsed["location"]["cost"]["quantity"] == 10
    assert parsed["file"]["phoneNumbers"] == "10"
    assert parsed["location"]["minAge"] == 31
    assert parsed["location"]["details_localisation"][0]["Volume"] == "266"


def test_vendor_error_sample_maps_to_the_json_sample() -> None:
    parsed = parse_xml_answer((VENDOR / "status-error.xml").read_text(encoding="utf-8"))
    assert parsed == _json("status-error.json")
    assert parsed["message"] == "Clé API incorrecte"


@pytest.mark.parametrize("index", range(12))
def test_sandbox_answers_round_trip(index: int) -> None:
    """Every quirk of the generated answers (numbers as text, no file, no cost) survives."""
    rental = generate_rentals(12, seed=5)[index]
    for code in (0, 1, 2, 3, 5):
        answer = render_rental(rental, code)
        assert parse_xml_answer(render_xml(answer)) == answer


def test_text_that_closes_cdata_survives() -> None:
    answer = {"success": False, "code": 31, "message": "a ]]> b <c> & d"}
    assert parse_xml_answer(render_xml(answer)) == answer


def test_load_answer_text_reads_json_and_xml() -> None:
    xml = (VENDOR / "status-error.xml").read_text(encoding="utf-8")
    assert load_answer_text(xml) == load_answer_text(json.dumps(_json("status-error.json")))
    with pytest.raises(ValueError, match="not an object"):
        load_answer_text("[1, 2]")


BILLION_LAUGHS = (Path(__file__).parent / "fixtures" / "billion-laughs.xml").read_text(
    encoding="utf-8"
)


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(XMLShapeError, match="unsafe XML refused") as caught:
        parse_xml_answer(BILLION_LAUGHS)
    assert "lolz" in caught.value.excerpt


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        "<result><entry>false</entry><entry>10</entry><entry>&xxe;</entry></result>"
    )
    with pytest.raises(XMLShapeError, match="unsafe XML refused") as caught:
        parse_xml_answer(document)
    assert "TOP-SECRET" not in str(caught.value)


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ("<result><entry>true</entry><entry>tok</entry></result>", "result should hold 4 to 5"),
        (
            "<result><entry>false</entry><entry>10</entry><entry>m</entry><entry>x</entry></result>",
            "result should hold 2 to 3 entries, not 4",
        ),
        ("<response><entry>false</entry></response>", "root element is <response>"),
        ("<result><entry>yes</entry></result>", "first <entry> is not true or false"),
        ("<result><entry>false</entry><code>10</code></result>", "<code> where only <entry>"),
        ("<result><entry>false</entry><entry>10</entry>", "not well-formed"),
        ("<result>text<entry>false</entry><entry>1</entry></result>", "text mixed"),
        (
            # token where a value belongs is a list of entries
            "<result><entry>true</entry><entry><entry>a</entry></entry><entry>2</entry>"
            "<entry></entry></result>",
            "token should be a single value",
        ),
        (
            # location's details_localisation is a value instead of a list
            "<result><entry>true</entry><entry>t</entry><entry>2</entry><entry>"
            + "<entry>1</entry>" * 6
            + "<entry><![CDATA[cp]]></entry></entry></result>",
            "details_localisation should be a list",
        ),
        (
            # a locality with three entries instead of four
            "<result><entry>true</entry><entry>t</entry><entry>2</entry><entry>"
            + "<entry>1</entry>" * 6
            + "<entry><entry><entry>cp</entry><entry>1</entry><entry>2</entry></entry></entry>"
            + "</entry></result>",
            r"details_localisation\[0\] should hold 4 entries, not 3",
        ),
    ],
)
def test_wrong_shapes_are_refused_with_an_excerpt(document: str, reason: str) -> None:
    with pytest.raises(XMLShapeError, match=reason) as caught:
        parse_xml_answer(document)
    assert caught.value.excerpt
    assert caught.value.excerpt in str(caught.value)
    assert len(caught.value.excerpt) <= 160
