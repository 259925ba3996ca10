"""SIP passwords: generated here, shown once, kept only as the digest the PBX checks them with.

A SIP digest is MD5(username:realm:password): Asterisk verifies a REGISTER with it alone
(``password_digest = MD5:<hex>``), so neither hotline's database nor the PBX's config holds the password.
"""
from __future__ import annotations

import hashlib
import secrets

PASSWORD_BYTES = 18   # 24 URL-safe characters: typed once into a softphone, or provisioned


def new_password() -> str:
    return secrets.token_urlsafe(PASSWORD_BYTES)


def password_digest(extension: str, realm: str, password: str) -> str:
    return "MD5:" + hashlib.md5(f"{extension}:{realm}:{password}".encode()).hexdigest()
