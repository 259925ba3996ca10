"""Bearer tokens: random, shown once, stored only as a SHA-256 hash."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # A plain (unsalted) hash is enough: tokens carry 256 random bits, so there is nothing to brute-force, and an
    # unsalted hash can be looked up by index.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
