"""Tables of the SIP accounts: ``sip_accounts`` (the current digest of each employee's password, never the
password) and ``sip_account_history`` (who created, rotated or revoked which account, when: appended only)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime


class SipAccountRow(Base):
    __tablename__ = "sip_accounts"

    extension: Mapped[str] = mapped_column(String(16), primary_key=True)
    # "MD5:<hex of md5(extension:realm:password)>", what pjsip.conf's password_digest takes
    password_digest: Mapped[str] = mapped_column(String(200))
    realm: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SipAccountChange(Base):
    __tablename__ = "sip_account_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    extension: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(16))   # created | rotated | revoked
    by: Mapped[str] = mapped_column(String(64))
