"""Messages for employees who could not answer (LT-2021 §12.18): stored, announced on the bus, read or unread.

A message is what the caller left: their number (and name, when given), a short reason and/or the voice file the
PBX recorded, for one employee's extension. :class:`MessageService` is the ``core.ports.MessageDrop`` port: it
stores the message, asks for a callback task (reason ``message``, for that employee) when the number can be
dialled, and publishes ``MessageLeft`` so the employee's softphone gets a ``message`` push. Numbers are personal
data: never logged.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.clock import utcnow
from core.db import make_sessionmaker
from core.events import CallbackReason, MessageLeft
from core.ports import CallbackRequests
from core.scope import RecordScope, scope_clause
from telephony.messages.models import Message, MessageRow, message_of
from telephony.messages.notifier import MessageNotifier

log = logging.getLogger(__name__)


class MessageService:
    """The ``MessageDrop`` port, plus the queries the API needs."""

    def __init__(self, engine: AsyncEngine, callbacks: CallbackRequests | None = None,
                 notifier: MessageNotifier | None = None) -> None:
        self.engine = engine
        self.callbacks = callbacks
        self.notifier = notifier
        self._sessions = make_sessionmaker(engine)

    async def leave_message(self, *, extension: str | None, caller: str | None, audio_path: str | None = None,
                            call_id: str | None = None, reason: str = "", caller_name: str | None = None,
                            queue: str | None = None, due_at: dt.datetime | None = None) -> int:
        """Store the message, ask for a callback when there is a number, announce it; the message's id.

        ``caller`` must already be a dialable number (or None): the flow validated it for the profile's country.
        ``extension`` None: the message is for ``queue`` (left while the line was closed), and so is its callback.
        ``due_at``: when the callback falls due (default now; the dialer only calls while the line is open).
        """
        now = utcnow()
        callback_id = None
        owes_callback = bool(caller) and self.callbacks is not None
        lock = self.callbacks.write_lock() if self.callbacks is not None else contextlib.nullcontext()
        # one transaction: a message is never stored without the callback it asks for, nor the other way round
        async with lock, self._sessions() as session, session.begin():
            if owes_callback:
                callback_id = await self.callbacks.request_in(session, caller, CallbackReason.MESSAGE,
                                                              due_at=due_at or now, call_id=call_id,
                                                              extension=extension, queue=queue)
            row = MessageRow(extension=extension, queue=queue, caller=caller, caller_name=caller_name,
                             reason=reason[:500], audio_path=audio_path, call_id=call_id, callback_id=callback_id,
                             created_at=now)
            session.add(row)
            await session.flush()
            message_id = row.id
        if owes_callback:
            self.callbacks.tasks_changed()
        log.info("message %s left for %s (call %s, audio %s)", message_id,
                 f"extension {extension}" if extension else f"queue {queue}", call_id, audio_path is not None)
        if self.notifier is not None:
            await self.notifier.left(MessageLeft(
                at=now, message_id=message_id, extension=extension, caller=caller, caller_name=caller_name,
                reason=reason, has_audio=audio_path is not None, call_id=call_id, callback_id=callback_id,
                queue=queue, audio_path=audio_path))
        return message_id

    async def list(self, *, extension: str | None = None, unread_only: bool = False, limit: int = 100,
                   offset: int = 0, scope: RecordScope | None = None) -> list[Message]:
        """Newest first; one employee's when ``extension`` is given; only the reader's with ``scope``."""
        stmt = select(MessageRow)
        if extension is not None:
            stmt = stmt.where(MessageRow.extension == extension)
        if scope is not None:
            stmt = stmt.where(scope_clause(scope, (MessageRow.extension,), MessageRow.queue))
        if unread_only:
            stmt = stmt.where(MessageRow.read_at.is_(None))
        stmt = stmt.order_by(MessageRow.created_at.desc(), MessageRow.id.desc()).limit(limit).offset(offset)
        async with self._sessions() as session:
            return [message_of(row) for row in (await session.scalars(stmt)).all()]

    async def get(self, message_id: int) -> Message | None:
        async with self._sessions() as session:
            row = await session.get(MessageRow, message_id)
            return message_of(row) if row is not None else None

    async def mark_read(self, message_id: int, *, read: bool = True) -> bool:
        """Mark read (or unread again); False when there is no such message."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(update(MessageRow).where(MessageRow.id == message_id)
                                           .values(read_at=utcnow() if read else None))
            return result.rowcount == 1
