"""Audit-trail test helpers: records, and the raw SQL of someone tampering with the table (the append-only
triggers dropped first, as the database's owner could)."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hotline.audit import AuditRecord


class Tampering(NamedTuple):
    name: str
    statement: str     # on a trail of five rows
    broken_at: int     # the row verify names
    words: str         # in what it says


TAMPERING = [
    Tampering("changed", "UPDATE audit_log SET actor_name = 'someone-else' WHERE id = 3", 3, "changed"),
    Tampering("middle_deleted", "DELETE FROM audit_log WHERE id = 2", 2, "missing (deleted)"),
    Tampering("last_deleted", "DELETE FROM audit_log WHERE id >= 4", 4, "ends at row 5"),
]


def record(n: int = 0, **fields) -> AuditRecord:
    values = dict(actor_id=1, actor_name="dpo-1", actor_role="dpo", action="read", method="GET",
                  route="/api/calls/{id}", purpose="subject access request", resources={"id": f"17954411{n}.1"},
                  query=["limit"], status=200)
    return AuditRecord(**{**values, **fields})


async def drop_guards(engine: AsyncEngine) -> None:
    statements = (["DROP TRIGGER audit_log_append_only ON audit_log",
                   "DROP TRIGGER audit_log_no_truncate ON audit_log"]
                  if engine.dialect.name == "postgresql"
                  else ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"])
    async with engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))


async def tamper(engine: AsyncEngine, statement: str, **params) -> None:
    await drop_guards(engine)
    async with engine.begin() as conn:
        await conn.execute(text(statement), params)


async def audit_rows(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM audit_log ORDER BY id"))
        return [dict(row._mapping) for row in result]
