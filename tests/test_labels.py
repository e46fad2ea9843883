"""Labels: the shipped table, a user's extra CSV, unknown ids shown as themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from smspartner_analytics.core.errors import InputError
from smspartner_analytics.core.labels import Labels, load_labels
from smspartner_analytics.frames.flattening import flatten

REPO = Path(__file__).resolve().parents[1]


def test_shipped_labels() -> None:
    labels = load_labels()
    assert labels.label("category", "102") == "CSP+"
    assert labels.label("category", "103") == "CSP-"
    assert labels.label("interest", "14") == "Habitation"
    assert labels.label("sub_interest", "35") == "Cuisine"


def test_unknown_ids_are_shown_as_themselves() -> None:
    labels = load_labels()
    assert labels.label("category", "999") == "999"
    assert labels.label("no-such-kind", "7") == "7"


def test_user_csv_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "mine.csv"
    extra.write_text(
        "\ufeffkind,id,label\ninterest,12,Mode\ncategory,102,Cadres\n\n,,\n", encoding="utf-8"
    )
    labels = load_labels(extra)
    assert labels.label("interest", "12") == "Mode"
    assert labels.label("category", "102") == "Cadres"
    assert labels.label("category", "103") == "CSP-"
    rentals = flatten(
        [{"success": True, "token": "t", "location": {"interest": 12, "category": 102}}],
        labels=labels,
    ).rentals
    assert rentals[["interest_label", "category_label"]].iloc[0].tolist() == ["Mode", "Cadres"]


def test_the_example_file_in_the_repo_loads() -> None:
    labels = load_labels(REPO / "data" / "labels-custom.example.csv")
    assert labels.label("interest", "12") == "Your label for interest 12"
    assert labels.label("category", "102") == "CSP+"  # the shipped labels are still there


def test_bad_labels_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"Cannot read labels file .*missing.csv \(no such file\)"):
        load_labels(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("kind,id,label\ninterest,12,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"\(it is not UTF-8 text\)") as info:
        load_labels(latin)
    assert "Error" not in str(info.value)  # a reason in words, not an exception class name
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="kind,id,label"):
        load_labels(wrong)


def test_labels_merge_does_not_change_the_original() -> None:
    base = load_labels()
    merged = base.merged(Labels({"category": {"102": "X"}}))
    assert merged.label("category", "102") == "X"
    assert base.label("category", "102") == "CSP+"
    assert len(base) == 4
