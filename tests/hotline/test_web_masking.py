"""Phone-number masking and which roles see numbers."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.auth.models import Role
from hotline.web.masking import can_see_numbers, mask_number, present_number


@pytest.mark.parametrize(("number", "masked"), [
    ("+37061234567", "+370****4567"),        # Lithuanian mobile: 3-digit country code
    ("0037061234567", "+370****4567"),       # international prefix written as 00
    ("+371 2123 4567", "+371****4567"),      # Latvian, with spaces
    ("+44 20 7946 0958", "+44****0958"),     # 2-digit country code
    ("+1 (212) 555-0100", "+1****0100"),     # 1-digit country code, punctuation
    ("+3705123456", "+370****56"),           # short national part: only 2 digits shown
    ("+370123", "+370****"),                 # too short to show anything
    ("861234567", "****4567"),               # national format
    ("1001", "****"),                        # extension
    ("anonymous", "anonymous"),              # no digits: nothing personal to hide
    ("", ""),
    (None, None),
    ("sip:61234567@pbx", "****"),            # not a plain number: masked entirely
])
def test_mask_number(number, masked):
    assert mask_number(number) == masked


@given(code=st.sampled_from(["1", "7", "44", "49", "370", "371", "372"]),
       national=st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_masking_never_reveals_more_than_the_country_code_and_four_digits(code, national):
    masked = mask_number(f"+{code}{national}")
    assert masked.startswith(f"+{code}****")
    shown = masked[len(code) + 5:]
    assert len(shown) <= 4
    assert len(national) - len(shown) >= min(len(national), 3)  # at least 3 digits always hidden (or all)
    assert national.endswith(shown)


@pytest.mark.parametrize(("role", "sees"), [
    (Role.AGENT, True), (Role.SUPERVISOR, True), (Role.DPO, True), (Role.QA, False), (Role.ADMIN, False),
])
def test_role_policy(role, sees):
    assert can_see_numbers(role) is sees
    assert can_see_numbers(role.value) is sees
    assert present_number("+37061234567", role) == ("+37061234567" if sees else "+370****4567")
