"""The audit trail's store on SQLite and PostgreSQL: rows chain to each other, the table refuses changes, appends
from two service instances at once stay one line, and ``verify`` finds a changed, deleted or inserted row."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import make_engine
from hotline.audit import GENESIS, AuditTrail, AuditUnavailable, InvalidAuditRecord, verify
from hotline.audit.chain import fields_of, row_hash
from tests.hotline.audit_fixtures import TAMPERING, audit_rows, record, tamper

APPENDS_PER_INSTANCE = 40


async def test_rows_chain_from_the_genesis_hash_and_verify_says_intact(db_engine):
    trail = AuditTrail(db_engine)
    ids = [await trail.append(record(n)) for n in range(3)]
    rows = await audit_rows(db_engine)
    assert ids == [1, 2, 3] == [row["id"] for row in rows]
    assert rows[0]["prev_hash"] == GENESIS
    assert [row["prev_hash"] for row in rows[1:]] == [row["hash"] for row in rows[:-1]]
    assert all(row.hash == row_hash(fields_of(row)) for row in await trail.entries())
    verdict = await verify(db_engine)
    assert (verdict.intact, verdict.count, verdict.head_hash) == (True, 3, rows[-1]["hash"])


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET purpose = 'nothing to see' WHERE id = 1",
                                       "DELETE FROM audit_log WHERE id = 1"])
async def test_the_table_refuses_updates_and_deletes(db_engine, statement):
    await AuditTrail(db_engine).append(record())
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_engine.begin() as conn:
            await conn.execute(text(statement))
    assert (await verify(db_engine)).intact


async def test_a_record_with_an_unknown_action_or_a_long_purpose_is_refused():
    with pytest.raises(InvalidAuditRecord, match="unknown audit action"):
        record(action="delete")
    with pytest.raises(InvalidAuditRecord, match="200 characters"):
        record(purpose="x" * 201)


async def test_two_instances_appending_at_once_keep_one_linear_chain(db_engine, db_url):
    # two engines: two service instances (two `hotline run`) on one database, each with concurrent requests
    other = make_engine(db_url)
    try:
        trails = [AuditTrail(db_engine), AuditTrail(other)]
        ids = await asyncio.gather(*(trails[n % 2].append(record(n)) for n in range(2 * APPENDS_PER_INSTANCE)))
    finally:
        await other.dispose()
    assert sorted(ids) == list(range(1, 2 * APPENDS_PER_INSTANCE + 1))
    verdict = await verify(db_engine)
    assert (verdict.intact, verdict.count) == (True, 2 * APPENDS_PER_INSTANCE)


async def _five(engine) -> None:
    trail = AuditTrail(engine)
    for n in range(5):
        await trail.append(record(n))


@pytest.mark.parametrize("case", TAMPERING, ids=lambda case: case.name)
async def test_a_changed_row_a_deleted_middle_row_and_deleted_last_rows_are_found(db_engine, case):
    await _five(db_engine)
    await tamper(db_engine, case.statement)
    verdict = await verify(db_engine)
    assert (verdict.broken_at, verdict.count) == (case.broken_at, case.broken_at - 1)
    assert case.words in verdict.problem


async def test_a_row_replaced_with_a_rehashed_one_is_found_by_the_next_rows_link(db_engine):
    await _five(db_engine)
    [row] = [r for r in await AuditTrail(db_engine).entries() if r.id == 2]
    forged = fields_of(row) | {"actor_name": "someone-else", "prev_hash": "f" * 64}   # a consistent row of its own
    await tamper(db_engine, "UPDATE audit_log SET actor_name = :name, prev_hash = :prev, hash = :hash WHERE id = 2",
                 name="someone-else", prev="f" * 64, hash=row_hash(forged))
    verdict = await verify(db_engine)
    assert verdict.broken_at == 2 and "previous hash" in verdict.problem


async def test_a_missing_head_is_reported_and_stops_appends(db_engine):
    await _five(db_engine)
    await tamper(db_engine, "DELETE FROM audit_head")
    verdict = await verify(db_engine)
    assert verdict.broken_at == 6 and "head" in verdict.problem
    with pytest.raises(AuditUnavailable, match="could not be written"):
        await AuditTrail(db_engine).append(record())
