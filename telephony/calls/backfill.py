"""Calls that came and went while hotline was down, read back from the PBX's own call records (REQUIREMENTS §5).

The PBX writes one line per call record (``docker/asterisk/cdr_custom.conf``: linkedid, uniqueid, start, answer,
end, src, dst, dstchannel, disposition, lastapp, and the dialplan's marks ``hotline_dialled``/``hotline_queue``).
At start, after the first resync, ``backfill`` reads the records of calls that ended after the newest call hotline
knows (none known: a first start, nothing is read), groups them by Linkedid, and publishes each call hotline never
saw — offered, queued, answered, ended — on the bus as if its events had come, so the call store keeps it and the
callback detector decides what it is owed.
A call already stored, or live on the PBX, is left alone: events and backfill never make a call twice.

Only the caller's own records count (Uniqueid = Linkedid, marked with what was dialled): the dialer's callbacks and
other legs are no inbound calls. An answer is a caller record bridged to someone (``dstchannel``) and answered, by
an agent or an employee, not by the IVR alone. Numbers are personal data: never logged.
"""
from __future__ import annotations

import csv
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.events import CallOffered, CallState, CallStateChanged, DomainEvent, EndCause
from telephony.ami.channels import caller_number
from telephony.calls.models import CallRow

log = logging.getLogger(__name__)

COLUMNS = ("linkedid", "uniqueid", "start", "answer", "end", "src", "dst", "dstchannel", "disposition", "lastapp",
           "dialled", "queue")
BRIDGING_APPS = frozenset({"Queue", "Dial"})
DETAIL = "backfilled from the PBX's call records"
LOOKBACK = dt.timedelta(days=1)   # records this old at most, however long hotline was down


@dataclass(frozen=True)
class Record:
    linkedid: str
    uniqueid: str
    start: float
    answer: float
    end: float
    src: str
    dstchannel: str
    disposition: str
    lastapp: str
    dialled: str
    queue: str


@dataclass
class MissedCall:
    """One call as the PBX's records tell it."""

    call_id: str
    caller: str
    dialled: str
    started: dt.datetime
    ended: dt.datetime
    queue: str | None
    answered_at: dt.datetime | None

    def events(self) -> list[DomainEvent]:
        out: list[DomainEvent] = [
            CallOffered(at=self.started, call_id=self.call_id, caller=caller_number(self.caller),
                        dialed=self.dialled, channel=""),
            CallStateChanged(at=self.started, call_id=self.call_id, state=CallState.OFFERED, detail=DETAIL)]
        if self.queue:
            out.append(CallStateChanged(at=self.started, call_id=self.call_id, state=CallState.QUEUED,
                                        queue=self.queue, detail=DETAIL))
        if self.answered_at is not None:
            out.append(CallStateChanged(at=self.answered_at, call_id=self.call_id, state=CallState.ANSWERED,
                                        queue=self.queue, detail=DETAIL))
        # how an unanswered call ended the records do not tell: nobody took it, so a missed call
        cause = EndCause.COMPLETED if self.answered_at is not None else EndCause.UNANSWERED
        out.append(CallStateChanged(at=self.ended, call_id=self.call_id, state=CallState.ENDED, queue=self.queue,
                                    cause=cause, detail=DETAIL))
        return out


def read_records(path: Path, since: float) -> list[Record]:
    """The records of ``path`` that ended after ``since`` (epoch seconds); malformed lines are skipped."""
    records = []
    with path.open(newline="", encoding="utf-8", errors="replace") as lines:
        for row in csv.reader(lines):
            if len(row) != len(COLUMNS):
                continue
            fields = dict(zip(COLUMNS, row))
            try:
                start, answer, end = (float(fields[key] or 0) for key in ("start", "answer", "end"))
            except ValueError:
                continue
            if end > since:
                records.append(Record(fields["linkedid"], fields["uniqueid"], start, answer, end, fields["src"],
                                      fields["dstchannel"], fields["disposition"], fields["lastapp"],
                                      fields["dialled"], fields["queue"]))
    return records


def calls_of(records: Iterable[Record]) -> list[MissedCall]:
    """Inbound calls, one per Linkedid, from the caller's own records."""
    by_call: dict[str, list[Record]] = {}
    for record in records:
        if record.uniqueid == record.linkedid and record.dialled:
            by_call.setdefault(record.linkedid, []).append(record)
    calls = []
    for call_id, own in by_call.items():
        answers = [r.answer for r in own if r.dstchannel and r.disposition == "ANSWERED"
                   and r.lastapp in BRIDGING_APPS and r.answer > 0]
        queue = next((r.queue for r in own if r.queue), None)
        calls.append(MissedCall(call_id=call_id, caller=own[0].src, dialled=own[0].dialled,
                                started=_at(min(r.start for r in own)), ended=_at(max(r.end for r in own)),
                                queue=queue, answered_at=_at(min(answers)) if answers else None))
    return sorted(calls, key=lambda call: call.started)


async def backfill(engine: AsyncEngine, path: Path, publish: Callable[[DomainEvent], Awaitable[None]],
                   live: Callable[[], Iterable[str]], now: dt.datetime) -> int:
    """Publish the calls of ``path`` that hotline does not know (not stored, not ``live``); how many."""
    if not path.is_file():
        log.info("call backfill: no PBX call records at the configured path; nothing to read")
        return 0
    async with engine.connect() as conn:
        newest = await conn.scalar(select(func.max(CallRow.started_at)))
    if newest is None:   # a first start: what the PBX did before hotline existed is not hotline's to call back
        return 0
    since = max(newest, now - LOOKBACK)
    candidates = calls_of(read_records(path, since.timestamp()))
    known = await _stored(engine, [call.call_id for call in candidates]) | set(live())
    missed = [call for call in candidates if call.call_id not in known]
    for call in missed:
        for event in call.events():
            await publish(event)
    if missed:
        log.warning("call backfill: %d call(s) came while hotline was down, taken from the PBX's records",
                    len(missed))
    return len(missed)


async def _stored(engine: AsyncEngine, call_ids: list[str]) -> set[str]:
    if not call_ids:
        return set()
    async with engine.connect() as conn:
        return set((await conn.scalars(select(CallRow.id).where(CallRow.id.in_(call_ids)))).all())


def _at(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
