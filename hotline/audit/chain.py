"""The hash chain: what a row's hash covers, and the walk that checks every row against the one before it.

hash = SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of the row's fields, its id and the previous
row's hash; the first row's previous hash is ``GENESIS``. Changing any field changes the row's hash; deleting or
inserting a row breaks the next row's ``prev_hash`` (and the ids, which count up by one); deleting the last rows
leaves the chain shorter than ``audit_head`` says.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db import make_sessionmaker
from hotline.audit.models import HEAD_ID, AuditHead, AuditRow

GENESIS = "0" * 64
HASHED_FIELDS = ("id", "at", "actor_id", "actor_name", "actor_role", "action", "method", "route", "resources",
                 "query", "status", "attempt_of", "purpose", "prev_hash")
WALK_BATCH = 1000


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # one spelling on every dialect: UTC, microseconds always written
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return value


def row_hash(fields: dict[str, Any]) -> str:
    """The hash of a row with these ``HASHED_FIELDS`` (``prev_hash`` among them)."""
    canonical = json.dumps({name: _value(fields[name]) for name in HASHED_FIELDS}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def fields_of(row: AuditRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in HASHED_FIELDS}


@dataclass(frozen=True)
class Verdict:
    """What the walk found: ``broken_at`` is the first row id that does not hold (None: intact)."""

    count: int
    head_hash: str
    broken_at: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


async def _rows(engine: AsyncEngine) -> AsyncIterator[AuditRow]:
    after = 0
    sessions = make_sessionmaker(engine)
    while True:
        async with sessions() as session:
            batch = (await session.scalars(select(AuditRow).where(AuditRow.id > after)
                                           .order_by(AuditRow.id).limit(WALK_BATCH))).all()
        for row in batch:
            yield row
        if len(batch) < WALK_BATCH:
            return
        after = batch[-1].id


def _check(row: AuditRow, expected_id: int, prev_hash: str) -> str:
    """Why ``row`` does not follow the row before it, or "" when it does."""
    if row.id != expected_id:
        return f"rows {expected_id} to {row.id - 1} are missing (deleted)"
    if row.prev_hash != prev_hash:
        return "its previous hash is not the hash of the row before it (a row was replaced or inserted)"
    if row.hash != row_hash(fields_of(row)):
        return "its contents were changed after it was written"
    return ""


async def verify(engine: AsyncEngine) -> Verdict:
    """Walk the whole chain in id order and compare its end with ``audit_head``."""
    count, last_id, prev_hash = 0, 0, GENESIS
    async for row in _rows(engine):
        problem = _check(row, last_id + 1, prev_hash)
        if problem:
            return Verdict(count, prev_hash, min(row.id, last_id + 1), problem)
        count, last_id, prev_hash = count + 1, row.id, row.hash
    async with make_sessionmaker(engine)() as session:
        head = await session.get(AuditHead, HEAD_ID)
    if head is None:
        return Verdict(count, prev_hash, last_id + 1, "the chain's head record (audit_head) is missing")
    if (head.count, head.last_id, head.hash) != (count, last_id, prev_hash):
        if head.count > count:
            return Verdict(count, prev_hash, last_id + 1,
                           f"the head says the trail ends at row {head.last_id} with {head.count} rows; "
                           f"rows after {last_id} are missing (deleted)")
        return Verdict(count, prev_hash, last_id, "the chain's end does not match its head record (audit_head)")
    return Verdict(count, prev_hash)
