"""Errors of the SIP accounts."""
from __future__ import annotations


class PhonesError(Exception):
    """Base of the phone-account errors."""


class UnknownEmployee(PhonesError):
    def __init__(self, extension: str) -> None:
        super().__init__(f"no active employee has extension {extension}")
        self.extension = extension


class NoSuchAccount(PhonesError):
    def __init__(self, extension: str) -> None:
        super().__init__(f"extension {extension} has no SIP account")
        self.extension = extension
