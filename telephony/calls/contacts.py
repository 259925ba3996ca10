"""The caller's history for a screen pop: who is calling (by call id), their contacts in the last N days, and what
is still open with them (callback tasks, unread messages)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.events import OPEN_STATES
from core.phone_numbers import callback_number
from telephony.callbacks.models import CallbackTaskRow
from telephony.calls.models import CallRow, CallStateRow
from telephony.messages.models import MessageRow

CONTACT_WINDOW = dt.timedelta(days=30)
RECENT_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Contact:
    call_id: str
    started_at: dt.datetime
    queue: str | None
    state: str
    ended_cause: str | None
    direction: str = "inbound"   # outbound: a callback we made to them


@dataclass(frozen=True, slots=True)
class ContactHistory:
    count: int = 0
    recent: list[Contact] = field(default_factory=list)   # newest first, at most RECENT_SHOWN

    def as_json(self) -> dict:
        return {
            "days": CONTACT_WINDOW.days,
            "count": self.count,
            "recent": [{"call_id": c.call_id, "started_at": c.started_at.isoformat(), "queue": c.queue,
                        "state": c.state, "ended_cause": c.ended_cause, "direction": c.direction}
                       for c in self.recent],
        }


async def caller_of(engine: AsyncEngine, call_id: str) -> str | None:
    """The stored caller number of a call (for rings of calls that started before this process did)."""
    async with engine.connect() as conn:
        return await conn.scalar(select(CallRow.caller).where(CallRow.id == call_id))


async def previous_contacts(engine: AsyncEngine, caller: str, call_id: str, now: dt.datetime) -> ContactHistory:
    """Calls from ``caller`` (and callbacks to them) in the window before ``now``, except ``call_id`` itself;
    unknown callers have none."""
    if not caller:
        return ContactHistory()
    where = (CallRow.caller == caller, CallRow.started_at >= now - CONTACT_WINDOW, CallRow.id != call_id)
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(CallRow).where(*where))
        if not count:
            return ContactHistory()
        calls = (await conn.execute(
            select(CallRow.id, CallRow.started_at, CallRow.direction).where(*where)
            .order_by(CallRow.started_at.desc()).limit(RECENT_SHOWN)
        )).all()
        ids = [row.id for row in calls]
        # the last state of each shown call, and the last queue it was in
        states = (await conn.execute(
            select(CallStateRow.call_id, CallStateRow.state, CallStateRow.queue, CallStateRow.cause)
            .where(CallStateRow.call_id.in_(ids)).order_by(CallStateRow.call_id, CallStateRow.id)
        )).all()
    last: dict[str, tuple[str, str | None]] = {}
    queue: dict[str, str] = {}
    for row in states:
        last[row.call_id] = (row.state, row.cause)
        if row.queue:
            queue[row.call_id] = row.queue
    recent = []
    for row in calls:
        state, cause = last.get(row.id, ("offered", None))
        recent.append(Contact(call_id=row.id, started_at=row.started_at, queue=queue.get(row.id), state=state,
                              ended_cause=cause, direction=row.direction))
    return ContactHistory(count, recent)


async def follow_ups(engine: AsyncEngine, caller: str, country: str) -> dict[str, list[dict]]:
    """What is still open with this caller: callback tasks not yet done, and messages they left still unread.

    Callback numbers are stored in E.164 while the caller ID may come in national form: both are matched."""
    numbers = {n for n in (caller, callback_number(caller, country)) if n} if caller else set()
    if not numbers:
        return {"open_callbacks": [], "messages": []}
    async with engine.connect() as conn:
        tasks = (await conn.execute(
            select(CallbackTaskRow).where(CallbackTaskRow.number.in_(numbers), CallbackTaskRow.state.in_(OPEN_STATES))
            .order_by(CallbackTaskRow.due_at))).all()
        messages = (await conn.execute(
            select(MessageRow).where(MessageRow.caller.in_(numbers), MessageRow.read_at.is_(None))
            .order_by(MessageRow.created_at.desc()).limit(RECENT_SHOWN))).all()
    return {
        "open_callbacks": [{"id": t.id, "state": t.state, "reasons": list(t.reasons or ()),
                            "due_at": t.due_at.isoformat(), "queue": t.queue, "extension": t.extension}
                           for t in tasks],
        "messages": [{"id": m.id, "extension": m.extension, "created_at": m.created_at.isoformat(),
                      "reason": m.reason, "has_audio": bool(m.audio_path)} for m in messages],
    }
