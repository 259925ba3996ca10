"""Callback numbers per profile country: LT (+370, national 8…) and LV (+371, eight digits); others refused."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.phone_numbers import callback_number


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


@pytest.mark.parametrize(("raw", "country"), [
    ("+37121234567", "LT"),   # a Latvian number is not dialled back by the Lithuanian hotline
    ("+37061234567", "LV"),
    ("861234", "LT"), ("123", "LT"), ("", "LT"), (None, "LT"), ("anonymous", "LT"), ("2123456", "LV"),
    ("9" * 40, "LT"),
])
def test_foreign_short_garbage_and_missing_numbers_are_refused(raw, country):
    assert callback_number(raw, country) is None


@given(st.text(max_size=40), st.sampled_from(["LT", "LV"]))
def test_any_text_gives_e164_of_the_country_or_none_never_raises(raw, country):
    result = callback_number(raw, country)
    assert result is None or result.startswith("+37" + ("0" if country == "LT" else "1"))
