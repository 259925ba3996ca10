"""Callback tasks as stored (tables ``callback_tasks``, ``callback_task_history``, ``callback_skips``) and as the
rest of the code sees them (frozen value objects built from a row by keyword).

A number has at most one open *recovery* task (``pending`` or ``dialing``: missed, abandoned, dropped... merged
into one): a partial unique index enforces it even when two requests race. A *promise* (an agreed time, a message,
a QA correction; ``promise``) is a task of its own, never merged, never settled by the number's next answered
call (migration 0014). Every change appends a history row (HR-REG §27.11). Numbers are personal data.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import AutoId, Base, UTCDateTime
from core.events import CallbackReason
from core.scope import RecordScope

# Lower is dialled first (REQUIREMENTS §5): a dropped conversation, then a promised time, then a missed or
# abandoned call, then everything else. A task with several reasons takes its most urgent one.
PRIORITY_GROUPS: tuple[tuple[str, ...], ...] = (
    (CallbackReason.DROPPED.value,),
    (CallbackReason.AGREED_TIME.value,),
    (CallbackReason.MISSED.value, CallbackReason.ABANDONED.value),
)
OTHER_PRIORITY = len(PRIORITY_GROUPS)


def priority(reasons: tuple[str, ...] | list[str]) -> int:
    """The dialling priority of a task with these reasons (0 first), stored with the task."""
    for rank, group in enumerate(PRIORITY_GROUPS):
        if any(reason in group for reason in reasons):
            return rank
    return OTHER_PRIORITY


_OPEN_RECOVERY_SQL = text("state IN ('pending', 'dialing') AND NOT promise")

# each its own task, kept for its time and its employee (REQUIREMENTS §5)
PROMISE_REASONS = frozenset({CallbackReason.AGREED_TIME.value, CallbackReason.MESSAGE.value,
                             CallbackReason.QA_CORRECTION.value})
# what an answered call from the number settles: they got the conversation these tasks were owed
SETTLED_BY_AN_ANSWERED_CALL = frozenset({CallbackReason.MISSED.value, CallbackReason.ABANDONED.value,
                                         CallbackReason.HOLD_REFUSED.value})


class CallbackTaskRow(Base):
    __tablename__ = "callback_tasks"
    __table_args__ = (
        # one open recovery task per number, whoever asks and however concurrently
        Index("uq_callback_tasks_open_number", "number", unique=True,
              sqlite_where=_OPEN_RECOVERY_SQL, postgresql_where=_OPEN_RECOVERY_SQL),
        Index("ix_callback_tasks_number_state", "number", "state"),
        Index("ix_callback_tasks_state_due_at", "state", "due_at"),
        Index("ix_callback_tasks_claim_order", "state", "priority", "due_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(32))             # E.164; personal data
    state: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)           # in the order they were asked for
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    call_id: Mapped[str | None] = mapped_column(String(64))    # the call that first asked for it
    queue: Mapped[str | None] = mapped_column(String(64))      # the competence that should call back
    extension: Mapped[str | None] = mapped_column(String(16))  # a specific employee (messages, agreed times)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # the dialer worker that took the task to `dialing`, and when (telephony.callbacks.claims, migration 0007)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # migration 0009: dialling order (see ``priority``), the time agreed with the client (§12.10), the channel id
    # and agent of the latest try (the produced call; how a restart finds the try), the agent's note
    priority: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dial_call_id: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))
    promise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())   # migration 0014


RESCHEDULED = "rescheduled"   # the history event of an admin's reschedule: a fresh start for the dialer's limits


class CallbackHistoryRow(Base):
    """One appended change of a task: created, a reason merged in, claimed, a try's outcome, a state change."""

    __tablename__ = "callback_task_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("callback_tasks.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(32))             # "created", "merged", ...
    reason: Mapped[str | None] = mapped_column(String(32))
    call_id: Mapped[str | None] = mapped_column(String(64))
    # migration 0016: who made the change (a user, "dialer <worker>", "callback-detector", "system") and the
    # task's fields it changed, {field: [before, after]} (HR-REG §27.11: who changed what, before and after)
    actor: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict | None] = mapped_column(JSON)


class CallbackSkipRow(Base):
    """A call that would have needed a callback but got no task, and why (e.g. ``no_usable_number``)."""

    __tablename__ = "callback_skips"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    call_id: Mapped[str] = mapped_column(String(64), index=True)
    cause: Mapped[str] = mapped_column(String(32))             # the callback reason the call would have had
    reason: Mapped[str] = mapped_column(String(32))            # why no task: never the number itself
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class CallbackSkip:
    call_id: str
    cause: str
    reason: str
    at: dt.datetime


@dataclass(frozen=True)
class CallbackTask:
    id: int
    number: str
    state: str
    due_at: dt.datetime
    reasons: tuple[str, ...]
    attempts: int
    call_id: str | None
    queue: str | None
    extension: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    priority: int = OTHER_PRIORITY
    agreed_at: dt.datetime | None = None
    dial_call_id: str | None = None
    agent: str | None = None
    note: str | None = None
    promise: bool = False


@dataclass(frozen=True)
class CallbackFilter:
    state: str | None = None
    reason: str | None = None
    extension: str | None = None
    limit: int = 100
    offset: int = 0
    scope: RecordScope | None = None   # only the reader's tasks (addressed, dialled by or queued for them); None: all


class HistoryEntry(NamedTuple):
    """One appended change of a task (``callback_task_history``)."""

    at: dt.datetime
    event: str
    state: str
    reason: str | None
    call_id: str | None
    actor: str | None = None
    changes: dict | None = None


SYSTEM = "system"   # the actor of a change no person asked for here (an IVR booking, a message, a merge)
AUDITED_FIELDS = ("state", "due_at", "reasons", "queue", "extension", "agent", "claimed_by", "attempts", "agreed_at",
                  "note", "dial_call_id")


def audit_fields(row: CallbackTaskRow) -> dict:
    """The task's fields as the history keeps them (plain JSON: times in ISO 8601)."""
    return {name: _plain(getattr(row, name)) for name in AUDITED_FIELDS}


def history_row(row: CallbackTaskRow, event: str, *, at: dt.datetime, actor: str, before: dict | None,
                reason: str | None = None, call_id: str | None = None) -> CallbackHistoryRow:
    """The history entry of a change to ``row``: who, what event, and the fields it changed since ``before``
    (``audit_fields`` taken before the change; None: the task is new)."""
    after = audit_fields(row)
    was = before or {}
    changes = {name: [was.get(name), value] for name, value in after.items() if was.get(name) != value}
    return CallbackHistoryRow(task_id=row.id, at=at, state=row.state, event=event, reason=reason, call_id=call_id,
                              actor=actor[:64], changes=changes or None)


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return list(value) if isinstance(value, tuple) else value


def task_of(row: CallbackTaskRow) -> CallbackTask:
    """The value object of a stored task."""
    return CallbackTask(
        id=row.id, number=row.number, state=row.state, reasons=tuple(row.reasons or ()), due_at=row.due_at,
        attempts=row.attempts, call_id=row.call_id, queue=row.queue, extension=row.extension,
        created_at=row.created_at, updated_at=row.updated_at, priority=row.priority, agreed_at=row.agreed_at,
        dial_call_id=row.dial_call_id, agent=row.agent, note=row.note, promise=bool(row.promise))
