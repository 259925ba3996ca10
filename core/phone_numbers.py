"""Phone numbers a callback can dial: parsed for the profile's country and given back in E.164, or refused.

The caller ID the PBX reports and the digits a caller keys in come in many forms (``37060000001``,
``+37060000001``, national ``860000001`` in Lithuania, eight digits in Latvia); ``phonenumbers`` (Google's
libphonenumber metadata) knows each country's plan, so a number is accepted only when it is a valid number *of the
profile's country* — the hotline calls back domestic numbers. Numbers are personal data: this module never logs.
"""
from __future__ import annotations

import phonenumbers

_MAX_DIGITS = 17   # E.164 allows 15 digits; anything much longer is garbage, not worth parsing


def callback_number(raw: str | None, country: str) -> str | None:
    """``raw`` as E.164 (``+370…``) when it is a valid number of ``country`` (ISO code, e.g. ``LT``), else None."""
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
        if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == country:
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None
