"""What telephony holds of a data subject's phone number (``core.ports.SubjectData``): the calls from it (or, for
a callback the dialer placed, to it) and the messages left from it, found in every form the number may have been
stored in; erasure clears the number from them (the rows stay, as the retention purge leaves them)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import write_lock
from core.phone_numbers import number_forms
from core.ports import SubjectRecords
from telephony.anonymise import call_metadata, message_details
from telephony.calls.models import CallRow
from telephony.messages.models import MessageRow


class TelephonySubjectData:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.calls, self.messages = call_metadata(engine), message_details(engine)

    async def find(self, number: str) -> SubjectRecords:
        forms = number_forms(number)
        async with self.engine.connect() as conn:
            calls = (await conn.scalars(select(CallRow.id).where(CallRow.caller.in_(forms))
                                        .order_by(CallRow.started_at))).all()
            messages = (await conn.scalars(select(MessageRow.id).where(MessageRow.caller.in_(forms))
                                           .order_by(MessageRow.created_at))).all()
        return SubjectRecords(tuple(calls), tuple(messages))

    async def erase(self, number: str, reason: str) -> dict[str, int]:
        found = await self.find(number)
        async with write_lock(self.engine), self.engine.begin() as conn:
            return {"calls": await self.calls.clear(conn, found.call_ids, reason),
                    "messages": await self.messages.clear(conn, found.message_ids, reason)}
