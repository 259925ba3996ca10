"""The one-open-task-per-number rule as row changes, shared by a single request (``CallbackService``) and the
detector's batches (``telephony.callbacks.owed``): a new task, a request merged into the open one, a recovery task
settled by an answered call. Callers own the session, the transaction and the history rows."""
from __future__ import annotations

import datetime as dt

from core.events import CallbackState
from telephony.callbacks.models import PROMISE_REASONS, SETTLED_BY_AN_ANSWERED_CALL, CallbackTaskRow, priority


def new_task(number: str, reason: str, due_at: dt.datetime, call_id: str | None, queue: str | None,
             extension: str | None, now: dt.datetime, agreed_at: dt.datetime | None = None,
             note: str | None = None) -> CallbackTaskRow:
    return CallbackTaskRow(number=number, state=CallbackState.PENDING.value, reasons=[reason], due_at=due_at,
                           attempts=0, call_id=call_id, queue=queue, extension=extension, created_at=now,
                           updated_at=now, priority=priority([reason]), agreed_at=agreed_at, note=note,
                           promise=reason in PROMISE_REASONS)


def merge_request(row: CallbackTaskRow, reason: str, due_at: dt.datetime, queue: str | None, extension: str | None,
                  now: dt.datetime, agreed_at: dt.datetime | None = None, note: str | None = None) -> None:
    """Another request for the number's open recovery task: its reason joins, the earlier due time wins."""
    if reason not in row.reasons:
        row.reasons = [*row.reasons, reason]   # a new list: JSON columns do not track in-place changes
    row.due_at = min(row.due_at, due_at)
    row.queue = row.queue or queue
    row.extension = row.extension or extension
    row.priority = priority(row.reasons)
    row.agreed_at = agreed_at or row.agreed_at
    row.note = note or row.note
    row.updated_at = now


def settled_by_an_answered_call(row: CallbackTaskRow) -> bool:
    """A pending task whose every reason is one an answered call settles (a task being dialled is the dialer's)."""
    return row.state == CallbackState.PENDING.value and set(row.reasons) <= SETTLED_BY_AN_ANSWERED_CALL


def settle(row: CallbackTaskRow, now: dt.datetime) -> None:
    row.state = CallbackState.SATISFIED.value
    row.updated_at = now
