"""What the callback detector decides about a call, as values: the ledger writes them (``owed``), the spool keeps
them across a stop that could not (``spool``)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.events import CallbackReason


@dataclass(frozen=True)
class Owed:
    """The ended call ``call_id`` is owed a callback to ``number`` for ``reason``."""

    number: str
    reason: CallbackReason
    call_id: str
    due_at: dt.datetime
    queue: str | None
    at: dt.datetime   # the call's end


@dataclass(frozen=True)
class Settled:
    """``number`` called in and was answered: its pending missed/abandoned/hold-refused task is settled."""

    number: str
    call_id: str


@dataclass(frozen=True)
class NotOwed:
    """The call needed a ``cause`` callback but gets none, for ``reason`` (kept in ``callback_skips``)."""

    call_id: str
    cause: CallbackReason
    reason: str
    at: dt.datetime


Decision = Owed | Settled | NotOwed
