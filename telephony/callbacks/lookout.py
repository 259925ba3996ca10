"""When the callback dialer reads the database: not every poll, only when something may have become due.

A look (``claims.next_due``) is worth it when this process changed a task (``CallbackService.watch``: a request,
an admin's reschedule, a try that ended), when the free agents changed (other tasks become servable), when the
earliest task seen is due now, or ``rescan_seconds`` after the last look, for tasks written elsewhere (another
service instance, the CLI). Polling the database every second cost a hotline more CPU than its calls at low load.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from telephony.callbacks.claims import Servable


@dataclass
class Lookout:
    rescan_seconds: float
    _changed: bool = True                     # nothing looked at yet
    _servable: Servable | None = None
    _next_due: dt.datetime | None = None
    _looked_at: dt.datetime | None = None

    def changed(self) -> None:
        self._changed = True

    def worth_a_look(self, servable: Servable, now: dt.datetime) -> bool:
        if self._changed or servable != self._servable or self._looked_at is None:
            return True
        if self._next_due is not None and self._next_due <= now:
            return True
        return (now - self._looked_at).total_seconds() >= self.rescan_seconds

    def looking(self) -> None:
        """Before the read: a change made while it runs is seen by the next poll."""
        self._changed = False

    def looked(self, servable: Servable, now: dt.datetime, next_due: dt.datetime | None) -> None:
        self._servable, self._looked_at, self._next_due = servable, now, next_due
