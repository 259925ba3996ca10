"""What people do to an agent's availability: log in and out, pause with a reason, unpause — from the API (a
supervisor for anyone, an agent for themselves) or the CLI. A supervisor unpauses an agent the ring-out rule paused.

Logging out takes the agent out of every queue until they log in again: the membership the directory asks for
leaves them out while their latest login or logout in the history is a logout (``logged_out``), so a PBX restart
or a directory change does not bring them back.

The change is made on the PBX (``QueuePause`` of the agent's interface in every queue: Asterisk keeps the pause
across restarts with ``persistentmembers``), and appended to the agent's history with who made it (HR-REG §27.11).
The agent tracker learns the new state from the PBX's own ``QueueMemberPause`` events, as for any other pause.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker
from core.ports import AmiPort, PbxActionRefused
from telephony.agents.models import AgentHistoryRow

log = logging.getLogger(__name__)

PAUSE, UNPAUSE, LOGIN, LOGOUT = "pause", "unpause", "login", "logout"


class AgentNotFound(LookupError):
    """No queue member has this extension (not in the directory, inactive, or logged out)."""


class InvalidAgentChange(ValueError):
    """An extension or reason that cannot be sent to the PBX (it would break the AMI message)."""


EXTENSION = re.compile(r"^[0-9]{2,8}$")
REASON = re.compile(r"^[A-Za-z0-9_. -]{1,64}$")


def _check_extension(extension: str) -> None:
    if not EXTENSION.match(extension):
        raise InvalidAgentChange("an extension is 2 to 8 digits")


@dataclass(frozen=True)
class AgentChange:
    extension: str
    at: dt.datetime
    action: str
    reason: str
    by: str


class AgentControl:
    def __init__(self, ami: AmiPort, engine: AsyncEngine, interface: Callable[[str], str]) -> None:
        self.ami = ami
        self.interface = interface   # the agent's queue-member interface (settings.agent_interface_template)
        self._sessions = make_sessionmaker(engine)

    async def login(self, extension: str, by: str) -> AgentChange:
        """The agent takes calls again: a member of their competence queues (applied by ``apply_membership``)."""
        return await self._record(extension, LOGIN, "", by)

    async def logout(self, extension: str, by: str) -> AgentChange:
        """The agent leaves every queue until they log in again, across restarts of the PBX and of hotline."""
        return await self._record(extension, LOGOUT, "", by)

    async def logged_out(self) -> set[str]:
        """The extensions whose latest login or logout is a logout (derived from the appended history)."""
        latest = (select(AgentHistoryRow.extension, func.max(AgentHistoryRow.id).label("id"))
                  .where(AgentHistoryRow.action.in_((LOGIN, LOGOUT))).group_by(AgentHistoryRow.extension)
                  .subquery())
        async with self._sessions() as session:
            rows = await session.scalars(select(AgentHistoryRow.extension)
                                         .join(latest, AgentHistoryRow.id == latest.c.id)
                                         .where(AgentHistoryRow.action == LOGOUT))
            return set(rows)

    async def pause(self, extension: str, reason: str, by: str) -> AgentChange:
        return await self._set(extension, PAUSE, reason, by)

    async def unpause(self, extension: str, by: str) -> AgentChange:
        return await self._set(extension, UNPAUSE, "", by)

    async def _set(self, extension: str, action: str, reason: str, by: str) -> AgentChange:
        _check_extension(extension)   # before the PBX is asked anything: a newline would inject AMI headers
        if action == PAUSE and not REASON.match(reason):
            raise InvalidAgentChange("a pause reason is 1 to 64 letters, digits, spaces, '.', '_' or '-'")
        request = {"Action": "QueuePause", "Interface": self.interface(extension),
                   "Paused": "true" if action == PAUSE else "false"}
        if reason:
            request["Reason"] = reason
        try:
            await self.ami.action(request)
        except PbxActionRefused:   # "Interface not found": the PBX has no such member
            raise AgentNotFound(f"extension {extension} is not a member of any queue") from None
        return await self._record(extension, action, reason, by)

    async def _record(self, extension: str, action: str, reason: str, by: str) -> AgentChange:
        _check_extension(extension)
        change = AgentChange(extension=extension, at=utcnow(), action=action, reason=reason, by=by)
        async with self._sessions() as session, session.begin():
            session.add(AgentHistoryRow(extension=extension, at=change.at, action=action, reason=reason, by=by))
        log.info("agent %s: %s by %s", extension, action, by)
        return change

    async def history(self, extension: str) -> list[AgentChange]:
        """Every change of the agent, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(select(AgentHistoryRow).where(AgentHistoryRow.extension == extension)
                                         .order_by(AgentHistoryRow.id))
            return [AgentChange(extension=row.extension, at=row.at, action=row.action, reason=row.reason,
                                by=row.by) for row in rows]
