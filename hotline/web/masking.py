"""Phone numbers shown only to the roles that need them, masked for the others.

Policy (the role matrix, ``hotline.web.role_matrix``, says it per route): agents and supervisors call people back,
and the DPO answers subject-access requests, so they see numbers. QA reviews how a call was handled, not who
called, and admins run the service: both get masked numbers.

Masking keeps the international prefix and the last digits (``+37061234567`` -> ``+370****4567``): enough to tell
calls apart, not enough to dial. The number of hidden digits is not revealed (always ``****``).
"""
from __future__ import annotations

import re

from hotline.auth.models import Role
from hotline.web.role_matrix import Grant, Numbers

NUMBER_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.DPO})
MASK = "****"

# ITU-T E.164 country codes are prefix-free: zones 1 and 7 use one digit, these use two, every other code three.
_TWO_DIGIT_CODES = frozenset(
    "20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 "
    "60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98".split()
)
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")
_DIALLABLE = re.compile(r"(\+|00)?(\d+)")


def _country_code(digits: str) -> str:
    if digits[:1] in ("1", "7"):
        return digits[:1]
    if digits[:2] in _TWO_DIGIT_CODES:
        return digits[:2]
    return digits[:3]


def _tail(national: str) -> str:
    # Show 4 digits only when at least 4 stay hidden, 2 when at least 3 do; short numbers are fully masked.
    if len(national) >= 8:
        return national[-4:]
    if len(national) >= 5:
        return national[-2:]
    return ""


def mask_number(number: str | None) -> str | None:
    """Mask a phone number; text without digits ("anonymous") is kept, anything unrecognised fully masked."""
    if not number:
        return number
    if not any(ch.isdigit() for ch in number):
        return number
    match = _DIALLABLE.fullmatch(_SEPARATORS.sub("", number))
    if match is None:
        return MASK
    international, digits = match.groups()
    if international:
        code = _country_code(digits)
        return f"+{code}{MASK}{_tail(digits[len(code):])}"
    return f"{MASK}{_tail(digits)}"


def can_see_numbers(role: Role | str) -> bool:
    return Role(role) in NUMBER_ROLES


def present_number(number: str | None, seen_by: Grant | Role | str) -> str | None:
    """The number as a route's grant (``hotline.web.role_matrix``) shows it, or as a role sees it on the push
    socket."""
    full = seen_by.numbers is Numbers.FULL if isinstance(seen_by, Grant) else can_see_numbers(seen_by)
    return number if full else mask_number(number)
