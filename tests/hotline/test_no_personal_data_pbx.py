"""No personal data in logs, ever (issue 12 item 4), on the real sandbox Asterisk with the whole service: two job
seekers with known numbers key in known personal-code digits while the test forces database errors (inserts of
their call, IVR steps and callback refused by the database) and AGI errors (the IVR flow failing while it holds
the digits); then every log line, rendered by the service's own handler with every logger at DEBUG, and every
stored row are searched for the numbers and the digits."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.policy import load_profile
from tests.hotline.personal_data_search import captured_logs, findings, open_every_logger, stored_cells
from tests.service_fixture import running_service, until

pytestmark = pytest.mark.pbx

CALLER_A = "+37069912345"            # made up; placed in international form
CALLER_B = "+37069912346"            # made up; placed in national form (below)
CALLER_B_PLACED = "869912346"
DIGITS_A, DIGITS_B = "7305", "6948"  # made up: the last digits of two personal codes
FORCED = "forced by the test"
# the columns meant to hold a caller's number: elsewhere a number is a finding
NUMBER_COLUMNS = {("calls", "caller"), ("callback_tasks", "number"), ("messages", "caller")}


def pause(seconds: float) -> str:
    return "w" * math.ceil(seconds / 0.5)


async def refuse_inserts(database: Path, name: str, table: str, when: str) -> None:
    """A trigger that makes the database refuse matching inserts (an IntegrityError, as a constraint would)."""
    await _change_schema(database, f"CREATE TRIGGER {name} BEFORE INSERT ON {table} WHEN {when} "
                                   f"BEGIN SELECT RAISE(ABORT, '{FORCED}'); END")


async def accept_inserts(database: Path, *names: str) -> None:
    await _change_schema(database, *(f"DROP TRIGGER IF EXISTS {name}" for name in names))


async def _change_schema(database: Path, *statements: str) -> None:
    # in a thread: it waits for SQLite's write lock, which a writer of the service (the retention purge's first
    # round at start, say) may hold - and that writer needs the event loop to finish and let go
    def change() -> None:
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
            for statement in statements:
                db.execute(statement)
            db.commit()

    await asyncio.to_thread(change)


def logged(logs, *parts: str) -> list[str]:
    return [line for line in logs.lines if all(part in line for part in parts)]


async def test_forced_database_and_agi_errors_leave_no_number_or_digits_in_logs_or_rows(pbx, tmp_path):
    profile = load_profile(pbx.settings.profile)
    menu_key = next(queue.dtmf for queue in profile.queues if queue.needs_personal_data)
    assert menu_key not in DIGITS_A + DIGITS_B   # the menu key is no personal data: it is stored as the choice
    await pbx.set_all_agents(answer_after="never")   # the callers give up in the queue: each is owed a callback
    with captured_logs() as logs:
        async with running_service(pbx, tmp_path, ivr=True) as running:
            open_every_logger()
            database = Path(make_url(running.service.settings.resolved_database_url()).database)
            seconds = running.service.ivr.prompts.seconds
            preverifications = running.service.ivr.preverifications
            # caller A's call row, and any callback owed to A, refused by the database
            await refuse_inserts(database, "forced_calls", "calls", "NEW.caller LIKE '%69912345'")
            await refuse_inserts(database, "forced_callbacks", "callback_tasks", "NEW.number LIKE '%69912345'")
            a_call: list[str] = []
            real_put = preverifications.put

            def put(call_id: str, digits: str) -> None:
                if call_id in a_call:   # caller A's flow fails holding the digits: the AGI server logs it
                    raise RuntimeError("the verification store is unavailable")
                real_put(call_id, digits)

            preverifications.put = put
            dtmf = pause(seconds["greeting"] + seconds["consent"] + 1.0) + menu_key + pause(2.0)
            a = await pbx.originate(profile.public_number, CALLER_A, dtmf=dtmf + "w".join(DIGITS_A), talk=3,
                                    leaky_keys=True)
            a_call.append(a.uniqueid)
            # and every IVR step of A's (a call id is no personal data)
            await refuse_inserts(database, "forced_steps", "call_ivr_steps", f"NEW.call_id = '{a.uniqueid}'")
            b = await pbx.originate(profile.public_number, CALLER_B_PLACED, dtmf=dtmf + "w".join(DIGITS_B),
                                    talk=3, leaky_keys=True)

            async def call_store_failed() -> bool:
                return bool(logged(logs, "call store: writing failed (IntegrityError)"))

            await until(call_store_failed, timeout=15)
            await accept_inserts(database, "forced_calls")   # the rest of the calls' history is written again
            b_call = await running.wait_call(b.uniqueid, lambda c: any(s["step"] == "queued" for s in c["ivr"]),
                                             timeout=60)
            digits_b = preverifications.take(b.uniqueid)
            await running.wait_call(a.uniqueid, lambda c: c["state"] == "ended", timeout=60)
            await running.wait_call(b.uniqueid, lambda c: c["state"] == "ended", timeout=60)

            async def callback_refused() -> bool:
                return bool(logged(logs, "callback detection", "IntegrityError"))

            await until(callback_refused, timeout=30)
            await accept_inserts(database, "forced_steps", "forced_callbacks")

            async def b_owed() -> bool:   # A's was refused for good: dropped, with the call id in the log
                _, tasks = await running.get("/api/callbacks")
                return any(t["call_id"] == b.uniqueid for t in tasks)

            await until(b_owed, timeout=40)
        control = "tests.no_personal_data.control"
        logging.getLogger(control).warning("control: %s keyed %s", CALLER_A, DIGITS_A)

    # the errors really happened, with their tracebacks, else the search proves nothing
    assert digits_b == DIGITS_B and ("preverify", "provided") in [(s["step"], s["outcome"]) for s in b_call["ivr"]]
    assert preverifications.take(a.uniqueid) is None
    [agi_error] = logged(logs, f"AGI flow 'ivr' failed on call {a.uniqueid}", "Traceback", "RuntimeError")
    assert "preverifications.put" in agi_error
    step_errors = logged(logs, "ivr steps: step", f"of call {a.uniqueid} not written", "Traceback",
                         "IntegrityError", FORCED, "INSERT INTO call_ivr_steps")
    assert step_errors and all("parameters hidden" in line for line in step_errors)
    # A's callback refused: alone in its batch it is kept and written once accepted, in a batch with B's dropped
    assert logged(logs, "callback detection", "IntegrityError")

    # the search finds what it looks for: the control line (its number masked by the handler, its digits not)
    [control_line] = [line for line in logs.lines if control in line]
    assert findings([control_line], [CALLER_A], [DIGITS_A]) == [control_line]
    assert findings(["result=6948 69912346"], [], [DIGITS_B]) and findings(["x869912346"], [CALLER_B], [])
    service_lines = [line for line in logs.lines if control not in line]
    assert findings(service_lines, [CALLER_A, CALLER_B], [DIGITS_A, DIGITS_B]) == []

    cells = stored_cells(tmp_path / "hotline.sqlite3")
    assert findings(cells[("calls", "caller")], [CALLER_A], []) and findings(cells[("calls", "caller")], [CALLER_B], [])
    leaks = {column: found for column, texts in cells.items()
             if (found := findings(texts, [] if column in NUMBER_COLUMNS else [CALLER_A, CALLER_B],
                                   [DIGITS_A, DIGITS_B]))}
    assert leaks == {}
