"""flatten() on inline payloads: every quirk of the API answers, checked with assert_frame_equal."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from smspartner_analytics.core.errors import StoreError
from smspartner_analytics.core.schema import (
    ERROR_COLUMNS,
    HISTORY_COLUMNS,
    LOCALISATION_COLUMNS,
    RENTAL_COLUMNS,
    AnswerRecord,
    TokenEntry,
)
from smspartner_analytics.frames.dtypes import (
    LOCALISATION_DTYPES,
    RENTAL_DTYPES,
    STATUS_DTYPE,
    TIMESTAMP,
)
from smspartner_analytics.frames.flattening import DataWarning, flatten, load_frames
from smspartner_analytics.store.db import Store

AT = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)

DOC_ANSWER: dict[str, Any] = {
    "success": True,
    "token": "b22b841a",
    "status": "File downloaded by user from api",
    "location": {
        "sexe": "femme",
        "minAge": 31,
        "maxAge": 49,
        "zipcode": "60200",
        "interest": "12",
        "category": 103,
        "details_localisation": [
            {"Type": "cp", "Location": "60200", "VolumeDesired": "10", "Volume": "266"}
        ],
        "cost": {"quantity": 10, "total": "0.900", "cost_unity": "0.090"},
    },
    "file": {"phoneNumbers": "10"},
}


def answer(**changes: Any) -> dict[str, Any]:
    """The doc's answer with top-level keys or ``location`` keys (prefixed ``loc_``) changed."""
    out = copy.deepcopy(DOC_ANSWER)
    for key, value in changes.items():
        target, name = (out["location"], key[4:]) if key.startswith("loc_") else (out, key)
        if value is ...:
            target.pop(name, None)
        else:
            target[name] = value
    return out


def typed(rows: dict[str, list[Any]], dtypes: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(rows[name], dtype=dtypes[name]) for name in rows})  # type: ignore[call-overload]


def test_doc_example_gives_one_typed_rental_and_one_localisation() -> None:
    frames = flatten([DOC_ANSWER], fetched_at=AT)
    expected = typed(
        {
            "token": ["b22b841a"],
            "status": ["downloaded"],
            "status_code": [5],
            "status_text": ["File downloaded by user from api"],
            "sexe": ["femme"],
            "min_age": [31],
            "max_age": [49],
            "zipcode": ["60200"],
            "interest": ["12"],
            "interest_label": ["12"],
            "category": ["103"],
            "category_label": ["CSP-"],
            "quantity": [10],
            "cost_total": [0.9],
            "cost_unit": [0.09],
            "phone_numbers": [10],
            "fetched_at": [AT],
            "last_attempt_at": [None],  # flatten: no attempt after the answer
            "last_attempt_outcome": [None],
            "last_attempt_reason": [None],
        },
        RENTAL_DTYPES,
    )
    expected["status"] = expected["status"].astype(STATUS_DTYPE)
    assert_frame_equal(frames.rentals, expected, check_categorical=False)
    assert frames.rentals["status"].dtype == STATUS_DTYPE
    locs = typed(
        {
            "token": ["b22b841a"],
            "type": ["cp"],
            "location": ["60200"],
            "volume_desired": [10],
            "volume_available": [266],
            "shortfall": [0],
            "coverage": [26.6],
        },
        LOCALISATION_DTYPES,
    )
    assert_frame_equal(frames.localisations, locs, check_categorical=False)
    assert frames.errors.empty


def test_columns_and_dtypes_are_declared_even_with_no_answers() -> None:
    frames = flatten([])
    assert tuple(frames.rentals.columns) == RENTAL_COLUMNS
    assert tuple(frames.localisations.columns) == LOCALISATION_COLUMNS
    assert tuple(frames.errors.columns) == ERROR_COLUMNS
    assert tuple(frames.history.columns) == HISTORY_COLUMNS
    assert frames.rentals["min_age"].dtype == "Int64"
    assert frames.rentals["fetched_at"].dtype == TIMESTAMP
    assert frames.localisations["coverage"].dtype == "float64"
    assert frames.errors["error_code"].dtype == "Int64"


@pytest.mark.parametrize(
    ("raw", "status", "code", "text"),
    [
        (0, "requested", 0, "0"),
        (1, "processing", 1, "1"),
        (2, "ready", 2, "2"),
        (3, "failed", 3, "3"),
        (5, "downloaded", 5, "5"),
        ("2", "ready", 2, "2"),
        (" 3 ", "failed", 3, " 3 "),
        ("FILE DOWNLOADED BY USER FROM API", "downloaded", 5, "FILE DOWNLOADED BY USER FROM API"),
        ("Fichier en préparation", "unknown", None, "Fichier en préparation"),
        (4, "unknown", None, "4"),
        (True, "unknown", None, "true"),
        (..., "unknown", None, None),
    ],
)
def test_status_is_normalised_and_the_api_words_kept(
    raw: object, status: str, code: int | None, text: str | None
) -> None:
    rentals = flatten([answer(status=raw)]).rentals
    assert rentals["status"].tolist() == [status]
    assert rentals["status_code"].tolist() == [pd.NA if code is None else code]
    assert rentals["status_text"].tolist() == [pd.NA if text is None else text]


@pytest.mark.parametrize("details", [[], None, ..., {"Type": "cp"}, "60200"])
def test_rental_without_localisations_still_has_its_row(details: object) -> None:
    frames = flatten([answer(loc_details_localisation=details)])
    assert frames.rentals["token"].tolist() == ["b22b841a"]
    assert frames.localisations.empty
    assert tuple(frames.localisations.columns) == LOCALISATION_COLUMNS
    assert frames.errors.empty


def test_missing_file_and_cost_are_missing_values_not_errors() -> None:
    frames = flatten([answer(file=..., loc_cost=...)])
    row = frames.rentals.iloc[0]
    assert row["phone_numbers"] is pd.NA
    assert row["quantity"] is pd.NA
    assert pd.isna(row["cost_total"])
    assert pd.isna(row["cost_unit"])
    assert frames.errors.empty


@pytest.mark.parametrize("location", [..., None, [], "60200", 5])
def test_success_without_location_object_is_a_rental_without_targeting(location: object) -> None:
    frames = flatten([answer(location=location)], fetched_at=AT)
    assert frames.errors.empty  # a success is a rental (core.schema.is_rental), never an error
    assert frames.localisations.empty
    assert len(frames.rentals) == 1
    row = frames.rentals.iloc[0]
    assert row["token"] == "b22b841a"
    assert row["status"] == "downloaded"
    for column in ("sexe", "zipcode", "interest", "category", "quantity", "min_age"):
        assert pd.isna(row[column]), column
    assert pd.isna(row["cost_total"])
    assert row["fetched_at"] == AT


def test_failed_answers_and_non_objects_are_error_rows() -> None:
    frames = flatten(
        [
            {"success": False, "code": 32, "message": "Location introuvable", "token": "t32"},
            {"success": False, "code": "10", "message": "Clé API incorrecte"},
            {"success": "true", "token": "t-str"},
            ["not", "an", "object"],
        ]
    )
    errors = frames.errors
    assert errors["token"].tolist() == ["t32", pd.NA, "t-str", pd.NA]
    assert errors["error_code"].tolist() == [32, 10, pd.NA, pd.NA]
    assert errors["error_message"].tolist() == [
        "Location introuvable",
        "Clé API incorrecte",
        "the API answered success: false",
        "answer is not a JSON object",
    ]
    assert frames.rentals.empty


def test_numbers_as_strings_are_typed_per_column() -> None:
    frames = flatten(
        [
            answer(
                loc_minAge=" 31 ",
                loc_maxAge="+49",
                loc_cost={"quantity": "10.0", "total": "0,900", "cost_unity": 0.09},
                file={"phoneNumbers": 10.0},
            )
        ]
    )
    row = frames.rentals.iloc[0]
    assert (row["min_age"], row["max_age"], row["quantity"], row["phone_numbers"]) == (
        31,
        49,
        10,
        10,
    )
    assert row["cost_total"] == pytest.approx(0.9)
    assert row["cost_unit"] == pytest.approx(0.09)


def test_untypeable_value_is_missing_with_one_warning_naming_token_and_column() -> None:
    with pytest.warns(DataWarning, match=r"'min_age'.*b22b841a") as caught:
        rentals = flatten([answer(loc_minAge="trente")]).rentals
    assert len(caught) == 1
    assert rentals["min_age"].tolist() == [pd.NA]
    assert rentals["max_age"].tolist() == [49]


@pytest.mark.parametrize(
    ("value", "column", "key"),
    [
        (True, "min_age", "loc_minAge"),
        (2**70, "max_age", "loc_maxAge"),
        (31.5, "min_age", "loc_minAge"),
        ({"n": 1}, "min_age", "loc_minAge"),
        ("inf", "max_age", "loc_maxAge"),
    ],
)
def test_bools_huge_fractional_and_nested_values_are_not_numbers(
    value: object, column: str, key: str
) -> None:
    with pytest.warns(DataWarning, match=column):
        rentals = flatten([answer(**{key: value})]).rentals
    assert rentals[column].tolist() == [pd.NA]


def test_largest_int64_survives_exactly() -> None:
    rentals = flatten([answer(loc_maxAge=str(2**63 - 1))]).rentals
    assert rentals["max_age"].tolist() == [2**63 - 1]


def test_one_warning_per_column_however_many_rows() -> None:
    answers = [answer(token=f"t{i}", loc_minAge="x", loc_maxAge="y") for i in range(500)]
    with pytest.warns(DataWarning) as caught:
        flatten(answers)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2
    assert "'max_age': 500 value(s)" in messages[0]
    assert "t0, t1, t2, t3, t4 and 495 more" in messages[1]


def test_identifiers_stay_text() -> None:
    answers = [
        answer(token="a", loc_zipcode="06200"),
        answer(token="b", loc_zipcode="06200,06300"),
        answer(token="c", loc_zipcode=6200),
    ]
    assert flatten(answers).rentals["zipcode"].tolist() == ["06200", "06200,06300", "6200"]
    entry = {"Type": "DEP", "Location": "06", "VolumeDesired": 5, "Volume": 9}
    locs = flatten([answer(loc_details_localisation=[entry])]).localisations
    assert locs["location"].tolist() == ["06"]
    assert locs["type"].tolist() == ["dep"]


def test_type_is_lower_cased_and_unknown_types_kept() -> None:
    details = [
        {"Type": "CP", "Location": "60200", "VolumeDesired": 1, "Volume": 2},
        {"Type": " cp ", "Location": "60201", "VolumeDesired": 1, "Volume": 2},
        {"Type": "Region", "Location": "IDF", "VolumeDesired": 1, "Volume": 2},
        {"Location": "75001", "VolumeDesired": 1, "Volume": 2},
    ]
    locs = flatten([answer(loc_details_localisation=details)]).localisations
    assert locs["type"].tolist()[:3] == ["cp", "cp", "region"]
    assert pd.isna(locs["type"].iloc[3])


def test_shortfall_and_coverage() -> None:
    details = [
        {"Type": "cp", "Location": "a", "VolumeDesired": "10", "Volume": "266"},
        {"Type": "cp", "Location": "b", "VolumeDesired": "50", "Volume": "20"},
        {"Type": "cp", "Location": "c", "VolumeDesired": "0", "Volume": "20"},
        {"Type": "cp", "Location": "d", "VolumeDesired": "5"},
        {"Type": "cp", "Location": "e", "VolumeDesired": 8, "Volume": 0},
    ]
    locs = flatten([answer(loc_details_localisation=details)]).localisations
    assert locs["shortfall"].tolist() == [0, 30, 0, pd.NA, 8]
    coverage = locs["coverage"].tolist()
    assert coverage[0] == pytest.approx(26.6)
    assert coverage[1] == pytest.approx(0.4)
    assert pd.isna(coverage[2])
    assert pd.isna(coverage[3])
    assert coverage[4] == 0.0


def test_labels_and_unknown_ids() -> None:
    answers = [
        answer(token="a", loc_category=102, loc_interest=14),
        answer(token="b", loc_category="103", loc_interest="12"),
        answer(token="c", loc_category=999, loc_interest=...),
    ]
    rentals = flatten(answers).rentals
    assert rentals["category"].tolist() == ["102", "103", "999"]
    assert rentals["category_label"].tolist() == ["CSP+", "CSP-", "999"]
    assert rentals["interest_label"].tolist()[:2] == ["Habitation", "12"]
    assert pd.isna(rentals["interest_label"].iloc[2])


def test_fetched_at_is_utc_and_missing_without_a_time() -> None:
    assert flatten([DOC_ANSWER]).rentals["fetched_at"].isna().all()
    stamp = flatten([DOC_ANSWER], fetched_at=AT).rentals["fetched_at"].iloc[0]
    assert stamp == pd.Timestamp("2025-03-01T12:30:00Z")
    assert str(stamp.tz) == "UTC"


def test_flatten_accepts_any_iterable_and_keeps_order() -> None:
    gen = (answer(token=f"t{i}") for i in range(3))
    assert flatten(gen).rentals["token"].tolist() == ["t0", "t1", "t2"]


# --- load_frames ----------------------------------------------------------------------------


def _record(token: str, minute: int, outcome: str = "ok", **kw: Any) -> AnswerRecord:
    return AnswerRecord(
        token=token,
        fetched_at=datetime(2025, 3, 1, 12, minute, tzinfo=UTC),
        outcome=outcome,
        **kw,
    )


class FakeStore:
    """The three methods of the Store contract that load_frames reads."""

    def __init__(self, latest: list[AnswerRecord], history: list[AnswerRecord]) -> None:
        self.latest, self.history = latest, history

    def shown_records(self) -> list[tuple[AnswerRecord, AnswerRecord | None]]:
        return [(rec, None) for rec in self.latest]

    def history_records(self) -> list[AnswerRecord]:
        return self.history

    def token_metadata(self) -> dict[str, dict[str, str]]:
        return {"a": {"campaign": "=HYPERLINK(1)", "status": "vip"}, "b": {"campaign": "été"}}


def _body(token: str, status: object) -> str:
    return json.dumps(answer(token=token, status=status))


def test_load_frames_from_a_store_like_object() -> None:
    ok_a = _record("a", 5, http_status=200, body=_body("a", 2), status="ready")
    not_found = _record(
        "b", 6, "not_found", http_status=200, error_code=32, error_message="Location introuvable"
    )
    broken = _record("c", 7, http_status=200, body="{not json", attempts=2)
    old_a = _record("a", 1, http_status=200, body=_body("a", 1), status="processing")
    store = FakeStore([ok_a, not_found, broken], [old_a, ok_a, not_found, broken])
    with pytest.warns(DataWarning, match=r"1 stored success answer.*'c'"):
        frames = load_frames(store)

    rentals = frames.rentals
    # a success is a rental (core.schema.is_rental), even when its stored body is damaged
    assert rentals["token"].tolist() == ["a", "c"]
    assert rentals["status"].tolist() == ["ready", "unknown"]
    assert rentals["fetched_at"].tolist()[0] == pd.Timestamp("2025-03-01T12:05Z")
    # metadata after the standard columns; the colliding name gets a prefix
    assert list(rentals.columns) == [*RENTAL_COLUMNS, "campaign", "meta_status"]
    assert rentals[["campaign", "meta_status"]].iloc[0].tolist() == ["=HYPERLINK(1)", "vip"]
    assert rentals["campaign"].dtype == "string"

    errors = frames.errors
    assert errors["token"].tolist() == ["b"]
    assert errors["error_code"].tolist() == [32]
    assert errors["error_message"].tolist() == ["Location introuvable"]
    assert errors["http_status"].tolist() == [200]
    assert errors["attempts"].tolist() == [1]

    history = frames.history
    assert tuple(history.columns) == HISTORY_COLUMNS
    assert history["token"].tolist() == ["a", "a", "b", "c"]
    assert history["status"].tolist()[:2] == ["processing", "ready"]
    assert history["status_code"].tolist() == [1, 2, pd.NA, pd.NA]
    assert history["outcome"].tolist() == ["ok", "ok", "not_found", "ok"]


def test_load_frames_from_a_real_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.add_tokens(
            [
                TokenEntry("t1", {"campaign": "spring", "ordered_on": "2025-02-03"}),
                TokenEntry("t2", {"campaign": "autumn", "ordered_on": "2025-03-04"}),
            ]
        )
        store.record(_record("t1", 1, http_status=200, body=_body("t1", 0), status="requested"))
        store.record(_record("t2", 2, http_status=200, body=_body("t2", 3), status="failed"))
        store.record(_record("t1", 3, http_status=200, body=_body("t1", 5), status="downloaded"))
    frames = load_frames(path)
    assert frames.rentals["token"].tolist() == ["t1", "t2"]
    assert frames.rentals["status"].tolist() == ["downloaded", "failed"]
    assert frames.rentals["campaign"].tolist() == ["spring", "autumn"]
    assert frames.localisations["token"].tolist() == ["t1", "t2"]
    assert frames.errors.empty
    assert tuple(frames.errors.columns) == ERROR_COLUMNS
    assert frames.history["token"].tolist() == ["t1", "t1", "t2"]
    assert frames.history["status"].tolist() == ["requested", "downloaded", "failed"]
    with Store(path) as store:  # an open Store works as well as a path
        assert load_frames(store).rentals["token"].tolist() == ["t1", "t2"]


def test_load_frames_on_a_missing_path_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.sqlite"
    with pytest.raises(StoreError, match=r"No store at .*smspartner-analytics fetch"):
        load_frames(path)
    assert not path.exists()


def test_load_frames_of_an_empty_store_has_every_column(tmp_path: Path) -> None:
    Store(tmp_path / "e.sqlite").close()
    frames = load_frames(tmp_path / "e.sqlite")
    assert tuple(frames.rentals.columns) == RENTAL_COLUMNS
    assert tuple(frames.history.columns) == HISTORY_COLUMNS
    assert frames.history["fetched_at"].dtype == TIMESTAMP


def test_int_beyond_float_range_is_left_empty_with_a_warning() -> None:
    answer = {"success": True, "token": "t-big", "location": {"minAge": 10**400, "maxAge": "40"}}
    with pytest.warns(DataWarning, match="min_age"):
        frames = flatten([answer])
    assert frames.rentals["min_age"].isna().all()
    assert frames.rentals["max_age"].tolist() == [40]
