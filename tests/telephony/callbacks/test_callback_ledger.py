"""The callback detector's ledger: many calls' decisions in one transaction, applied in order as single requests
would be, one decision the database refuses for good never costs the others theirs, and a stop with the database
away keeps what is left for the next start (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import event

from core.db import make_engine
from core.events import CallbackReason
from telephony.callbacks.decisions import NotOwed, Owed, Settled
from telephony.callbacks.models import CallbackFilter
from telephony.callbacks.owed import ALREADY_REQUESTED, CallbackLedger
from telephony.callbacks.service import CallbackService

AT = dt.datetime(2026, 11, 24, 8, 0, tzinfo=dt.timezone.utc)   # a Tuesday, inside business hours
NUMBER = "+37060000071"   # made up


def abandoned(number: str, call_id: str) -> Owed:
    return Owed(number, CallbackReason.ABANDONED, call_id, AT, "general_info", AT)


def commits_of(engine) -> list[int]:
    """A list that grows by one at every commit on ``engine``."""
    seen: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _conn: seen.append(1))
    return seen


async def test_a_burst_of_abandons_is_one_transaction_and_every_caller_gets_a_task(callbacks):
    ledger = CallbackLedger(callbacks, "callback-detector", max_delay=3600)   # only an explicit flush writes
    numbers = [f"+3706000{n:04d}" for n in range(50)]
    commits = commits_of(callbacks.engine)
    for n, number in enumerate(numbers):
        await ledger.add(abandoned(number, f"b.{n}"))
    assert ledger.pending == 50 and commits == []
    await ledger.flush()
    assert len(commits) == 1 and ledger.pending == 0
    tasks = await callbacks.list(CallbackFilter(limit=100))
    assert sorted(task.number for task in tasks) == sorted(numbers)
    assert {task.reasons for task in tasks} == {("abandoned",)}


async def test_decisions_in_one_batch_apply_in_order_as_single_requests_would(callbacks):
    ledger = CallbackLedger(callbacks, "callback-detector", max_delay=3600)
    await ledger.add(abandoned(NUMBER, "o.1"))
    await ledger.add(Owed(NUMBER, CallbackReason.MISSED, "o.2", AT, None, AT))   # merged into the first
    await ledger.add(Settled(NUMBER, "o.3"))                                      # then the caller got through
    await ledger.add(abandoned(NUMBER, "o.4"))                                    # and later gave up again
    await ledger.flush()
    first, second = sorted(await callbacks.list(CallbackFilter()), key=lambda task: task.id)
    assert (first.state, first.reasons, second.state, second.reasons) == (
        "satisfied", ("abandoned", "missed"), "pending", ("abandoned",))
    history = await callbacks.history(first.id)
    assert [(entry.event, entry.call_id, entry.actor) for entry in history] == [
        ("created", "o.1", "callback-detector"), ("merged", "o.2", "callback-detector"),
        ("satisfied", "o.3", "callback-detector")]
    assert history[1].changes["reasons"] == [["abandoned"], ["abandoned", "missed"]]   # before and after


async def test_a_call_that_booked_its_own_callback_is_skipped_and_a_skip_is_kept(callbacks):
    await callbacks.request_callback(NUMBER, "message", call_id="s.1", extension="150")
    ledger = CallbackLedger(callbacks, "callback-detector", max_delay=3600)
    await ledger.add(Owed(NUMBER, CallbackReason.MISSED, "s.1", AT, None, AT))
    await ledger.add(NotOwed("s.2", CallbackReason.ABANDONED, "no_usable_number", AT))
    await ledger.flush()
    [task] = await callbacks.list(CallbackFilter())
    assert task.reasons == ("message",)
    assert [skip.reason for skip in await callbacks.skips("s.1")] == [ALREADY_REQUESTED]
    assert [skip.reason for skip in await callbacks.skips("s.2")] == ["no_usable_number"]


async def test_a_decision_the_database_refuses_for_good_does_not_cost_the_others_their_tasks(callbacks):
    ledger = CallbackLedger(callbacks, "callback-detector", max_delay=3600)
    await ledger.add(abandoned(NUMBER, "r.1"))
    # a call id too long for its column: PostgreSQL refuses it (a data error, not the database away);
    # SQLite has no length limits and takes it, which is fine too
    await ledger.add(NotOwed("r." + "9" * 100, CallbackReason.ABANDONED, "no_usable_number", AT))
    await ledger.add(abandoned("+37060000072", "r.3"))
    await ledger.flush()
    assert ledger.pending == 0
    assert sorted(task.number for task in await callbacks.list(CallbackFilter())) == [NUMBER, "+37060000072"]


async def test_a_stop_with_the_database_away_keeps_the_decisions_on_disk_and_the_next_start_writes_them(
        callbacks, tmp_path):
    spool_file = tmp_path / "var" / "callbacks-owed.jsonl"
    away = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'no-such-dir' / 'db.sqlite3'}")   # every write fails
    stopping = CallbackLedger(CallbackService(away), "callback-detector", max_delay=3600, spool_file=spool_file)
    await stopping.add(abandoned(NUMBER, "k.1"))
    await stopping.add(NotOwed("k.2", CallbackReason.ABANDONED, "no_usable_number", AT))
    await stopping.close()
    await away.dispose()
    assert spool_file.is_file() and oct(spool_file.stat().st_mode & 0o777) == "0o600"

    started = CallbackLedger(callbacks, "callback-detector", spool_file=spool_file)
    assert started.take_back() == 2
    async with asyncio.timeout(5):
        while started.pending:
            await asyncio.sleep(0.01)
    [task] = await callbacks.list(CallbackFilter())
    assert (task.number, task.reasons, task.call_id) == (NUMBER, ("abandoned",), "k.1")
    assert [skip.reason for skip in await callbacks.skips("k.2")] == ["no_usable_number"]
    assert not spool_file.exists(), "written: nothing left to take back"
    assert CallbackLedger(callbacks, "callback-detector", spool_file=spool_file).take_back() == 0
