"""SIP accounts of the employees: create, rotate and revoke passwords; every change appended to the history.

A password is returned once, to the admin who asked for it (CLI ``hotline phones``); only its digest is stored.
Only active employees get an account; a deactivated employee's account stays but renders no endpoint
(``telephony.phones.endpoints``), so their phone can no longer register or be rung.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker
from core.ports import EmployeeDirectory
from telephony.phones.credentials import new_password, password_digest
from telephony.phones.exceptions import NoSuchAccount, UnknownEmployee
from telephony.phones.models import SipAccountChange, SipAccountRow


class PhoneAccounts:
    def __init__(self, engine: AsyncEngine, directory: EmployeeDirectory, realm: str) -> None:
        self._sessions = make_sessionmaker(engine)
        self.directory = directory
        self.realm = realm

    async def digests(self) -> dict[str, str]:
        """Extension -> password digest of every account (the endpoints' auth sections)."""
        async with self._sessions() as session:
            rows = (await session.scalars(select(SipAccountRow).where(SipAccountRow.realm == self.realm))).all()
            return {row.extension: row.password_digest for row in rows}

    async def provision(self, by: str, extensions: Iterable[str] | None = None) -> dict[str, str]:
        """A new account for every active employee (or each of ``extensions``) that has none: extension ->
        password, shown once. Accounts that exist are left alone (``rotate`` replaces one)."""
        active = {employee.extension for employee in await self.directory.list_employees(active_only=True)}
        wanted = active if extensions is None else set(extensions)
        unknown = sorted(wanted - active)
        if unknown:
            raise UnknownEmployee(unknown[0])
        existing = await self.digests()
        return {extension: await self._set(extension, by, "created")
                for extension in sorted(wanted - set(existing))}

    async def rotate(self, extension: str, by: str) -> str:
        """A new password for an active employee (the old one stops working at the next PBX reload)."""
        employee = await self.directory.get_employee(extension)
        if employee is None or not employee.active:
            raise UnknownEmployee(extension)
        action = "rotated" if extension in await self.digests() else "created"
        return await self._set(extension, by, action)

    async def revoke(self, extension: str, by: str) -> None:
        async with self._sessions() as session, session.begin():
            row = await session.get(SipAccountRow, extension)
            if row is None:
                raise NoSuchAccount(extension)
            await session.delete(row)
            session.add(SipAccountChange(extension=extension, at=utcnow(), action="revoked", by=by))

    async def history(self, extension: str) -> list[SipAccountChange]:
        async with self._sessions() as session:
            return list((await session.scalars(select(SipAccountChange).where(
                SipAccountChange.extension == extension).order_by(SipAccountChange.id))).all())

    async def _set(self, extension: str, by: str, action: str) -> str:
        password, now = new_password(), utcnow()
        digest = password_digest(extension, self.realm, password)
        async with self._sessions() as session, session.begin():
            row = await session.get(SipAccountRow, extension)
            if row is None:
                session.add(SipAccountRow(extension=extension, password_digest=digest, realm=self.realm,
                                          changed_at=now))
            else:
                row.password_digest, row.realm, row.changed_at = digest, self.realm, now
            session.add(SipAccountChange(extension=extension, at=now, action=action, by=by))
        return password
