"""Callback numbers: national forms of the profile's country (LT +370 and national 8…, LV +371 and eight digits),
any valid number in international form, foreign ones refused when the profile calls back domestic numbers only."""
from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.phone_numbers import callback_number, profile_callback_number
from core.policy import load_profile


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("+37061234567", "LT", "+37061234567"),
    ("37061234567", "LT", "+37061234567"),     # caller ID without its "+"
    ("861234567", "LT", "+37061234567"),       # national, trunk prefix 8
    ("0037061234567", "LT", "+37061234567"),
    ("+37121234567", "LV", "+37121234567"),
    ("21234567", "LV", "+37121234567"),        # Latvian numbers are eight digits
])
def test_valid_numbers_of_the_country_come_back_in_e164(raw, country, expected):
    assert callback_number(raw, country) == expected
    assert callback_number(raw, country, domestic_only=True) == expected


@pytest.mark.parametrize(("raw", "country", "expected"), [
    ("+37121234567", "LT", "+37121234567"),    # a Latvian mobile calling the Lithuanian hotline
    ("+37061234567", "LV", "+37061234567"),
    ("4915112345678", "LT", "+4915112345678"),  # a German mobile, caller ID without its "+"
    ("+447911123456", "LV", "+447911123456"),
])
def test_a_valid_foreign_number_is_called_back_unless_the_profile_is_domestic_only(raw, country, expected):
    assert callback_number(raw, country) == expected
    assert callback_number(raw, country, domestic_only=True) is None


def test_the_profiles_say_which_they_are():
    lt = load_profile("lt-employment-1883")
    assert not lt.callbacks.domestic_only
    assert profile_callback_number("+4915112345678", lt) == "+4915112345678"
    domestic = lt.model_copy(update={"callbacks": lt.callbacks.model_copy(update={"domestic_only": True})})
    assert profile_callback_number("+4915112345678", domestic) is None
    assert profile_callback_number("861234567", domestic) == "+37061234567"


@pytest.mark.parametrize(("raw", "country"), [
    ("861234", "LT"), ("123", "LT"), ("", "LT"), (None, "LT"), ("anonymous", "LT"), ("2123456", "LV"),
    ("9" * 40, "LT"), ("+999123456789", "LT"),
])
def test_short_garbage_invalid_and_missing_numbers_are_refused(raw, country):
    assert callback_number(raw, country) is None


@given(st.text(max_size=40), st.sampled_from(["LT", "LV"]), st.booleans())
def test_any_text_gives_a_valid_e164_number_or_none_never_raises(raw, country, domestic_only):
    result = callback_number(raw, country, domestic_only=domestic_only)
    assert result is None or phonenumbers.is_valid_number(phonenumbers.parse(result))
    if result is not None and domestic_only:
        assert result.startswith("+37" + ("0" if country == "LT" else "1"))
