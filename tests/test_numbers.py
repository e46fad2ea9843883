"""Money, counts and percentages in the two conventions every output shares."""

from __future__ import annotations

import pytest

from smspartner_analytics.core.numbers import check_locale, count, money, percent


def test_english_is_the_default() -> None:
    assert money(1234.5) == "€1,234.50"
    assert money(0.09, decimals=3) == "€0.090"
    assert money(-2) == "-€2.00"
    assert count(1234567) == "1,234,567"
    assert percent(0.14963636) == "15.0%"


def test_french_convention() -> None:
    assert money(1234.5, locale="fr") == "1\u202f234,50\u00a0€"
    assert money(-228.6, locale="fr") == "-228,60\u00a0€"
    assert count(1234, locale="fr") == "1\u202f234"
    assert percent(0.5, locale="fr") == "50,0\u00a0%"


def test_unknown_locale_is_refused_with_the_choices() -> None:
    assert check_locale("fr") == "fr"
    with pytest.raises(ValueError, match="en, fr"):
        check_locale("de")
