"""Phone numbers a callback can dial: parsed for the profile's country and given back in E.164, or refused.

The caller ID the PBX reports and the digits a caller keys in come in many forms (``37060000001``,
``+37060000001``, national ``860000001`` in Lithuania, eight digits in Latvia); ``phonenumbers`` (Google's
libphonenumber metadata) knows each country's plan, so a number is accepted when it is a valid number: national
forms are read in the profile's country, any country's number in international form is callable too (a job
seeker abroad is owed the callback as much), unless the profile calls back domestic numbers only
(``callbacks.domestic_only``). Numbers are personal data: this module never logs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import phonenumbers

if TYPE_CHECKING:
    from core.policy import PolicyProfile

_MAX_DIGITS = 17   # E.164 allows 15 digits; anything much longer is garbage, not worth parsing


def callback_number(raw: str | None, country: str, *, domestic_only: bool = False) -> str | None:
    """``raw`` as E.164 (``+370…``) when it is a valid number (national forms read in ``country``, an ISO code
    such as ``LT``; ``domestic_only``: of that country alone), else None."""
    if not raw:
        return None
    text = raw.strip()
    if not text or len(text) > _MAX_DIGITS + 6:
        return None
    # The PBX often gives the international form without its "+"; try that reading when the national one fails.
    candidates = [text] if text.startswith("+") else [text, "+" + text.lstrip("0")]
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, country)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        if domestic_only and phonenumbers.region_code_for_number(number) != country:
            continue
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def profile_callback_number(raw: str | None, profile: PolicyProfile) -> str | None:
    """``callback_number`` as ``profile`` wants it: its country's national forms, domestic numbers only if set."""
    return callback_number(raw, profile.country, domestic_only=profile.callbacks.domestic_only)


def number_forms(e164: str) -> list[str]:
    """The forms the same number may have been stored in (the PBX's caller ID varies: ``+370…``, ``370…``,
    ``00370…``, national ``8…`` or the bare national number), to find a data subject's records by equality."""
    number = phonenumbers.parse(e164, None)
    digits = e164.lstrip("+")
    national = "".join(ch for ch in phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                       if ch.isdigit())
    forms = [e164, digits, "00" + digits, national, phonenumbers.national_significant_number(number)]
    return list(dict.fromkeys(forms))
